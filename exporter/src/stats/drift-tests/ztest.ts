/**
 * Two-proportion z-test (pooled variance, two-sided) for a column with exactly two values over
 * reference ∪ current, as Evidently's `z` test: the proportion of the second value (in bin order) in
 * each sample, p = 2 · P(Z > |z|). A single shared value gives p = 1 (Evidently's convention).
 */

import { totalVariation } from '../calibration';
import { normalSf } from '../special';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable } from './common';

/** p-value of the pooled two-proportion z-test on the two bins; null when there are more than two. */
export function twoProportionZTest(bins: BinnedPair): number | null {
  const k = bins.referenceCounts.length;
  if (k === 1) return 1;
  if (k !== 2) return null;
  const n = bins.referenceCounts[0]! + bins.referenceCounts[1]!;
  const m = bins.currentCounts[0]! + bins.currentCounts[1]!;
  const p1 = bins.referenceCounts[1]! / n;
  const p2 = bins.currentCounts[1]! / m;
  const pooled = (p1 * n + p2 * m) / (n + m);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m));
  const p = 2 * normalSf(Math.abs(z));
  return Math.min(Math.max(p, 0), 1);
}

export const zTest = {
  name: 'ztest' as const,
  label: 'z-test',
  statKeys: ['ztest_p_value'],
  reportedFor: (_type, distinctUnion) => distinctUnion <= 2,
  columnTypes: ['categorical', 'numeric'],
  defaultThreshold: 0.05,
  direction: 'p_value',
  // total variation (= the difference of the two proportions): 1 percentage point (docs/detection.md)
  minEffect: 0.01,
  effect: (input) => totalVariation(input.bins),
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { ztest_p_value: null }, reason: why };
    const p = input.distinctUnion <= 2 ? twoProportionZTest(input.bins) : null;
    if (p === null) {
      return {
        score: null,
        stats: { ztest_p_value: null },
        reason: `z-test needs at most two distinct values, found ${input.distinctUnion}`,
      };
    }
    return { score: p, stats: { ztest_p_value: p } };
  },
} satisfies DriftTest;
