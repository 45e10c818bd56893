/**
 * Chi-square goodness-of-fit of the current counts against the reference proportions, as
 * `scipy.stats.chisquare(observed, expected)` with expected = reference_count · m / n over the union
 * of bins and df = bins − 1. A bin that is empty in the reference but not in the current window gives
 * statistic +∞ and p-value 0.
 */
import { pairwiseSum } from '../numeric';
import { chi2Sf } from '../special';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable } from './common';

export interface ChiSquareResult {
  statistic: number;
  /** null when there is a single bin (df = 0: scipy returns NaN). */
  pValue: number | null;
  df: number;
}

export function chiSquare(bins: BinnedPair): ChiSquareResult {
  const k = bins.referenceCounts.length;
  const n = pairwiseSum(bins.referenceCounts);
  const m = pairwiseSum(bins.currentCounts);
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const expected = (bins.referenceCounts[i]! * m) / n;
    const diff = bins.currentCounts[i]! - expected;
    terms[i] = (diff * diff) / expected;
  }
  const statistic = pairwiseSum(terms);
  const df = k - 1;
  return { statistic, pValue: df > 0 ? chi2Sf(statistic, df) : null, df };
}

export const chiSquareTest: DriftTest = {
  name: 'chisquare',
  columnTypes: ['categorical', 'numeric'],
  defaultThreshold: 0.05,
  direction: 'p_value',
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null)
      return { score: null, stats: { chisquare_statistic: null, chisquare_p_value: null }, reason: why };
    const r = chiSquare(input.bins);
    const stats = { chisquare_statistic: r.statistic, chisquare_p_value: r.pValue };
    if (r.pValue === null) return { score: null, stats, reason: 'chi-square needs at least two categories' };
    return { score: r.pValue, stats };
  },
};
