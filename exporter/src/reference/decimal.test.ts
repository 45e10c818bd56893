/**
 * decimalToDouble against Number() (V8's correctly rounded string-to-double) bit for bit: random decimals of
 * up to 20 significant digits, and decimals within a few units of the last place of the exact halfway
 * point between two doubles (written out with BigInt), where a conversion that is not exact goes wrong.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalToDouble, MAX_EXACT_POW10, RETRY } from './decimal';

/** The split numeric-csv.ts makes: exact `high` ≤ 2^53, then up to 4 more digits; null beyond. */
function convert(digits: string, q: number): number | null {
  let high = 0;
  let low = 0;
  let lowDigits = 0;
  for (const ch of digits) {
    const d = ch.charCodeAt(0) - 48;
    if (lowDigits === 0 && high * 10 + d <= 2 ** 53) high = high * 10 + d;
    else if (lowDigits < 4) {
      low = low * 10 + d;
      lowDigits++;
    } else return null;
  }
  if (Math.abs(q) > MAX_EXACT_POW10) return null;
  return decimalToDouble(high, low, lowDigits, q);
}

/** `digits` with the decimal point `q` places from the right (q ≤ 0), or an exponent. */
function text(digits: string, q: number): string {
  return `${digits}e${q}`;
}

/** Digit strings of every length from `min` to `max` alike (fast-check's default favours short arrays). */
const digitString = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }))
    .map((ds) => ds.join(''));

describe('decimalToDouble', () => {
  it('is Number() bit for bit on random decimals of 1 to 20 digits', () => {
    let retried = 0;
    let checked = 0;
    fc.assert(
      fc.property(digitString(1, 20), fc.integer({ min: -22, max: 22 }), (digits, q) => {
        const value = convert(digits, q);
        if (value === null) return;
        checked++;
        if (value === RETRY) retried++;
        else expect(Object.is(value, Number(text(digits, q)))).toBe(true);
      }),
      { numRuns: 200_000 },
    );
    expect(checked).toBeGreaterThan(150_000);
    // Only values within ~2^-39 ulp of a halfway point retry: practically none at random.
    expect(retried).toBeLessThan(checked / 1000);
  });

  it('is Number() or RETRY at and around the halfway points between doubles', () => {
    const view = new DataView(new ArrayBuffer(8));
    let exact = 0;
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e18, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 17, max: 20 }),
        fc.integer({ min: -3, max: 3 }),
        (x, keep, nudge) => {
          // x = m · 2^e exactly; the halfway point to the next double is (2m + 1) · 2^(e − 1), which is
          // the integer `all` times 10^-scale: (2m + 1) · 5^(1 − e) · 10^(e − 1) when e < 1.
          view.setFloat64(0, x);
          const bits = view.getBigUint64(0);
          const m = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
          const e = Number(bits >> 52n) - 1075;
          const scale = Math.max(0, 1 - e);
          const all = (
            e >= 1 ? (2n * m + 1n) << BigInt(e - 1) : (2n * m + 1n) * 5n ** BigInt(scale)
          ).toString();
          // Its first `keep` digits (all of them when it has fewer: the tie itself), nudged in the last one.
          const kept = Math.min(keep, all.length);
          const shifted = (BigInt(all.slice(0, kept)) + BigInt(kept === all.length ? 0 : nudge)).toString();
          const q = all.length - kept - scale;
          const value = convert(shifted, q);
          if (value === null || value === RETRY) return;
          exact++;
          expect(Object.is(value, Number(text(shifted, q)))).toBe(true);
        },
      ),
      { numRuns: 100_000 },
    );
    expect(exact).toBeGreaterThan(10_000);
  });

  it('retries at an exact halfway point (ties go to even, which the fast check leaves to Number)', () => {
    // 2^53 + 1 lies halfway between 2^53 and 2^53 + 2.
    expect(decimalToDouble(900719925474099, 3, 1, 0)).toBe(RETRY);
    expect(Number('9007199254740993')).toBe(2 ** 53);
    // 0.1 with 17 digits: not a tie.
    expect(decimalToDouble(1000000000000000, 1, 1, -17)).toBe(Number('10000000000000001e-17'));
  });
});
