/** Two-sample Kolmogorov–Smirnov test (p-value as `scipy.stats.ks_2samp(method="auto")`). */
import { ks2SampPValue } from '../ks2samp';
import { pooledCdfStats } from '../pooled-cdf';
import type { DriftTest, DriftTestInput } from '../types';

export const ksTest = {
  name: 'ks' as const,
  label: 'KS',
  statKeys: ['ks_statistic', 'ks_p_value'],
  reportedFor: (type) => type === 'numeric',
  columnTypes: ['numeric'],
  defaultThreshold: 0.05,
  direction: 'p_value',
  // D of a 0.05σ mean shift of a normal is 2Φ(0.025) − 1 = 0.0199: docs/detection.md
  minEffect: 0.015,
  effect: (_input, stats) => stats.ks_statistic ?? null,
  compute(input: DriftTestInput) {
    const ref = input.referenceSorted;
    const cur = input.currentSorted;
    if (ref === null || cur === null || ref.length === 0 || cur.length === 0) {
      return {
        score: null,
        stats: { ks_statistic: null, ks_p_value: null },
        reason: 'KS needs values on both sides',
      };
    }
    // D from the merge the Wasserstein statistic shares (pooled-cdf.ts); the p-value as ks2samp's.
    const r = ks2SampPValue(ref.length, cur.length, pooledCdfStats(ref, cur).ksStatistic);
    return { score: r.pValue, stats: { ks_statistic: r.statistic, ks_p_value: r.pValue } };
  },
} satisfies DriftTest;
