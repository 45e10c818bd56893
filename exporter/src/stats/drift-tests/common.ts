/** Helpers shared by the histogram-based drift tests. */
import type { BinnedPair } from '../types';

/** Numeric columns with at most this many distinct values (reference ∪ current) count as discrete. */
export const MAX_DISCRETE_VALUES = 5;

/** Proportion that replaces an empty bin in PSI and KL (docs/statistics.md; no renormalisation). */
export const EMPTY_BIN_PROPORTION = 1e-4;

/** Why a histogram test cannot run, or null when both sides have observations. */
export function histogramUnavailable(bins: BinnedPair): string | null {
  let ref = 0;
  let cur = 0;
  for (let i = 0; i < bins.referenceCounts.length; i++) ref += bins.referenceCounts[i]!;
  for (let i = 0; i < bins.currentCounts.length; i++) cur += bins.currentCounts[i]!;
  if (ref === 0 && cur === 0) return 'no values on either side';
  if (ref === 0) return 'reference has no values';
  if (cur === 0) return 'current window has no values';
  return null;
}

/** Proportions with exact zeros replaced by EMPTY_BIN_PROPORTION. */
export function withZeroReplaced(p: Float64Array): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? EMPTY_BIN_PROPORTION : p[i]!;
  return out;
}
