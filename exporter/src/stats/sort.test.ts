import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './multivariate';
import {
  medianInPlace,
  pairwiseSum,
  selectInPlace,
  sortedBinCounts,
  sortFloat64,
  stdPopulation,
} from './numeric';

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

describe('selectInPlace and medianInPlace', () => {
  /** The value a sort puts at each probed index, and the partition around it. */
  function expectSelected(values: Float64Array, k: number): void {
    const sorted = values.slice().sort();
    const a = values.slice();
    const v = selectInPlace(a, k);
    expect(v === sorted[k]).toBe(true);
    for (let i = 0; i < k; i++) if (!(a[i]! <= v)) expect({ i, left: a[i] }).toEqual({ i, left: `≤ ${v}` });
    for (let i = k + 1; i < a.length; i++)
      if (!(a[i]! >= v)) expect({ i, right: a[i] }).toEqual({ i, right: `≥ ${v}` });
    expect(a.slice().sort()).toEqual(sorted); // a rearrangement, nothing lost
  }

  it('finds the k-th smallest of generated arrays, ties and long arrays included', () => {
    fc.assert(
      fc.property(
        fc.float64Array({ noNaN: true, minLength: 1, maxLength: 3000 }),
        fc.nat(),
        fc.boolean(),
        (a, k, ties) => {
          const values = ties ? a.map((x) => (Number.isFinite(x) ? Math.round(x % 7) : x)) : a;
          expectSelected(values, k % values.length);
        },
      ),
      { numRuns: 80 },
    );
    const rand = mulberry32(7);
    const big = Float64Array.from({ length: 200_001 }, () => Math.floor(rand() * 1000) / 10);
    for (const k of [0, 1, 100_000, 199_999, 200_000]) expectSelected(big, k);
    // Sorted, reversed and all-equal input (the pivot's worst cases for a naive choice).
    const ramp = Float64Array.from({ length: 50_000 }, (_, i) => i);
    expectSelected(ramp, 25_000);
    expectSelected(ramp.slice().reverse(), 12_345);
    expectSelected(new Float64Array(10_000).fill(3), 5000);
    expect(() => selectInPlace(new Float64Array(3), 3)).toThrow(RangeError);
  });

  it('gives the median a sort gives: the middle value, or the mean of the middle two', () => {
    fc.assert(
      fc.property(
        fc.float64Array({ noNaN: true, noDefaultInfinity: true, minLength: 1, maxLength: 2000 }),
        (a) => {
          const s = a.slice().sort();
          const n = s.length;
          const expected = n % 2 ? s[n >> 1]! : (s[(n >> 1) - 1]! + s[n >> 1]!) / 2;
          expect(
            medianInPlace(a.slice()) === expected ||
              (Number.isNaN(expected) && Number.isNaN(medianInPlace(a.slice()))),
          ).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });
});

describe('sortedBinCounts', () => {
  it('counts as a walk through the edges does (ties on an edge, repeated edges, signed zeros)', () => {
    const walk = (sorted: Float64Array, edges: number[]) => {
      const counts = new Float64Array(edges.length + 1);
      let bin = 0;
      for (const v of sorted) {
        while (bin < edges.length && edges[bin]! <= v) bin++;
        counts[bin]! += 1;
      }
      return counts;
    };
    const value = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, 0, 0.5, -2.5));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 400 }), fc.array(value, { maxLength: 12 }), (vs, es) => {
        const sorted = Float64Array.from(vs).sort();
        const edges = es.sort((a, b) => a - b);
        expect(Array.from(sortedBinCounts(sorted, edges))).toEqual(Array.from(walk(sorted, edges)));
      }),
      { numRuns: 300 },
    );
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
