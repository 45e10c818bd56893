/**
 * Decimal to double, correctly rounded, without building a string (docs/compare.md, "Plain numeric CSV"):
 * the value `w · 10^q` of a decimal with significand `w` (up to 20 digits) and exponent `q`.
 *
 * - `w ≤ 2^53` and `|q| ≤ 22`: Clinger's fast path; `w` and `10^|q|` are exact doubles, so one IEEE
 *   multiplication or division rounds the exact value once, correctly.
 * - a longer `w` (17-digit shortest round-trip output is the common case): the exact significand as two
 *   doubles, times `10^|q|` or times its reciprocal in double-double arithmetic (Dekker's exact product),
 *   whose error is below 2^-100 of the value. Rounded to a double, that is the correctly rounded value
 *   unless the exact value may lie within the error of a halfway point between two doubles; then the
 *   caller falls back to Number() on the text (RETRY). No divisions, no bit fiddling, no state between
 *   calls: ~10 ns a number, against ~50 ns for the first version (docs/benchmarks.md).
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

/** Veltkamp's split of each 10^k into two 26-bit halves (Dekker's product needs both factors split). */
const POW10_HIGH = POW10.map((p) => {
  const t = SPLITTER * p;
  return t - (t - p);
});
const POW10_LOW = POW10.map((p, k) => p - POW10_HIGH[k]!);
/** 1 / 10^k, rounded: a multiplication in place of a division (~4 times the latency). */
const INV_POW10 = POW10.map((p) => 1 / p);

/**
 * The rounding error of the double product `p = a·b` for b = 10^k: a·b − p, exactly (Dekker's
 * TwoProduct; no overflow for the magnitudes used here).
 */
function productError(a: number, k: number, p: number): number {
  const t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  const bh = POW10_HIGH[k]!;
  const bl = POW10_LOW[k]!;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * Rounds the double-double `hi + lo` (positive, within 2^-100 of the exact value x, far from the
 * subnormal and overflow ranges) to the nearest double, or RETRY when x may round the other way.
 * Rounding to nearest is monotonic: if `hi + lo` nudged down and up by ε (> the error; the nudge itself
 * is off by ~2^-105 of hi) rounds to the same double, so does every value between, x among them.
 */
function roundChecked(hi: number, lo: number): number {
  const margin = hi * 2 ** -92;
  const up = hi + (lo + margin);
  return up === hi + (lo - margin) ? up : RETRY;
}

/**
 * The double nearest to `(high · 10^lowDigits + low) · 10^q`, or RETRY. `high ≤ 2^53`, `low < 10^lowDigits`,
 * `lowDigits ≤ 4`, `|q| ≤ 22`; the sign is the caller's. Exact when `lowDigits = 0` and `high ≤ 2^53`.
 * Everything inline, in locals: no state between calls (this runs once per cell of a CSV).
 */
export function decimalToDouble(high: number, low: number, lowDigits: number, q: number): number {
  if (lowDigits === 0) return q < 0 ? high / POW10[-q]! : high * POW10[q]!;
  if (high === 0 && low === 0) return 0;
  // The significand w = s + u exactly: high · 10^k as a double-double, plus low (all integers).
  const p = high * POW10[lowDigits]!;
  const pLow = productError(high, lowDigits, p);
  const s = p + low; // Knuth's TwoSum: sLow is its error
  const bb = s - p;
  const sLow = p - (s - bb) + (low - bb);
  const u = sLow + pLow; // two rounding errors, |u| ≤ ulp(s): an exact integer sum
  if (q === 0) return roundChecked(s, u);
  if (q > 0) {
    const m = s * POW10[q]!;
    return roundChecked(m, productError(s, q, m) + u * POW10[q]!);
  }
  // w / d: q1 ≈ s / d (times 1/d: within 2 ulps), the remainder w − q1·d exactly up to its last rounding
  // (s − q1·d is exact, Sterbenz), and that over d (times 1/d again: an error of ~2^-104 of the value).
  const k = -q;
  const q1 = s * INV_POW10[k]!;
  const qd = q1 * POW10[k]!;
  const r = s - qd - productError(q1, k, qd) + u;
  return roundChecked(q1, r * INV_POW10[k]!);
}
