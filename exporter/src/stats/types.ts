/**
 * Contract of the statistics core (docs/statistics.md). Everything under stats/ is pure: typed arrays and
 * plain objects in, numbers out; no I/O, clocks or globals. The CLI `compare`, the exporter's evaluation
 * loop and the benchmarks all call the same functions.
 */
export type ColumnType = 'numeric' | 'categorical';

/** Names of the built-in tests, from their registry (stats/registry.ts): one place per fact. */
export type { BuiltinDriftMethod } from './registry';

/** `auto` picks per docs/statistics.md; user modules may register more names (docs/configuration.md#plugins). */
export type DriftMethod = import('./registry').BuiltinDriftMethod | (string & {});

/**
 * Reference profile of one column, serialisable with JSON (stored in SQLite, so a restart keeps it).
 * Built once from reference values by `profileColumn` (stats/profile.ts).
 */
export type ColumnProfile = NumericProfile | CategoricalProfile;

export interface NumericProfile {
  type: 'numeric';
  /** Non-missing finite values seen. */
  count: number;
  /** Missing / NaN / ±inf values seen. */
  missing: number;
  /** min, max, mean and std are 0 when count is 0 (an all-missing column); check `count` first. */
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof = 0) of all reference values. */
  std: number;
  /**
   * Quantile bin edges (distinct values of the 0.1…0.9 quantiles, numpy linear interpolation) when the
   * reference has more than 20 distinct values; `null` when the column is binned one bin per value.
   */
  edges: number[] | null;
  /** Reference counts per quantile bin (length edges.length + 1) when `edges` is set. */
  binCounts: number[] | null;
  /** Reference counts per distinct value, `[value, count][]` sorted by value, when `edges` is null. */
  valueCounts: [number, number][] | null;
  /** Number of distinct reference values (exact). */
  distinct: number;
  /**
   * Sorted reference values for tests that need raw data (KS, Wasserstein): every value when
   * count ≤ the sample cap, otherwise an evenly spaced selection of the sorted values (order statistics).
   */
  sample: number[];
  /** True when `sample` holds every reference value. */
  sampleIsComplete: boolean;
}

export interface CategoricalProfile {
  type: 'categorical';
  count: number;
  missing: number;
  /** `[category, count][]` sorted by category. */
  categoryCounts: [string, number][];
}

/** The current window of one column. */
export type CurrentColumn =
  /** NaN marks a missing value; ±inf are treated as missing too. */
  | { type: 'numeric'; values: Float64Array }
  | { type: 'categorical'; counts: ReadonlyMap<string, number>; missing: number };

/**
 * Every statistic that applies to the column type; `null` where undefined (compare JSON `stats`). Never
 * NaN; a user-registered test may give ±Infinity — write it to JSON with stats/json.ts ("Infinity").
 */
export interface DriftStats {
  ks_statistic?: number | null;
  ks_p_value?: number | null;
  wasserstein_normed?: number | null;
  psi?: number | null;
  kl?: number | null;
  jensenshannon?: number | null;
  hellinger?: number | null;
  chisquare_statistic?: number | null;
  chisquare_p_value?: number | null;
  ztest_p_value?: number | null;
}

/** Aligned histogram of reference and current over the same bins (panel input, PSI family). */
export interface BinnedPair {
  /** Stable label per bin: the bin's upper edge ("+Inf" for the last quantile bin) or the value/category. */
  labels: string[];
  /** Lower bound per bin for numeric bins ("-Inf" for the first); null for categorical. */
  lower: (string | null)[];
  reference: Float64Array; // proportions, sum 1 (or all 0 when empty)
  current: Float64Array;
  referenceCounts: Float64Array;
  currentCounts: Float64Array;
}

export interface DriftOptions {
  /** `auto` (default) or a registered method name. */
  method?: DriftMethod | 'auto';
  /** Overrides the method's default threshold. */
  threshold?: number;
  /**
   * How the verdict is reached (docs/detection.md): `threshold` (the default here; Evidently's rule, score
   * against `threshold`) or `calibrated` at the per-evaluation level `alpha` (stats/calibration.ts
   * `evaluationLevel`) and a smallest relevant change (`minEffect`, default the test's own).
   */
  decision?: DriftDecision;
  /**
   * Below this many non-missing rows on either side: no verdict (score and drifted null, reason set);
   * the statistics are still reported when both sides have values. Default 1 (only an empty side has
   * no verdict, as in scipy/Evidently); the evaluation loop may ask for more.
   */
  minRows?: number;
}

export type DriftDecision = { mode: 'threshold' } | { mode: 'calibrated'; alpha: number; minEffect?: number };

/** How a calibrated verdict was reached (absent under the threshold rule). */
export interface Calibration {
  /** Per-evaluation level the budget gives (p-value tests: the threshold in force). */
  alpha: number;
  /** Distance tests: the score sampling noise alone exceeds with probability alpha; null for p-value tests. */
  noise: number | null;
  /** Smallest change that counts, in `effect` units. */
  minEffect: number;
  /** Size of the change: the score for distance tests, the test's effect (KS D, total variation) otherwise. */
  effect: number | null;
}

export interface ColumnDriftResult {
  type: ColumnType;
  /** Method used (after auto choice); null only when no test could run. */
  test: DriftMethod | null;
  score: number | null;
  threshold: number;
  /** 'p_value': drift when score < threshold; 'distance': drift when score ≥ threshold. */
  direction: 'p_value' | 'distance';
  /** null when there is no verdict (see reason). */
  drifted: boolean | null;
  /** Why there is no verdict (e.g. "current window has 3 rows, minimum is 30"). */
  reason?: string;
  stats: DriftStats;
  bins: BinnedPair;
  /** Non-missing values per side (reference: all profiled values, not only the kept sample). */
  rows: { reference: number; current: number };
  /** `calibrated` when `calibration` decided; absent for the threshold rule. */
  decision?: 'calibrated';
  calibration?: Calibration;
  /** Caveats that do not prevent a verdict. */
  note?: string;
  /**
   * Set by `adjustPValues` (stats/drift.ts) when `score` is a multiple-testing adjusted p-value:
   * the method and the unadjusted p-value.
   */
  adjustment?: { method: 'benjamini-hochberg'; rawScore: number };
}

/**
 * One drift test in the registry (CONVENTIONS.md: one small module per test). Every fact about a test lives
 * in its file: the config's method names, `compare`'s stat keys and their order, the CLI help and the
 * panel's display names are derived from these objects.
 */
export interface DriftTest {
  /** Config and label value (lowercase letters, digits, "_"). */
  name: string;
  /** Display name (the panel, text reports); the name when absent. */
  label?: string;
  /** Keys of `stats` it fills, in report order (built-in tests; a plugin's extra keys follow). */
  statKeys?: readonly (keyof DriftStats)[];
  /** Built-in tests: whether `compare` reports its statistics for a column of this type and size. */
  reportedFor?(type: ColumnType, distinctUnion: number): boolean;
  columnTypes: readonly ColumnType[];
  defaultThreshold: number;
  direction: 'p_value' | 'distance';
  /**
   * Pure: returns the score (a p-value for p_value tests) and any statistics it computed; when the score
   * is null, `reason` says why (it becomes ColumnDriftResult.reason). Never NaN.
   */
  compute(input: DriftTestInput): { score: number | null; stats: DriftStats; reason?: string };
  /**
   * Calibrated decision (docs/detection.md): the smallest change that counts by default, in `effect` units
   * (the score itself for distance tests). 0 when absent.
   */
  minEffect?: number;
  /**
   * Distance tests: the score that sampling noise alone exceeds with probability `alpha` at these sizes
   * (null when it cannot be said). A distance test without it is decided by the threshold rule.
   */
  noise?(input: DriftTestInput, rows: { reference: number; current: number }, alpha: number): number | null;
  /** p-value tests: the size of the change the p-value is about (null: no effect check). */
  effect?(input: DriftTestInput, stats: DriftStats): number | null;
}

/** What a test receives: cleaned data of both sides, already binned. */
export interface DriftTestInput {
  type: ColumnType;
  /**
   * Sorted finite values (numeric only): the reference sample (every value when the profile's sample is
   * complete, else evenly spaced order statistics) and the full current window.
   */
  referenceSorted: Float64Array | null;
  currentSorted: Float64Array | null;
  /** Reference std (ddof 0) over all reference values (numeric only). */
  referenceStd: number | null;
  bins: BinnedPair;
  /** The reference profile the input was prepared from: stable while the reference is, a cache key. */
  referenceProfile?: ColumnProfile;
  /**
   * Distinct values over reference ∪ current: exact for categorical columns and for numeric columns with
   * value bins (≤ 20 distinct reference values); for quantile-binned numeric columns a lower bound
   * (≥ 21), which is all the auto choice and the z-test need.
   */
  distinctUnion: number;
}
