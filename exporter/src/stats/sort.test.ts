import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairwiseSum, sortFloat64, stdPopulation } from './numeric';

/** Same order as the built-in typed-array sort, bit for bit (−0 before +0, ±inf at the ends). */
function expectBuiltinOrder(values: Float64Array): void {
  const expected = values.slice().sort();
  const actual = sortFloat64(values.slice());
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect({ i, value: actual[i] }).toEqual({ i, value: expected[i] });
  }
}

describe('sortFloat64', () => {
  it('orders generated arrays as Float64Array.prototype.sort does', () => {
    fc.assert(
      fc.property(fc.float64Array({ noNaN: true, minLength: 0, maxLength: 6000 }), (a) =>
        expectBuiltinOrder(a),
      ),
      { numRuns: 60 },
    );
  });

  it('handles signed zeros, infinities, subnormals, ties and a shared digit', () => {
    const n = 50_000;
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = [0, -0, 5e-324, -5e-324, Infinity, -Infinity, 1, -1, 1.5][i % 9]!;
    expectBuiltinOrder(a);
    // Values differing only in their low bits (the high digits are skipped).
    const b = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % n) * Number.EPSILON);
    expectBuiltinOrder(b);
    expectBuiltinOrder(Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6));
  });

  it('orders runs of values that share their high 32 bits, short, long or all equal', () => {
    const n = 60_000;
    // Epoch seconds within an hour: runs of ~1,000 s share a high word (long runs: the full radix sort).
    expectBuiltinOrder(Float64Array.from({ length: n }, (_, i) => 1.7e9 + ((i * 7919) % 3600) + (i % 7) / 8));
    // Runs of 500 (the built-in sort): 120 high words 2⁻¹⁹ apart, 500 values in each; both signs.
    expectBuiltinOrder(
      Float64Array.from(
        { length: n },
        (_, i) => (i % 2 ? -1 : 1) * (1 + ((i * 7) % 120) * 2 ** -19 + ((i * 13) % 500) * 1e-13),
      ),
    );
    // Runs of a few (insertion).
    expectBuiltinOrder(
      Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 3000) + ((i * 13) % 20) * 1e-9),
    );
    // Ties: a few distinct values, each repeated thousands of times, −0 and +0 among them.
    expectBuiltinOrder(Float64Array.from({ length: n }, (_, i) => [0, -0, 2.5, -2.5, 1e-300][(i * 7) % 5]!));
  });
});

describe('stdPopulation', () => {
  it('sums the squared deviations in numpy order without materialising them (bit for bit)', () => {
    fc.assert(
      fc.property(
        fc.float64Array({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6, maxLength: 3000 }),
        (a) => {
          const m = pairwiseSum(a) / a.length;
          const sq = Float64Array.from(a, (x) => (x - m) * (x - m));
          const expected = a.length === 0 ? Number.NaN : Math.sqrt(pairwiseSum(sq) / a.length);
          expect(Object.is(stdPopulation(a), expected)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
