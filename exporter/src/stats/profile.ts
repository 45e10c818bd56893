/**
 * Reference profiles (built once from reference values, JSON-serialisable) and current-window columns.
 *
 * Column typing follows docs/compare.md: a column is numeric when every non-missing value parses as a finite
 * number, otherwise categorical. Missing values are `null`/`undefined`, empty (or blank) strings, `NA`,
 * `NaN` and `null`; in numeric data NaN and ±inf count as missing.
 */
import { DEFAULT_BIN_COUNT, quantileEdges, VALUE_BINS_MAX_DISTINCT, valueCountsSorted } from './binning';
import {
  countDistinctSorted,
  finiteValues,
  pairwiseSum,
  sortedBinCounts,
  sortFloat64,
  stdPopulation,
} from './numeric';
import type { CategoricalProfile, ColumnProfile, ColumnType, CurrentColumn, NumericProfile } from './types';

/** Default cap on the sorted reference sample kept for KS and Wasserstein. */
export const DEFAULT_SAMPLE_CAP = 50_000;

export interface ProfileOptions {
  /** Keep at most this many sorted reference values (evenly spaced order statistics); default 50 000. */
  sampleCap?: number;
  /** Number of quantile bins for columns with > 20 distinct values; default 10. */
  binCount?: number;
}

/** Raw column values: numbers (NaN/±inf missing) or strings as read from CSV/JSON (null missing). */
export type RawColumn = Float64Array | readonly (string | null | undefined)[];

/** The cells that count as missing (docs/compare.md), before or after trimming. */
export const MISSING_TOKENS: readonly string[] = ['', 'NA', 'NaN', 'null'];
const MISSING_TOKEN_SET = new Set(MISSING_TOKENS);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True for the missing-value tokens of docs/compare.md (and null/undefined, blank strings). */
export function isMissingToken(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return true;
  return MISSING_TOKEN_SET.has(value.trim());
}

/**
 * The finite number a (non-missing) string denotes, or null. Only plain decimal notation counts
 * ("1", "-2.5", ".5", "1e-3"; surrounding blanks allowed) — not hex, not "Infinity".
 */
export function parseFiniteNumber(value: string): number | null {
  const s = value.trim();
  if (!DECIMAL.test(s)) return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

/** docs/compare.md type rule for string data (an all-missing column counts as numeric). */
export function inferColumnType(values: readonly (string | null | undefined)[]): ColumnType {
  for (const v of values) {
    if (isMissingToken(v)) continue;
    if (parseFiniteNumber(v as string) === null) return 'categorical';
  }
  return 'numeric';
}

/** Parse a string column known to be numeric: missing tokens become NaN. */
function parseNumericColumn(values: readonly (string | null | undefined)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = isMissingToken(v) ? Number.NaN : (parseFiniteNumber(v as string) ?? Number.NaN);
  }
  return out;
}

/** Evenly spaced order statistics: `cap` values at indices round(i·(n−1)/(cap−1)) of the sorted data. */
export function orderStatisticSample(sorted: Float64Array, cap: number): Float64Array {
  const n = sorted.length;
  if (n <= cap) return sorted;
  if (cap < 2) throw new RangeError(`sample cap must be ≥ 2, got ${cap}`);
  const out = new Float64Array(cap);
  for (let i = 0; i < cap; i++) out[i] = sorted[Math.round((i * (n - 1)) / (cap - 1))]!;
  return out;
}

/** Profile of numeric reference values (NaN and ±inf are counted as missing). */
export function profileNumeric(values: ArrayLike<number>, opts: ProfileOptions = {}): NumericProfile {
  return profileNumericSorted(values, opts).profile;
}

/**
 * The profile and the sorted finite values it was built from, so a caller comparing the whole column
 * (compare) sorts it once for the edges, KS and Wasserstein. With `keepSample: false` the profile's
 * `sample` stays empty (the caller holds the sorted values instead of a JSON copy of them).
 */
export function profileNumericSorted(
  values: ArrayLike<number>,
  opts: ProfileOptions & { keepSample?: boolean } = {},
): { profile: NumericProfile; sorted: Float64Array } {
  const sampleCap = opts.sampleCap ?? DEFAULT_SAMPLE_CAP;
  const binCount = opts.binCount ?? DEFAULT_BIN_COUNT;
  // Finite values in input order (numpy's sums depend on order), then one sort. The loops live in
  // helpers: V8 compiles a function with a long loop while it runs, and code past the loop that has not
  // run yet sends it back (a compile per loop per thread otherwise; docs/benchmarks.md).
  const finite = finiteValues(values);
  const count = finite.length;
  const missing = values.length - count;
  if (count === 0) {
    const profile: NumericProfile = {
      type: 'numeric',
      count: 0,
      missing,
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      edges: null,
      binCounts: null,
      valueCounts: [],
      distinct: 0,
      sample: [],
      sampleIsComplete: true,
    };
    return { profile, sorted: finite };
  }
  const meanValue = pairwiseSum(finite) / count;
  const std = stdPopulation(finite);
  const sorted = sortFloat64(finite); // in place: the input-order sums above are done
  const distinct = countDistinctSorted(sorted);
  let edges: number[] | null = null;
  let binCounts: number[] | null = null;
  let valueCounts: [number, number][] | null = null;
  if (distinct > VALUE_BINS_MAX_DISTINCT) {
    edges = quantileEdges(sorted, binCount);
    binCounts = Array.from(sortedBinCounts(sorted, edges));
  } else {
    valueCounts = valueCountsSorted(sorted);
  }
  const keep = opts.keepSample ?? true;
  const sample = keep ? orderStatisticSample(sorted, sampleCap) : new Float64Array(0);
  const profile: NumericProfile = {
    type: 'numeric',
    count,
    missing,
    min: sorted[0]!,
    max: sorted[count - 1]!,
    mean: meanValue,
    std,
    edges,
    binCounts,
    valueCounts,
    distinct,
    sample: Array.from(sample),
    sampleIsComplete: sample.length === count,
  };
  return { profile, sorted };
}

/** Counts per category; missing tokens (docs/compare.md) are counted apart. */
function countCategories(values: readonly (string | null | undefined)[]): {
  counts: Map<string, number>;
  missing: number;
} {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (isMissingToken(v)) {
      missing++;
      continue;
    }
    const key = v as string;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, missing };
}

/** Profile of categorical reference values (missing tokens counted as missing). */
export function profileCategorical(values: readonly (string | null | undefined)[]): CategoricalProfile {
  const { counts, missing } = countCategories(values);
  return profileCategoryCounts(counts, missing);
}

/** Profile of categorical reference values given as counts per category and a missing count. */
export function profileCategoryCounts(
  counts: ReadonlyMap<string, number>,
  missing: number,
): CategoricalProfile {
  let count = 0;
  for (const c of counts.values()) count += c;
  const categoryCounts = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { type: 'categorical', count, missing, categoryCounts };
}

/**
 * Profile one reference column. A Float64Array is numeric; string data is numeric when every
 * non-missing value parses as a finite number (docs/compare.md), otherwise categorical.
 */
export function profileColumn(values: RawColumn, opts: ProfileOptions = {}): ColumnProfile {
  if (values instanceof Float64Array) return profileNumeric(values, opts);
  if (inferColumnType(values) === 'numeric') return profileNumeric(parseNumericColumn(values), opts);
  return profileCategorical(values);
}

/** Current-window column of the given type from raw values. */
export function currentColumn(values: RawColumn, type: ColumnType): CurrentColumn {
  if (type === 'numeric') {
    if (values instanceof Float64Array) return { type: 'numeric', values };
    return { type: 'numeric', values: parseNumericColumn(values) };
  }
  if (values instanceof Float64Array) {
    const counts = new Map<string, number>();
    let missing = 0;
    for (const v of values) {
      if (!Number.isFinite(v)) {
        missing++;
        continue;
      }
      const key = String(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { type: 'categorical', counts, missing };
  }
  return { type: 'categorical', ...countCategories(values) };
}

/**
 * Current-window column matched to a reference profile: numeric when the profile is numeric and every
 * non-missing current value parses as a number; otherwise categorical. A numeric profile paired with a
 * categorical current column is reported by `driftColumn` as a type mismatch (no verdict).
 */
export function currentColumnFor(profile: ColumnProfile, values: RawColumn): CurrentColumn {
  if (profile.type === 'numeric') {
    if (values instanceof Float64Array || inferColumnType(values) === 'numeric')
      return currentColumn(values, 'numeric');
    return currentColumn(values, 'categorical');
  }
  return currentColumn(values, 'categorical');
}
