/**
 * Decimal to double, correctly rounded, without building a string (docs/compare.md, "Plain numeric CSV"):
 * the value `w · 10^q` of a decimal with significand `w` (up to 20 digits) and exponent `q`.
 *
 * - `w ≤ 2^53` and `|q| ≤ 22`: Clinger's fast path; `w` and `10^|q|` are exact doubles, so one IEEE
 *   multiplication or division rounds the exact value once, correctly.
 * - a longer `w` (17-digit shortest round-trip output is the common case): the exact significand as two
 *   doubles, times or divided by `10^|q|` in double-double arithmetic (Dekker's exact product), whose
 *   error is below 2^-100 of the value. Rounded to a double, that is the correctly rounded value unless
 *   the exact value may lie within the error of a halfway point between two doubles; then the caller
 *   falls back to Number() on the text (RETRY).
 *
 * The result is checked bit for bit against Number() in decimal.test.ts, near-ties included.
 */

/** 10^0 … 10^22: exact doubles. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Largest exponent magnitude with an exact 10^|q|. */
export const MAX_EXACT_POW10 = 22;

/** Returned when the fast conversion cannot decide: convert the text with Number(). */
export const RETRY = -1;

const SPLITTER = 134217729; // 2^27 + 1

// The bits of a double (little-endian words, as on every platform Node runs on).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

let productLow = 0;
/** a·b = result + productLow exactly (Dekker's TwoProduct; no overflow for the magnitudes used here). */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  productLow = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

let sumLow = 0;
/** a+b = result + sumLow exactly (Knuth's TwoSum). */
function twoSum(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  sumLow = a - (s - bb) + (b - bb);
  return s;
}

/**
 * Rounds the double-double `hi + lo` (≥ 0, a normal double, within 2^-100 of the exact value) to the
 * nearest double, or RETRY when the exact value may be on the other side of a halfway point.
 */
function roundChecked(hi: number, lo: number): number {
  const h = twoSum(hi, lo);
  const l = sumLow;
  f64[0] = h;
  const high = u32[1]!;
  // A power of two: the doubles below it are twice as dense.
  const powerOfTwo = (high & 0xfffff) === 0 && u32[0] === 0;
  // Half an ulp of h, 2^(exponent − 1076), built from its bits (exact).
  u32[1] = (((high >>> 20) & 0x7ff) - 53) << 20;
  u32[0] = 0;
  const half = l < 0 && powerOfTwo ? f64[0]! / 2 : f64[0]!;
  // The margin (2^-92 of h, ~2^-39 of half an ulp) covers the arithmetic's error (< 2^-100) many times.
  return Math.abs(l) < half - h * 2 ** -92 ? h : RETRY;
}

/**
 * The double nearest to `(high · 10^lowDigits + low) · 10^q`, or RETRY. `high ≤ 2^53`, `low < 10^lowDigits`,
 * `lowDigits ≤ 4`, `|q| ≤ 22`; the sign is the caller's. Exact when `lowDigits = 0` and `high ≤ 2^53`.
 */
export function decimalToDouble(high: number, low: number, lowDigits: number, q: number): number {
  if (lowDigits === 0) return q < 0 ? high / POW10[-q]! : high * POW10[q]!;
  if (high === 0 && low === 0) return 0;
  // The significand w = s + u exactly: high · 10^k as a double-double, plus low (all integers).
  const p = twoProduct(high, POW10[lowDigits]!);
  const s = twoSum(p, low);
  const u = sumLow + productLow; // two rounding errors, |u| ≤ ulp(s): an exact integer sum
  if (q === 0) return roundChecked(s, u);
  const d = POW10[Math.abs(q)]!;
  if (q > 0) {
    const m = twoProduct(s, d);
    return roundChecked(m, productLow + u * d);
  }
  // w / d: q1 = s / d, and the remainder w − q1·d, computed exactly up to its last rounding, over d.
  const q1 = s / d;
  const qd = twoProduct(q1, d);
  const r = s - qd - productLow + u;
  return roundChecked(q1, r / d);
}
