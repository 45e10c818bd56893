/**
 * The two statistics built on the empirical CDFs of two sorted samples over their pooled values, from
 * one merge of the two (docs/statistics.md defines both; docs/benchmarks.md measures the merge):
 * - the two-sample KS statistic D = sup |F_a − F_b|, bit-identical to ksStatistic (ks2samp.ts), which
 *   ks2samp still uses on its own;
 * - the first Wasserstein distance W1 = ∫ |F_a − F_b|, as `scipy.stats.wasserstein_distance`: one term
 *   per gap between consecutive pooled values (zero for tied values), summed pairwise as numpy does.
 * The KS and Wasserstein drift tests both ask for them for the same column; the second asks for free.
 */
import { pairwiseSum } from './numeric';

export interface PooledCdfStats {
  ksStatistic: number;
  wasserstein: number;
}

/** The last pair computed, by the current side's array (one column's tests run one after the other). */
const cache = new WeakMap<ArrayLike<number>, { a: ArrayLike<number>; stats: PooledCdfStats }>();

/** The terms of W1, kept between calls (a column pair of 10⁵ rows each needs 1.6 MB). */
let termsScratch = new Float64Array(0);

/** D and W1 of two sorted, non-empty samples of finite values (computed once per pair of arrays). */
export function pooledCdfStats(a: ArrayLike<number>, b: ArrayLike<number>): PooledCdfStats {
  const hit = cache.get(b);
  if (hit !== undefined && hit.a === a) return hit.stats;
  const stats = mergeStats(a, b);
  cache.set(b, { a, stats });
  return stats;
}

function mergeStats(a: ArrayLike<number>, b: ArrayLike<number>): PooledCdfStats {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { ksStatistic: Number.NaN, wasserstein: Number.NaN };
  const total = n + m;
  if (termsScratch.length < total - 1) termsScratch = new Float64Array(total - 1);
  const terms = termsScratch;
  // Merge the two samples; after taking the k-th pooled value, ai/bi count the values ≤ it (ties: past
  // every copy, as searchsorted(side="right")), so diff is F_a − F_b there, formed as i/n − j/m as scipy
  // forms it. Term k−1 covers [pooled[k−1], pooled[k]) with the CDFs at pooled[k−1].
  let i = 0;
  let j = 0;
  let ai = 0;
  let bi = 0;
  let prev = 0;
  let prevDiff = 0;
  let maxDiff = -2;
  let minDiff = 2;
  for (let k = 0; k < total; k++) {
    let value: number;
    if (j >= m || (i < n && a[i]! <= b[j]!)) value = a[i++]!;
    else value = b[j++]!;
    if (k > 0) terms[k - 1] = Math.abs(prevDiff) * (value - prev);
    prev = value;
    while (ai < n && a[ai]! <= value) ai++;
    while (bi < m && b[bi]! <= value) bi++;
    const diff = ai / n - bi / m;
    prevDiff = diff;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  return {
    ksStatistic: Math.max(Math.min(Math.max(-minDiff, 0), 1), maxDiff),
    wasserstein: pairwiseSum(terms, 0, total - 1),
  };
}
