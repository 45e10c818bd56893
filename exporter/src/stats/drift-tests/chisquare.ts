/**
 * Chi-square test of homogeneity on the 2 × k contingency table [reference counts; current counts] over
 * the union of bins, as `scipy.stats.chi2_contingency(table, correction=False)`: expected counts from the
 * row and column totals, statistic Σ (O − E)² / E over both rows, df = k − 1; one value on both sides
 * gives statistic 0 and p-value 1. Unlike goodness of fit against the reference proportions, it accounts
 * for the reference's own sampling noise (it stays calibrated when the window outgrows the reference) and
 * is finite when the window has a value the reference lacks. Bins empty on both sides are left out
 * (scipy refuses a zero expected count).
 */

import { totalVariation } from '../calibration';
import { pairwiseSum } from '../numeric';
import { chi2Sf } from '../special';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable, MAX_DISCRETE_VALUES } from './common';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  df: number;
}

export function chiSquare(bins: BinnedPair): ChiSquareResult {
  const ref: number[] = [];
  const cur: number[] = [];
  for (let i = 0; i < bins.referenceCounts.length; i++) {
    const r = bins.referenceCounts[i]!;
    const c = bins.currentCounts[i]!;
    if (r + c > 0) {
      ref.push(r);
      cur.push(c);
    }
  }
  const k = ref.length;
  const n = pairwiseSum(Float64Array.from(ref));
  const m = pairwiseSum(Float64Array.from(cur));
  const total = n + m;
  // scipy sums the terms of the flattened table: the reference row, then the current row.
  const terms = new Float64Array(2 * k);
  for (let i = 0; i < k; i++) {
    const column = ref[i]! + cur[i]!;
    const expectedRef = (n * column) / total;
    const expectedCur = (m * column) / total;
    const dr = ref[i]! - expectedRef;
    const dc = cur[i]! - expectedCur;
    terms[i] = (dr * dr) / expectedRef;
    terms[k + i] = (dc * dc) / expectedCur;
  }
  const df = k - 1;
  if (df <= 0) return { statistic: 0, pValue: 1, df: 0 };
  const statistic = pairwiseSum(terms);
  return { statistic, pValue: Math.min(Math.max(chi2Sf(statistic, df), 0), 1), df };
}

export const chiSquareTest = {
  name: 'chisquare' as const,
  label: 'χ²',
  statKeys: ['chisquare_statistic', 'chisquare_p_value'],
  reportedFor: (type, distinctUnion) => type === 'categorical' || distinctUnion <= MAX_DISCRETE_VALUES,
  columnTypes: ['categorical', 'numeric'],
  defaultThreshold: 0.05,
  direction: 'p_value',
  // total variation: 1% of the rows moved between values (docs/detection.md)
  minEffect: 0.01,
  effect: (input) => totalVariation(input.bins),
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null)
      return { score: null, stats: { chisquare_statistic: null, chisquare_p_value: null }, reason: why };
    const r = chiSquare(input.bins);
    return { score: r.pValue, stats: { chisquare_statistic: r.statistic, chisquare_p_value: r.pValue } };
  },
} satisfies DriftTest;
