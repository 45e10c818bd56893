/**
 * Binning shared by PSI, KL, Jensen–Shannon, Hellinger, chi-square, the panel histograms and the fleet
 * counters (docs/statistics.md):
 * - numeric column with more than 20 distinct reference values → edges = distinct reference quantiles at
 *   1/B … (B−1)/B (B = 10 by default; numpy's linear interpolation), bin of x = number of edges ≤ x, so
 *   the outer bins are open and bins are [e_i, e_{i+1});
 * - otherwise (categorical, or numeric with ≤ 20 distinct reference values) one bin per value over the
 *   union of reference and current values.
 */
import { quantileSorted, sortedBinCounts, upperBound } from './numeric';
import type { BinnedPair, CategoricalProfile, NumericProfile } from './types';

/** Default number of quantile bins (edges at the deciles). */
export const DEFAULT_BIN_COUNT = 10;
/** A numeric column with more distinct reference values than this gets quantile bins. */
export const VALUE_BINS_MAX_DISTINCT = 20;

/** Quantile levels 1/B, 2/B, …, (B−1)/B (for B = 10 these are the doubles nearest 0.1 … 0.9). */
export function quantileLevels(binCount: number = DEFAULT_BIN_COUNT): number[] {
  if (!Number.isInteger(binCount) || binCount < 2)
    throw new RangeError(`bin count must be an integer ≥ 2, got ${binCount}`);
  const levels: number[] = [];
  for (let i = 1; i < binCount; i++) levels.push(i / binCount);
  return levels;
}

/** Distinct values of the reference quantiles (`np.unique(np.quantile(ref, levels))`), ascending. */
export function quantileEdges(
  sortedReference: ArrayLike<number>,
  binCount: number = DEFAULT_BIN_COUNT,
): number[] {
  if (sortedReference.length === 0) return [];
  const edges: number[] = [];
  for (const q of quantileLevels(binCount)) {
    const e = quantileSorted(sortedReference, q);
    // Quantiles of sorted data are non-decreasing, so distinct = differs from the previous one.
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** Bin index of x: the number of edges ≤ x (`np.searchsorted(edges, x, side="right")`). */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  return upperBound(edges, x);
}

/** Counts per quantile bin (length edges.length + 1) of the finite values; order of values is free. */
export function countEdgeBins(values: ArrayLike<number>, edges: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) counts[upperBound(edges, v)]! += 1;
  }
  return counts;
}

/** `[value, count]` pairs of a sorted array (−0 and +0 are one value, reported as the first seen). */
export function valueCountsSorted(sorted: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  while (i < sorted.length) {
    const v = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    out.push([v === 0 ? 0 : v, j - i]);
    i = j;
  }
  return out;
}

/** Proportions count / total (all zeros when the total is zero). */
export function proportions(counts: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(counts.length);
  if (total === 0) return out;
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

function pair(
  labels: string[],
  lower: (string | null)[],
  refCounts: Float64Array,
  curCounts: Float64Array,
): BinnedPair {
  return {
    labels,
    lower,
    reference: proportions(refCounts),
    current: proportions(curCounts),
    referenceCounts: refCounts,
    currentCounts: curCounts,
  };
}

/** Label of a numeric edge or value: String(x) round-trips through Number(). */
export function formatEdge(x: number): string {
  return String(x);
}

/**
 * Aligned histogram of a numeric reference profile and the current window. `currentSorted` holds the
 * finite current values sorted ascending.
 */
export function binNumeric(profile: NumericProfile, currentSorted: Float64Array): BinnedPair {
  if (profile.edges !== null) {
    const edges = profile.edges;
    const labels: string[] = [];
    const lower: (string | null)[] = [];
    for (let i = 0; i <= edges.length; i++) {
      labels.push(i < edges.length ? formatEdge(edges[i]!) : '+Inf');
      lower.push(i === 0 ? '-Inf' : formatEdge(edges[i - 1]!));
    }
    const refCounts = Float64Array.from(profile.binCounts ?? new Array<number>(edges.length + 1).fill(0));
    // Current values are sorted: each bin's count is the distance between two searches.
    return pair(labels, lower, refCounts, sortedBinCounts(currentSorted, edges));
  }
  // One bin per value over the union of reference values and current values.
  const ref = profile.valueCounts ?? [];
  const labels: string[] = [];
  const lower: (string | null)[] = [];
  const refCounts: number[] = [];
  const curCounts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < ref.length || j < currentSorted.length) {
    const rv = i < ref.length ? ref[i]![0] : Number.POSITIVE_INFINITY;
    const cv = j < currentSorted.length ? currentSorted[j]! : Number.POSITIVE_INFINITY;
    const v = Math.min(rv, cv);
    let rc = 0;
    if (i < ref.length && ref[i]![0] === v) {
      rc = ref[i]![1];
      i++;
    }
    let cc = 0;
    while (j < currentSorted.length && currentSorted[j] === v) {
      cc++;
      j++;
    }
    labels.push(formatEdge(v === 0 ? 0 : v));
    lower.push(null);
    refCounts.push(rc);
    curCounts.push(cc);
  }
  return pair(labels, lower, Float64Array.from(refCounts), Float64Array.from(curCounts));
}

/** Aligned histogram of a categorical profile and current category counts: union of categories, sorted. */
export function binCategorical(
  profile: CategoricalProfile,
  current: ReadonlyMap<string, number>,
): BinnedPair {
  const refMap = new Map<string, number>();
  for (const [cat, count] of profile.categoryCounts) refMap.set(cat, (refMap.get(cat) ?? 0) + count);
  const union = new Set<string>(refMap.keys());
  for (const [cat, count] of current) if (count > 0) union.add(cat);
  const labels = [...union].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const refCounts = new Float64Array(labels.length);
  const curCounts = new Float64Array(labels.length);
  labels.forEach((cat, k) => {
    refCounts[k] = refMap.get(cat) ?? 0;
    curCounts[k] = current.get(cat) ?? 0;
  });
  return pair(
    labels,
    labels.map(() => null),
    refCounts,
    curCounts,
  );
}
