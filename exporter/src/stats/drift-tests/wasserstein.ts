/**
 * Normed Wasserstein distance: W1(ref, cur) / max(std(ref, ddof=0), 0.001), W1 as
 * `scipy.stats.wasserstein_distance` (integral of |F_ref − F_cur| over the pooled sorted values).
 */
import { pairwiseSum } from '../numeric';
import type { DriftTest, DriftTestInput } from '../types';

/** Floor for the reference standard deviation (a constant reference would otherwise divide by zero). */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/** First Wasserstein distance between two sorted, non-empty samples (same summation as scipy). */
export function wassersteinDistance(uSorted: ArrayLike<number>, vSorted: ArrayLike<number>): number {
  const n = uSorted.length;
  const m = vSorted.length;
  if (n === 0 || m === 0) return Number.NaN;
  const total = n + m;
  const terms = new Float64Array(total - 1);
  // Merge the two sorted samples; after taking the k-th pooled value, ui/vi count values ≤ it.
  let i = 0;
  let j = 0;
  let prev = Number.NaN;
  let ui = 0;
  let vi = 0;
  for (let k = 0; k < total; k++) {
    let value: number;
    if (j >= m || (i < n && uSorted[i]! <= vSorted[j]!)) value = uSorted[i++]!;
    else value = vSorted[j++]!;
    if (k > 0) {
      // Term for the interval [all[k-1], all[k]): CDFs evaluated at all[k-1] (searchsorted right).
      terms[k - 1] = Math.abs(ui / n - vi / m) * (value - prev);
    }
    prev = value;
    // Counts of values ≤ the current pooled value (ties: advance past all equal values).
    while (ui < n && uSorted[ui]! <= value) ui++;
    while (vi < m && vSorted[vi]! <= value) vi++;
  }
  return pairwiseSum(terms);
}

/**
 * Score that sampling noise alone exceeds with probability at most `alpha`. Under no drift
 * √(nm/(n+m))·W1/σ converges to ∫|B(F(x))|dx/σ for a Brownian bridge B, whose mean is
 * √(2/π)·∫√(F(1−F))dx/σ (estimated on the reference's empirical CDF) and whose largest variance over the
 * dual unit ball is Var(∫B(F(x))dx)/σ² = 1 (the bridge's covariance is positive, so the constant
 * direction is the worst). The Borell–TIS inequality then bounds the tail: P(norm > mean + r) ≤ e^{−r²/2}.
 */
export function wassersteinNoise(
  input: DriftTestInput,
  rows: { reference: number; current: number },
  alpha: number,
): number | null {
  const ref = input.referenceSorted;
  if (
    ref === null ||
    ref.length < 2 ||
    input.referenceStd === null ||
    rows.reference <= 0 ||
    rows.current <= 0
  )
    return null;
  const scale = Math.max(input.referenceStd, WASSERSTEIN_STD_FLOOR);
  const n = ref.length;
  let area = 0;
  for (let i = 0; i < n - 1; i++) {
    const f = (i + 1) / n;
    area += Math.sqrt(f * (1 - f)) * (ref[i + 1]! - ref[i]!);
  }
  const mean = (Math.sqrt(2 / Math.PI) * area) / scale;
  const sigma = Math.min(1, input.referenceStd / scale);
  return (
    (mean + sigma * Math.sqrt(2 * Math.log(1 / alpha))) * Math.sqrt(1 / rows.reference + 1 / rows.current)
  );
}

export const wassersteinTest: DriftTest = {
  name: 'wasserstein',
  columnTypes: ['numeric'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // in units of the reference σ: exactly a 0.05σ location shift (docs/detection.md)
  minEffect: 0.05,
  noise: wassersteinNoise,
  compute(input: DriftTestInput) {
    const ref = input.referenceSorted;
    const cur = input.currentSorted;
    if (ref === null || cur === null || ref.length === 0 || cur.length === 0 || input.referenceStd === null) {
      return {
        score: null,
        stats: { wasserstein_normed: null },
        reason: 'Wasserstein needs values on both sides',
      };
    }
    const w = wassersteinDistance(ref, cur) / Math.max(input.referenceStd, WASSERSTEIN_STD_FLOOR);
    return { score: w, stats: { wasserstein_normed: w } };
  },
};
