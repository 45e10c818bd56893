/**
 * Per-column drift evaluation (docs/statistics.md): cleaning, binning, every applicable statistic, the automatic
 * choice of test (Evidently's defaults), the verdict; plus the dataset-level aggregate and the
 * Benjamini–Hochberg adjustment across features. The tests themselves live in drift-tests/ and are
 * looked up in the registry; nothing here knows how a statistic is computed.
 */
import { binCategorical, binNumeric } from './binning';
import { MAX_DISCRETE_VALUES } from './drift-tests/common';
import { sortedFinite } from './numeric';
import { BUILTIN_DRIFT_TESTS, type DriftTestRegistry, defaultDriftTestRegistry } from './registry';
import type {
  BinnedPair,
  BuiltinDriftMethod,
  ColumnDriftResult,
  ColumnProfile,
  ColumnType,
  CurrentColumn,
  DriftOptions,
  DriftStats,
  DriftTest,
  DriftTestInput,
} from './types';

/** Auto choice: reference data sets up to this many rows use statistical tests, larger ones distances. */
export const AUTO_SMALL_REFERENCE_ROWS = 1000;
/** Auto choice: numeric columns with at most this many distinct values (ref ∪ cur) are treated as discrete. */
export const AUTO_MAX_DISCRETE_VALUES = MAX_DISCRETE_VALUES;
export const AUTO_P_VALUE_THRESHOLD = 0.05;
export const AUTO_DISTANCE_THRESHOLD = 0.1;
/** Default share of drifted features at which the data set counts as drifted. */
export const DEFAULT_DATASET_DRIFT_SHARE = 0.5;

export interface DriftColumnOptions extends DriftOptions {
  /**
   * Rows of the reference data set, for the auto choice (≤ 1000 → statistical tests). Defaults to the
   * profile's count + missing (all rows of the reference column).
   */
  referenceRows?: number;
  /** Registry to resolve the method in; the process-wide default registry unless given. */
  registry?: DriftTestRegistry;
  /**
   * Compute every statistic that applies (the `stats` of `compare`, docs/compare.md; default) or only the
   * deciding test's (the exporter's evaluation loop: an exact KS p-value alone can take 150 ms per
   * column under drift, and nothing reads it when another test decides).
   */
  allStats?: boolean;
  /**
   * The column's finite values already sorted ascending (compare sorts each side once and shares it
   * between the profile's edges, KS, Wasserstein and the bins). Default: the profile's sample and a sort
   * of the current values.
   */
  sorted?: SortedSides;
}

export interface SortedSides {
  reference?: Float64Array;
  current?: Float64Array;
}

/** The automatic choice of test and threshold (Evidently's defaults, docs/statistics.md). */
export function autoDriftMethod(
  type: ColumnType,
  referenceRows: number,
  distinctUnion: number,
): { method: BuiltinDriftMethod; threshold: number } {
  const discrete = type === 'categorical' || distinctUnion <= AUTO_MAX_DISCRETE_VALUES;
  if (referenceRows <= AUTO_SMALL_REFERENCE_ROWS) {
    if (discrete)
      return { method: distinctUnion > 2 ? 'chisquare' : 'ztest', threshold: AUTO_P_VALUE_THRESHOLD };
    return { method: 'ks', threshold: AUTO_P_VALUE_THRESHOLD };
  }
  if (discrete) return { method: 'jensenshannon', threshold: AUTO_DISTANCE_THRESHOLD };
  return { method: 'wasserstein', threshold: AUTO_DISTANCE_THRESHOLD };
}

/** Built-in tests whose statistics fill `stats` for this column, in report order (each test says when). */
function applicableStatTests(type: ColumnType, distinctUnion: number): DriftTest[] {
  return BUILTIN_DRIFT_TESTS.filter((t) => t.reportedFor(type, distinctUnion));
}

/** Every built-in statistic key in report order (docs/compare.md `stats`), from the tests' own declarations. */
const STAT_ORDER: (keyof DriftStats)[] = BUILTIN_DRIFT_TESTS.flatMap((t) => [...t.statKeys]);

function cleanNumber(x: number | null | undefined): number | null {
  return typeof x === 'number' && !Number.isNaN(x) ? x : null;
}

/** A histogram with no bins (a column without values on either side). */
export function emptyBins(): BinnedPair {
  return {
    labels: [],
    lower: [],
    reference: new Float64Array(0),
    current: new Float64Array(0),
    referenceCounts: new Float64Array(0),
    currentCounts: new Float64Array(0),
  };
}

function describeSide(rows: { reference: number; current: number }): string | null {
  if (rows.reference === 0 && rows.current === 0) return 'no values on either side';
  if (rows.reference === 0) return 'reference has no values';
  if (rows.current === 0) return 'current window has no values';
  return null;
}

/** The data every test receives, prepared once per column (one sort of the current window). */
export function prepareDriftInput(
  profile: ColumnProfile,
  current: CurrentColumn,
  sorted: SortedSides = {},
): { input: DriftTestInput; rows: { reference: number; current: number } } | null {
  if (profile.type === 'numeric' && current.type === 'numeric') {
    const currentSorted = sorted.current ?? sortedFinite(current.values);
    const bins = binNumeric(profile, currentSorted);
    const distinctUnion = profile.edges === null ? bins.labels.length : profile.distinct;
    return {
      input: {
        type: 'numeric',
        referenceSorted: sorted.reference ?? Float64Array.from(profile.sample),
        currentSorted,
        referenceStd: profile.count > 0 ? profile.std : null,
        bins,
        referenceProfile: profile,
        distinctUnion,
      },
      rows: { reference: profile.count, current: currentSorted.length },
    };
  }
  if (profile.type === 'categorical' && current.type === 'categorical') {
    const bins = binCategorical(profile, current.counts);
    let cur = 0;
    for (const c of current.counts.values()) cur += c;
    return {
      input: {
        type: 'categorical',
        referenceSorted: null,
        currentSorted: null,
        referenceStd: null,
        bins,
        referenceProfile: profile,
        distinctUnion: bins.labels.length,
      },
      rows: { reference: profile.count, current: cur },
    };
  }
  return null;
}

/**
 * Drift of one column: every statistic applying to its type in `stats` (null where undefined), the
 * chosen test's score, threshold and verdict. Never NaN: undefined values are null with a reason.
 */
export function driftColumn(
  profile: ColumnProfile,
  current: CurrentColumn,
  opts: DriftColumnOptions = {},
): ColumnDriftResult {
  const registry = opts.registry ?? defaultDriftTestRegistry;
  const requested = opts.method ?? 'auto';
  const minRows = Math.max(1, opts.minRows ?? 1);
  const referenceRows = opts.referenceRows ?? profile.count + profile.missing;

  let explicit: DriftTest | undefined;
  if (requested !== 'auto') {
    explicit = registry.get(requested);
    if (explicit === undefined) {
      throw new Error(
        `unknown drift method "${requested}" (registered: auto, ${registry.names().join(', ')})`,
      );
    }
  }

  const prepared = prepareDriftInput(profile, current, opts.sorted);
  if (prepared === null) {
    const currentRows =
      current.type === 'numeric'
        ? sortedFinite(current.values).length
        : [...current.counts.values()].reduce((a, b) => a + b, 0);
    return {
      type: profile.type,
      test: explicit?.name ?? null,
      score: null,
      threshold: opts.threshold ?? explicit?.defaultThreshold ?? AUTO_P_VALUE_THRESHOLD,
      direction: explicit?.direction ?? 'p_value',
      drifted: null,
      reason: `reference is ${profile.type} but the current window is ${current.type}`,
      stats: {},
      bins: emptyBins(),
      rows: { reference: profile.count, current: currentRows },
    };
  }
  const { input, rows } = prepared;
  const sideProblem = describeSide(rows);

  // The test that decides.
  let test: DriftTest;
  let threshold: number;
  if (explicit === undefined) {
    const auto = autoDriftMethod(input.type, referenceRows, input.distinctUnion);
    test = registry.get(auto.method) ?? builtinByName(auto.method);
    threshold = opts.threshold ?? auto.threshold;
  } else {
    test = explicit;
    threshold = opts.threshold ?? explicit.defaultThreshold;
  }
  // Calibrated: without a verdict, the line shown is the level (p-values) or the smallest change counted.
  const ruleThreshold = threshold;
  const calibrated = opts.decision?.mode === 'calibrated' ? opts.decision : undefined;
  const minEffect = calibrated?.minEffect ?? test.minEffect;
  if (calibrated) threshold = test.direction === 'p_value' ? calibrated.alpha : (minEffect ?? ruleThreshold);

  // Every statistic that applies to the column type (only the deciding one's without allStats).
  const statTests = applicableStatTests(input.type, input.distinctUnion);
  const computed = new Map<string, { score: number | null; reason?: string }>();
  const collected: DriftStats = {};
  const all = opts.allStats ?? true;
  for (const statTest of statTests) {
    for (const key of statTest.statKeys ?? []) collected[key] = null;
    if (sideProblem !== null || (!all && statTest.name !== test.name)) continue;
    const r = statTest.compute(input);
    computed.set(
      statTest.name,
      r.reason === undefined ? { score: r.score } : { score: r.score, reason: r.reason },
    );
    for (const key of statTest.statKeys ?? []) collected[key] = cleanNumber(r.stats[key]);
  }
  const stats: DriftStats = {};
  for (const key of STAT_ORDER) if (key in collected) stats[key] = collected[key] ?? null;

  const base = {
    type: input.type,
    test: test.name,
    threshold,
    direction: test.direction,
    stats,
    bins: input.bins,
    rows,
  };

  if (!test.columnTypes.includes(input.type)) {
    return {
      ...base,
      score: null,
      drifted: null,
      reason: `${test.name} does not apply to ${input.type} columns`,
    };
  }
  if (sideProblem !== null) return { ...base, score: null, drifted: null, reason: sideProblem };

  if (rows.reference < minRows || rows.current < minRows) {
    const side = rows.current < minRows ? 'current window' : 'reference';
    const count = rows.current < minRows ? rows.current : rows.reference;
    return {
      ...base,
      score: null,
      drifted: null,
      reason: `${side} has ${count} non-missing ${count === 1 ? 'row' : 'rows'}, minimum is ${minRows}`,
    };
  }

  let outcome = computed.get(test.name);
  if (outcome === undefined) {
    // A user test (built-ins were run above): a failure in it is reported, not thrown into the loop.
    let r: ReturnType<DriftTest['compute']>;
    try {
      r = test.compute(input);
    } catch (err) {
      return {
        ...base,
        score: null,
        drifted: null,
        reason: `drift test "${test.name}" failed: ${(err as Error).message}`,
      };
    }
    outcome = r.reason === undefined ? { score: r.score } : { score: r.score, reason: r.reason };
    for (const [key, value] of Object.entries(r.stats) as [keyof DriftStats, number | null | undefined][]) {
      if (!(key in stats) && value !== undefined) stats[key] = cleanNumber(value);
    }
  }
  const score = cleanNumber(outcome.score);
  if (score === null) {
    return {
      ...base,
      score: null,
      drifted: null,
      reason: outcome.reason ?? `${test.name} is undefined for this data`,
    };
  }
  if (calibrated) {
    const verdict = calibratedVerdict(
      test,
      input,
      rows,
      score,
      stats,
      calibrated.alpha,
      minEffect ?? 0,
      ruleThreshold,
    );
    return { ...base, score, ...verdict };
  }
  return { ...base, score, drifted: isDrifted(test.direction, score, threshold) };
}

/**
 * The calibrated verdict (docs/detection.md): drifted when the score is beyond what sampling noise gives
 * at level `alpha` and the change is at least `minEffect`. Distance tests: one threshold in force,
 * max(noise quantile, min effect), on their own score. p-value tests: p < alpha (the threshold in force)
 * and the test's effect ≥ min effect. A distance test that cannot say its noise keeps the threshold rule
 * (its threshold as configured or auto-chosen), with a note.
 */
function calibratedVerdict(
  test: DriftTest,
  input: DriftTestInput,
  rows: { reference: number; current: number },
  score: number,
  stats: DriftStats,
  alpha: number,
  minEffect: number,
  ruleThreshold: number,
): Pick<ColumnDriftResult, 'threshold' | 'drifted' | 'decision' | 'calibration' | 'note'> {
  if (test.direction === 'p_value') {
    const effect = cleanNumber(test.effect?.(input, stats));
    const drifted = score < alpha && (effect === null || effect >= minEffect);
    return {
      threshold: alpha,
      drifted,
      decision: 'calibrated',
      calibration: { alpha, noise: null, minEffect, effect },
    };
  }
  const noise = cleanNumber(test.noise?.(input, rows, alpha));
  if (noise === null) {
    return {
      threshold: ruleThreshold,
      drifted: isDrifted(test.direction, score, ruleThreshold),
      note: `${test.name} has no null distribution here; the threshold rule decided`,
    };
  }
  const threshold = Math.max(noise, minEffect);
  return {
    threshold,
    drifted: score >= threshold,
    decision: 'calibrated',
    calibration: { alpha, noise, minEffect, effect: score },
  };
}

function builtinByName(name: BuiltinDriftMethod): DriftTest {
  const t = BUILTIN_DRIFT_TESTS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no built-in drift test "${name}"`);
  return t;
}

/** Verdict for a score: p-value tests drift when p < threshold, distances when score ≥ threshold. */
export function isDrifted(direction: 'p_value' | 'distance', score: number, threshold: number): boolean {
  return direction === 'p_value' ? score < threshold : score >= threshold;
}

export interface DatasetDriftSummary {
  /** Features with a verdict (drifted true or false). */
  featureCount: number;
  driftedCount: number;
  /** Features without a verdict (too few rows, type mismatch, …); not part of the share. */
  undeterminedCount: number;
  /** driftedCount / featureCount; 0 when no feature has a verdict (then featureCount is 0). */
  share: number;
  /** share ≥ shareThreshold (false when no feature has a verdict). */
  drifted: boolean;
  shareThreshold: number;
}

/**
 * Dataset drift: the share of drifted features among those with a verdict; the data set drifts when the
 * share is ≥ the threshold (docs/statistics.md, default 0.5). Accepts column results or bare verdicts (null = no
 * verdict), as a list or keyed by feature name.
 */
export function datasetDrift(
  results:
    | Iterable<ColumnDriftResult | boolean | null>
    | Readonly<Record<string, ColumnDriftResult | boolean | null>>,
  shareThreshold: number = DEFAULT_DATASET_DRIFT_SHARE,
): DatasetDriftSummary {
  const list: Iterable<ColumnDriftResult | boolean | null> =
    Symbol.iterator in results
      ? (results as Iterable<ColumnDriftResult | boolean | null>)
      : Object.values(results as Readonly<Record<string, ColumnDriftResult | boolean | null>>);
  let featureCount = 0;
  let driftedCount = 0;
  let undeterminedCount = 0;
  for (const r of list) {
    const verdict = r === null || typeof r === 'boolean' ? r : r.drifted;
    if (verdict === null) {
      undeterminedCount++;
      continue;
    }
    featureCount++;
    if (verdict) driftedCount++;
  }
  const share = featureCount > 0 ? driftedCount / featureCount : 0;
  return {
    featureCount,
    driftedCount,
    undeterminedCount,
    share,
    drifted: featureCount > 0 && share >= shareThreshold,
    shareThreshold,
  };
}

/**
 * Benjamini–Hochberg adjusted p-values (false discovery rate), as statsmodels'
 * `multipletests(p, method="fdr_bh")`: adj_(i) = min_{j ≥ i} p_(j) · m / j, capped at 1. Null entries
 * are ignored (and stay null); m counts the non-null p-values.
 */
export function benjaminiHochberg(pValues: readonly (number | null)[]): (number | null)[] {
  const idx: number[] = [];
  pValues.forEach((p, i) => {
    if (p !== null && !Number.isNaN(p)) idx.push(i);
  });
  const m = idx.length;
  const out: (number | null)[] = pValues.map(() => null);
  if (m === 0) return out;
  idx.sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  let running = Number.POSITIVE_INFINITY;
  for (let rank = m; rank >= 1; rank--) {
    const i = idx[rank - 1]!;
    const adj = (pValues[i]! * m) / rank;
    if (adj < running) running = adj;
    out[i] = Math.min(running, 1);
  }
  return out;
}

function adjustOne(r: ColumnDriftResult, score: number): ColumnDriftResult {
  const rawScore = r.adjustment?.rawScore ?? (r.score as number);
  return {
    ...r,
    score,
    drifted: isDrifted(r.direction, score, r.threshold),
    adjustment: { method: 'benjamini-hochberg', rawScore },
  };
}

/**
 * Adjust the p-value scores of several columns together (Benjamini–Hochberg) and re-decide drift with
 * each column's threshold. Pure: returns new results (same shape as given — a list or a record keyed by
 * feature); distance-based results and results without a score are returned unchanged. The unadjusted
 * p-value is kept in `adjustment.rawScore`, and adjusting twice gives the same result as once.
 */
export function adjustPValues(results: readonly ColumnDriftResult[]): ColumnDriftResult[];
export function adjustPValues<K extends string>(
  results: Readonly<Record<K, ColumnDriftResult>>,
): Record<K, ColumnDriftResult>;
export function adjustPValues(
  results: readonly ColumnDriftResult[] | Readonly<Record<string, ColumnDriftResult>>,
): ColumnDriftResult[] | Record<string, ColumnDriftResult> {
  const entries: [string, ColumnDriftResult][] = Array.isArray(results)
    ? (results as readonly ColumnDriftResult[]).map((r, i) => [String(i), r])
    : Object.entries(results as Readonly<Record<string, ColumnDriftResult>>);
  // Calibrated verdicts already account for the number of columns (stats/calibration.ts).
  const eligible = entries.filter(
    ([, r]) => r.direction === 'p_value' && r.score !== null && r.decision !== 'calibrated',
  );
  // Always adjust the raw p-values, so adjusting an already adjusted set gives the same result.
  const adjusted = benjaminiHochberg(eligible.map(([, r]) => r.adjustment?.rawScore ?? r.score));
  const replaced = new Map<string, ColumnDriftResult>();
  eligible.forEach(([k, r], i) => {
    replaced.set(k, adjustOne(r, adjusted[i] as number));
  });
  if (Array.isArray(results)) return entries.map(([k, r]) => replaced.get(k) ?? r);
  const out: Record<string, ColumnDriftResult> = {};
  for (const [k, r] of entries) out[k] = replaced.get(k) ?? r;
  return out;
}
