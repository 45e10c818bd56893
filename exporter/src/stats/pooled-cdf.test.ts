/**
 * The one-merge KS statistic and W1 (pooled-cdf.ts) against independent computations: ks2samp.ts's own
 * KS loop, and scipy's recipe for wasserstein_distance written out (pooled values sorted, CDFs by
 * binary search, one term per gap, numpy's pairwise sum), bit for bit, ties included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ksStatistic } from './ks2samp';
import { pairwiseSum } from './numeric';
import { pooledCdfStats } from './pooled-cdf';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

/** searchsorted(side="right"): how many values of `s` are ≤ v. */
function countAtMost(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** scipy.stats._cdf_distance(1, u, v) without weights. */
function scipyW1(u: Float64Array, v: Float64Array): number {
  const all = Float64Array.from([...u, ...v]).sort();
  const terms = new Float64Array(all.length - 1);
  for (let k = 0; k + 1 < all.length; k++) {
    const uCdf = countAtMost(u, all[k]!) / u.length;
    const vCdf = countAtMost(v, all[k]!) / v.length;
    terms[k] = Math.abs(uCdf - vCdf) * (all[k + 1]! - all[k]!);
  }
  return pairwiseSum(terms, 0, terms.length);
}

const sample = fc.oneof(
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
  fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }), // many ties
);

describe('pooledCdfStats', () => {
  it('gives ksStatistic and scipy W1 bit for bit, ties included', () => {
    fc.assert(
      fc.property(sample, sample, (xs, ys) => {
        const a = sorted(xs);
        const b = sorted(ys);
        const r = pooledCdfStats(a, b);
        expect(Object.is(r.ksStatistic, ksStatistic(a, b))).toBe(true);
        expect(Object.is(r.wasserstein, scipyW1(a, b))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('on hand-checkable inputs (scipy 1.10.1)', () => {
    expect(pooledCdfStats(sorted([0, 1, 3]), sorted([5, 6, 8]))).toEqual({ ksStatistic: 1, wasserstein: 5 });
    expect(pooledCdfStats(sorted([1, 2, 2, 3]), sorted([2, 2, 5])).wasserstein).toBe(1);
    expect(pooledCdfStats(sorted([7]), sorted([7]))).toEqual({ ksStatistic: 0, wasserstein: 0 });
  });

  it('computes a pair once, and again for another reference against the same current side', () => {
    const a = sorted([1, 2, 3]);
    const b = sorted([2, 3, 4, 5]);
    const first = pooledCdfStats(a, b);
    expect(pooledCdfStats(a, b)).toBe(first);
    const other = pooledCdfStats(sorted([10, 11]), b);
    expect(other).not.toBe(first);
    expect(other.wasserstein).toBe(scipyW1(sorted([10, 11]), b));
  });
});
