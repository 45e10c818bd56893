/**
 * The `modelwatch compare` report (docs/compare.md "JSON report"): a pure function of two tables
 * and the options, built from the statistics core (stats/). No I/O here; the CLI (cli/compare.ts) reads
 * the files and prints the result.
 *
 * Decisions (docs/compare.md explains them to users):
 * - Column type: the type rule of docs/compare.md applied to the reference and current values together — a column is
 *   numeric when every non-missing value of both files parses as a finite number, otherwise categorical.
 *   When the reference alone is numeric but the current file is not, the column is compared as
 *   categorical and the feature carries a note naming the first non-numeric current value.
 * - Roles: columns named by --target, --prediction, --score and --protected are not features unless
 *   listed in --features. Every column named in an option must exist in both files (InputError
 *   otherwise). A default feature present in only one file is reported without a verdict (its values
 *   count as missing on the other side) with a reason.
 * - prediction_drift uses the score column when --score is given (also when --prediction is given too,
 *   like the exporter's evaluation loop), otherwise the prediction column; `column` says which.
 * - JSON never holds NaN or ±Infinity: undefined values are null. A statistic that is infinite (only a
 *   user-registered test can give one: the built-in statistics are finite, chi-square included since it is
 *   the contingency test) is written as null and the feature gets a note saying so.
 * - Performance uses the rows where the target and every given output column (prediction, score) are
 *   present. Fairness uses the current rows with a prediction; rows without a target count for the
 *   selection rate only. Groups are never dropped for being small (pure Fairlearn definitions).
 */

import {
  asCategorical,
  type Column,
  categoryCounts,
  categoryNumbers,
  cellText,
  InputError,
  isPresent,
  missingColumn,
  type Table,
} from '../reference/table';
import { DEFAULT_FALSE_ALARM_RUN_LENGTH, type DecisionSettings, driftDecision } from '../stats/calibration';
import { datasetDrift, driftColumn } from '../stats/drift';
import { type AttributeFairness, attributeFairness, type FairnessGroup } from '../stats/fairness';
import {
  type MultivariateDriftReport,
  type MultivariateFeature,
  multivariateDrift,
} from '../stats/multivariate';
import { sortedFinite } from '../stats/numeric';
import {
  type BinaryClassificationMetrics,
  binaryClassificationMetrics,
  type ClassLabel,
  inferTask,
  LabelError,
  LengthMismatchError,
  type MulticlassClassificationMetrics,
  multiclassClassificationMetrics,
  type RegressionMetrics,
  regressionMetrics,
  type Task,
} from '../stats/performance';
import { parseFiniteNumber, profileCategoryCounts, profileNumericSorted } from '../stats/profile';
import { dataQuality } from '../stats/quality';
import { type DriftTestRegistry, defaultDriftTestRegistry } from '../stats/registry';
import type {
  ColumnDriftResult,
  ColumnProfile,
  ColumnType,
  CurrentColumn,
  DriftDecision,
  DriftStats,
} from '../stats/types';

export interface CompareOptions {
  /** Feature columns; default every column (of either file) without a role. */
  features?: readonly string[];
  target?: string;
  prediction?: string;
  score?: string;
  /** Task hint; inferred from the target (and prediction) values when absent. */
  task?: 'classification' | 'regression';
  protected?: readonly string[];
  /** `auto` (default) or a registered drift test. */
  driftMethod?: string;
  /** Overrides the drift test's threshold under the threshold rule (auto: every auto-chosen test's). */
  threshold?: number;
  /** How verdicts are reached (docs/detection.md); default `calibrated`. Scores and stats are the same. */
  decision?: 'calibrated' | 'threshold';
  /** Calibrated: false-alarm budget in window turnovers per model (default 10,000). */
  falseAlarmRunLength?: number;
  /** Calibrated: smallest change that counts, for every column (default: each test's own). */
  minEffect?: number;
  /** Names of the two inputs in messages (file paths in the CLI). */
  referenceName?: string;
  currentName?: string;
  registry?: DriftTestRegistry;
}

/** One feature (or the prediction) in `drift.features`. */
export interface FeatureDriftReport {
  type: ColumnType;
  test: string | null;
  score: number | null;
  threshold: number;
  /** null when there is no verdict; `reason` says why. */
  drifted: boolean | null;
  stats: DriftStats;
  reason?: string;
  /** Caveats that do not prevent a verdict (an infinite statistic written as null, a type fallback). */
  notes?: string[];
  /** Calibrated verdicts: the level, the noise quantile, the smallest change counted and the change seen. */
  calibration?: { alpha: number; noise: number | null; min_effect: number; effect: number | null };
}

export interface PredictionDriftReport extends FeatureDriftReport {
  /** The column compared: the score column when given, otherwise the prediction column. */
  column: string;
}

export interface DriftReport {
  method: string;
  /** How the verdicts were reached: `calibrated` (the default) or `threshold` (Evidently's rule). */
  decision: 'calibrated' | 'threshold';
  /** Calibrated: the false-alarm budget, in window turnovers per model. */
  false_alarm_run_length?: number;
  /** Features with a verdict. */
  feature_count: number;
  drifted_count: number;
  /** drifted_count / feature_count (0 when no feature has a verdict). */
  share: number;
  dataset_drift: boolean;
  /** Present only when some features have no verdict (they are left out of the share). */
  undetermined_count?: number;
  features: Record<string, FeatureDriftReport>;
  /** MMD² and a domain classifier over the numeric features together (null without numeric features). */
  multivariate: MultivariateDriftReport | null;
}

export type PerformanceMetrics =
  | BinaryClassificationMetrics
  | MulticlassClassificationMetrics
  | RegressionMetrics;

export interface PerformanceReport {
  /** binary, multiclass or regression; null when no row has both a target and an output. */
  task: Task | null;
  reference: PerformanceMetrics | null;
  current: PerformanceMetrics | null;
  reason?: string;
}

/** docs/compare.md `fairness.<attribute>.groups.<group>`. */
export type FairnessGroupReport = Pick<FairnessGroup, 'count' | 'selection_rate' | 'tpr' | 'fpr'>;

/** docs/compare.md `fairness.<attribute>`: the aggregates of stats/fairness.ts without `excluded_groups`. */
export type FairnessReport = Omit<AttributeFairness, 'groups' | 'excluded_groups'> & {
  groups: Record<string, FairnessGroupReport>;
};

export interface QualityReport {
  missing_share: number | null;
  out_of_range_share: number | null;
  unseen_category_share: number | null;
}

export interface CompareReport {
  rows: { reference: number; current: number };
  drift: DriftReport;
  prediction_drift?: PredictionDriftReport;
  performance?: PerformanceReport;
  fairness?: Record<string, FairnessReport>;
  data_quality: Record<string, QualityReport>;
}

type Side = 'reference' | 'current';

/** One column of both tables, converted to the type of the joint rule. */
interface ColumnPair {
  name: string;
  /** As read (null when the file lacks the column), for messages naming a file's value. */
  raw: Record<Side, Column | null>;
  /** Of type `type` (a numeric side of a categorical pair as text); null when absent. */
  reference: Column | null;
  current: Column | null;
  type: ColumnType;
  /** First current value that is not numeric when the reference alone is numeric. */
  fallback?: { value: string; row: number };
}

/** Index of the first present value that is not a finite number, or -1. */
function firstNonNumeric(column: Column | null): number {
  if (column === null || column.type === 'numeric') return -1;
  const numbers = categoryNumbers(column);
  for (let i = 0; i < column.codes.length; i++) {
    const c = column.codes[i]!;
    if (c >= 0 && numbers[c] === null) return i;
  }
  return -1;
}

function hasPresent(column: Column): boolean {
  if (column.type === 'numeric') return column.values.some((v) => !Number.isNaN(v));
  return column.codes.some((c) => c >= 0);
}

/** A column whose every present value is a number, as a numeric column. */
function asNumeric(column: Column): Column {
  if (column.type === 'numeric') return column;
  const numbers = categoryNumbers(column);
  return {
    type: 'numeric',
    values: Float64Array.from(column.codes, (c) => (c < 0 ? Number.NaN : numbers[c]!)),
  };
}

/** The number in row i (null when missing or not a finite number). */
function numberAt(column: Column, i: number): number | null {
  if (column.type === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const c = column.codes[i]!;
  return c < 0 ? null : parseFiniteNumber(column.categories[c]!);
}

/** Inputs of one feature's drift and data quality (a pure function: compareFeature). */
export interface FeatureInput {
  name: string;
  type: ColumnType;
  reference: Column | null;
  current: Column | null;
  rows: Record<Side, number>;
  fallback?: { value: string; row: number };
}

export interface FeatureSettings {
  method: string;
  threshold?: number;
  /** How verdicts are reached (the model's false-alarm budget shared by every column tested). */
  decision?: DriftDecision;
  names: Record<Side, string>;
  registry?: DriftTestRegistry;
}

export interface FeatureOutcome {
  result: FeatureDriftReport;
  quality: QualityReport;
}

/**
 * Drift and data quality of one feature. Numeric sides are sorted once each; the sorted arrays serve the
 * reference profile's edges and bins, KS, Wasserstein and the current bins.
 */
export function compareFeature(input: FeatureInput, settings: FeatureSettings): FeatureOutcome {
  const refColumn = input.reference ?? missingColumn(input.type, input.rows.reference);
  const curColumn = input.current ?? missingColumn(input.type, input.rows.current);
  let r: ColumnDriftResult;
  let current: CurrentColumn;
  const driftOptions = {
    method: settings.method,
    ...(settings.threshold !== undefined ? { threshold: settings.threshold } : {}),
    referenceRows: input.rows.reference,
    registry: settings.registry ?? defaultDriftTestRegistry,
    ...(settings.decision !== undefined ? { decision: settings.decision } : {}),
  };
  let profile: ColumnProfile;
  if (input.type === 'numeric' && refColumn.type === 'numeric' && curColumn.type === 'numeric') {
    const ref = profileNumericSorted(refColumn.values, { keepSample: false });
    profile = ref.profile;
    current = { type: 'numeric', values: curColumn.values };
    r = driftColumn(profile, current, {
      ...driftOptions,
      sorted: { reference: ref.sorted, current: sortedFinite(curColumn.values) },
    });
  } else {
    const refCounts = categoryCounts(asCategorical(refColumn));
    profile = profileCategoryCounts(refCounts.counts, refCounts.missing);
    current = { type: 'categorical', ...categoryCounts(asCategorical(curColumn)) };
    r = driftColumn(profile, current, driftOptions);
  }
  const notes: string[] = [];
  const stats: DriftStats = {};
  for (const [key, value] of Object.entries(r.stats) as [keyof DriftStats, number | null | undefined][]) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      notes.push(`${key} is ${value > 0 ? '+' : '-'}Infinity; written as null`);
      stats[key] = null;
    } else stats[key] = value ?? null;
  }
  if (input.fallback !== undefined) {
    notes.push(
      `numeric in the reference, but the current file has "${input.fallback.value}" (data row ${input.fallback.row}); compared as categorical`,
    );
  }
  if (r.note !== undefined) notes.push(r.note);
  let reason = r.reason;
  for (const side of ['reference', 'current'] as const) {
    if (input[side] === null)
      reason = `column "${input.name}" is not in the ${side} file ${settings.names[side]}`;
  }
  const result: FeatureDriftReport = {
    type: r.type,
    test: r.test,
    score: r.score,
    threshold: r.threshold,
    drifted: r.drifted,
    stats,
    ...(r.drifted === null && reason !== undefined ? { reason } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(r.calibration !== undefined
      ? {
          calibration: {
            alpha: r.calibration.alpha,
            noise: r.calibration.noise,
            min_effect: r.calibration.minEffect,
            effect: r.calibration.effect,
          },
        }
      : {}),
  };
  const q = dataQuality(profile, current);
  return {
    result,
    quality: {
      missing_share: q.missing_share,
      out_of_range_share: q.out_of_range_share,
      unseen_category_share: q.unseen_category_share,
    },
  };
}

/**
 * Checks --drift-method and --threshold (the CLI calls it before reading any file): the method must be
 * `auto` or registered; the threshold a finite number ≥ 0, and ≤ 1 for p-value tests and for `auto`
 * (which applies it to whichever test it picks).
 */
export function checkDriftOptions(
  method: string,
  threshold: number | undefined,
  registry: DriftTestRegistry = defaultDriftTestRegistry,
): void {
  if (method !== 'auto' && !registry.has(method)) {
    throw new InputError(
      `unknown drift method "${method}" (choose from auto, ${registry.names().join(', ')})`,
    );
  }
  if (threshold !== undefined) {
    const pValue = method === 'auto' || registry.get(method)?.direction === 'p_value';
    if (!Number.isFinite(threshold) || threshold < 0 || (pValue && threshold > 1)) {
      const expected = pValue
        ? 'a number in [0, 1] (a p-value threshold'
        : 'a number ≥ 0 (a distance threshold';
      throw new InputError(
        `invalid --threshold ${threshold}: expected ${expected} for --drift-method ${method})`,
      );
    }
  }
}

/** The report, or an InputError for options that do not fit the tables (names the column). */
export function buildCompareReport(
  reference: Table,
  current: Table,
  options: CompareOptions = {},
  precomputed?: Precomputed,
): CompareReport {
  return new ReportBuilder(reference, current, options, precomputed).build();
}

/** Parts of the report computed elsewhere (compare/parallel.ts), used instead of computing them here. */
export interface Precomputed {
  features?: ReadonlyMap<string, FeatureOutcome>;
  multivariate?: MultivariateDriftReport | null;
}

/**
 * What compareFeature needs for each feature of the report (after the options are checked), so a caller
 * can compute them elsewhere (worker threads, compare/parallel.ts) and pass them to buildCompareReport.
 */
export function compareFeatureInputs(
  reference: Table,
  current: Table,
  options: CompareOptions = {},
): { inputs: FeatureInput[]; settings: FeatureSettings; multivariate: MultivariateFeature[] } {
  return new ReportBuilder(reference, current, options).featureInputs();
}

class ReportBuilder {
  private readonly registry: DriftTestRegistry;
  private readonly method: string;
  private readonly names: Record<Side, string>;
  private readonly pairs = new Map<string, ColumnPair>();
  private readonly decisionSettings: DecisionSettings;
  private decision: DriftDecision = { mode: 'threshold' };

  constructor(
    private readonly ref: Table,
    private readonly cur: Table,
    private readonly opts: CompareOptions,
    private readonly precomputed?: Precomputed,
  ) {
    this.registry = opts.registry ?? defaultDriftTestRegistry;
    this.method = opts.driftMethod ?? 'auto';
    this.names = { reference: opts.referenceName ?? 'reference', current: opts.currentName ?? 'current' };
    this.decisionSettings = {
      mode: opts.decision ?? 'calibrated',
      falseAlarmRunLength: opts.falseAlarmRunLength ?? DEFAULT_FALSE_ALARM_RUN_LENGTH,
      minEffect: opts.minEffect,
    };
  }

  /** Every column tested shares the model's false-alarm budget, as in the exporter. */
  private prepareDecision(features: readonly string[]): void {
    const outputColumn = this.opts.score ?? this.opts.prediction;
    this.decision = driftDecision(
      this.decisionSettings,
      features.length + (outputColumn === undefined ? 0 : 1),
    );
  }

  private settings(): FeatureSettings {
    return {
      method: this.method,
      ...(this.opts.threshold !== undefined ? { threshold: this.opts.threshold } : {}),
      names: this.names,
      registry: this.registry,
      decision: this.decision,
    };
  }

  private featureInput(name: string): FeatureInput {
    const pair = this.pair(name);
    return {
      name,
      type: pair.type,
      reference: pair.reference,
      current: pair.current,
      rows: { reference: this.ref.rows, current: this.cur.rows },
      ...(pair.fallback !== undefined ? { fallback: pair.fallback } : {}),
    };
  }

  featureInputs(): {
    inputs: FeatureInput[];
    settings: FeatureSettings;
    multivariate: MultivariateFeature[];
  } {
    this.validateOptions();
    const names = this.featureNames();
    this.prepareDecision(names);
    return {
      inputs: names.map((n) => this.featureInput(n)),
      settings: this.settings(),
      multivariate: this.multivariateFeatures(names),
    };
  }

  build(): CompareReport {
    this.validateOptions();
    const features = this.featureNames();
    const outputColumn = this.opts.score ?? this.opts.prediction;
    this.prepareDecision(features);
    const settings = this.settings();
    // Null prototypes: a column may be called "__proto__".
    const driftResults: Record<string, FeatureDriftReport> = Object.create(null);
    const quality: Record<string, QualityReport> = Object.create(null);
    for (const name of features) {
      const outcome =
        this.precomputed?.features?.get(name) ?? compareFeature(this.featureInput(name), settings);
      driftResults[name] = outcome.result;
      quality[name] = outcome.quality;
    }
    const summary = datasetDrift(Object.values(driftResults).map((r) => r.drifted));
    const drift: DriftReport = {
      method: this.method,
      decision: this.decisionSettings.mode,
      ...(this.decisionSettings.mode === 'calibrated'
        ? { false_alarm_run_length: this.decisionSettings.falseAlarmRunLength }
        : {}),
      feature_count: summary.featureCount,
      drifted_count: summary.driftedCount,
      share: summary.share,
      dataset_drift: summary.drifted,
      ...(summary.undeterminedCount > 0 ? { undetermined_count: summary.undeterminedCount } : {}),
      features: driftResults,
      multivariate:
        this.precomputed?.multivariate !== undefined
          ? this.precomputed.multivariate
          : multivariateDrift(this.multivariateFeatures(features)),
    };
    const report: Omit<CompareReport, 'data_quality'> & { data_quality?: CompareReport['data_quality'] } = {
      rows: { reference: this.ref.rows, current: this.cur.rows },
      drift,
    };
    if (outputColumn !== undefined) {
      const { result } = compareFeature(this.featureInput(outputColumn), settings);
      report.prediction_drift = { column: outputColumn, ...result };
    }
    if (this.opts.target !== undefined) report.performance = this.performance();
    if (this.opts.protected !== undefined && this.opts.protected.length > 0)
      report.fairness = this.fairness();
    report.data_quality = quality; // last, as in docs/compare.md
    return sanitize(report as CompareReport);
  }

  // -------------------------------------------------------------------------------------------------
  // Options and columns

  private validateOptions(): void {
    const { opts } = this;
    checkDriftOptions(this.method, opts.threshold, this.registry);
    const named: [string, string][] = [];
    for (const f of opts.features ?? []) named.push(['--features', f]);
    if (opts.target !== undefined) named.push(['--target', opts.target]);
    if (opts.prediction !== undefined) named.push(['--prediction', opts.prediction]);
    if (opts.score !== undefined) named.push(['--score', opts.score]);
    for (const p of opts.protected ?? []) named.push(['--protected', p]);
    for (const [flag, column] of named) {
      if (column === '') throw new InputError(`${flag}: empty column name`);
      for (const side of ['reference', 'current'] as const) {
        const table = side === 'reference' ? this.ref : this.cur;
        if (!table.columns.has(column)) {
          throw new InputError(
            `${flag}: column "${column}" is not in the ${side} file ${this.names[side]} (columns: ${table.names.join(', ')})`,
          );
        }
      }
    }
    for (const list of [
      ['--features', opts.features],
      ['--protected', opts.protected],
    ] as const) {
      const seen = new Set<string>();
      for (const c of list[1] ?? []) {
        if (seen.has(c)) throw new InputError(`${list[0]}: column "${c}" is listed twice`);
        seen.add(c);
      }
    }
    const roles: [string, string | undefined][] = [
      ['--target', opts.target],
      ['--prediction', opts.prediction],
      ['--score', opts.score],
    ];
    for (let i = 0; i < roles.length; i++) {
      for (let j = i + 1; j < roles.length; j++) {
        if (roles[i]![1] !== undefined && roles[i]![1] === roles[j]![1]) {
          throw new InputError(
            `column "${roles[i]![1]}" is given as both ${roles[i]![0]} and ${roles[j]![0]}`,
          );
        }
      }
    }
    if (opts.score !== undefined) {
      const pair = this.pair(opts.score);
      if (pair.type !== 'numeric') {
        const side: Side = firstNonNumeric(pair.raw.reference) >= 0 ? 'reference' : 'current';
        const row = firstNonNumeric(pair.raw[side]);
        throw new InputError(
          `--score: column "${opts.score}" must be numeric, but the ${side} file ${this.names[side]} has "${cellText(pair.raw[side]!, row)}" in data row ${row + 1}`,
        );
      }
    }
    if (opts.protected !== undefined && opts.protected.length > 0 && opts.prediction === undefined) {
      throw new InputError(
        '--protected needs --prediction (fairness compares 0/1 predictions across groups)',
      );
    }
    if (opts.target !== undefined && opts.prediction === undefined && opts.score === undefined) {
      throw new InputError(
        '--target needs --prediction or --score (performance compares them with the target)',
      );
    }
  }

  private featureNames(): string[] {
    if (this.opts.features !== undefined) return [...this.opts.features];
    const roles = new Set<string>(this.opts.protected ?? []);
    for (const r of [this.opts.target, this.opts.prediction, this.opts.score])
      if (r !== undefined) roles.add(r);
    const out: string[] = [];
    const seen = new Set<string>();
    for (const name of [...this.ref.names, ...this.cur.names]) {
      if (roles.has(name) || seen.has(name)) continue;
      seen.add(name);
      out.push(name);
    }
    return out;
  }

  private pair(name: string): ColumnPair {
    const known = this.pairs.get(name);
    if (known !== undefined) return known;
    const raw = {
      reference: this.ref.columns.get(name) ?? null,
      current: this.cur.columns.get(name) ?? null,
    };
    const refBad = firstNonNumeric(raw.reference);
    const curBad = firstNonNumeric(raw.current);
    const type: ColumnType = refBad < 0 && curBad < 0 ? 'numeric' : 'categorical';
    const convert = (c: Column | null): Column | null =>
      c === null ? null : type === 'numeric' ? asNumeric(c) : asCategorical(c);
    const pair: ColumnPair = {
      name,
      raw,
      reference: convert(raw.reference),
      current: convert(raw.current),
      type,
    };
    if (refBad < 0 && curBad >= 0 && raw.reference !== null && hasPresent(raw.reference)) {
      pair.fallback = { value: cellText(raw.current!, curBad)!, row: curBad + 1 };
    }
    this.pairs.set(name, pair);
    return pair;
  }

  /** Numeric features, row-aligned per side (NaN = missing), for the multivariate tests. */
  private multivariateFeatures(features: readonly string[]): MultivariateFeature[] {
    const numeric: MultivariateFeature[] = [];
    for (const name of features) {
      const pair = this.pair(name);
      if (pair.type !== 'numeric') continue;
      const values = (side: Side) => (this.values(pair, side) as { values: Float64Array }).values;
      numeric.push({ name, reference: values('reference'), current: values('current') });
    }
    return numeric;
  }

  /** The pair's column on one side (all missing when the file lacks it). */
  private values(pair: ColumnPair, side: Side): Column {
    return pair[side] ?? missingColumn(pair.type, side === 'reference' ? this.ref.rows : this.cur.rows);
  }

  // -------------------------------------------------------------------------------------------------
  // Performance

  /** Rows of one side where the target and every given output are present. */
  private completeRows(side: Side): number[] {
    const cols = [this.opts.target, this.opts.prediction, this.opts.score]
      .filter((c): c is string => c !== undefined)
      .map((c) => this.values(this.pair(c), side));
    const n = side === 'reference' ? this.ref.rows : this.cur.rows;
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (cols.every((c) => isPresent(c, i))) rows.push(i);
    return rows;
  }

  /** Labels (numbers when the column is numeric, else strings) of the given rows. */
  private labels(column: string, side: Side, rows: readonly number[], asStrings: boolean): ClassLabel[] {
    const pair = this.pair(column);
    const values = this.values(pair, side);
    if (pair.type === 'numeric' && !asStrings) return rows.map((i) => numberAt(values, i)!);
    return rows.map((i) => cellText(values, i)!);
  }

  private performance(): PerformanceReport {
    const target = this.opts.target!;
    const { prediction, score } = this.opts;
    if (this.opts.task === 'regression') {
      for (const [flag, column] of [
        ['--target', target],
        ['--prediction', prediction],
      ] as const) {
        if (column === undefined || this.pair(column).type === 'numeric') continue;
        const pair = this.pair(column);
        const side: Side = firstNonNumeric(pair.raw.reference) >= 0 ? 'reference' : 'current';
        const row = firstNonNumeric(pair.raw[side]);
        throw new InputError(
          `${flag} column "${column}", ${side} file ${this.names[side]}, data row ${row + 1}: value "${cellText(pair.raw[side]!, row)}" — regression expects a finite number`,
        );
      }
    }
    const rows = { reference: this.completeRows('reference'), current: this.completeRows('current') };
    // Numbers for numeric columns, strings for categorical ones; a classifier whose target and prediction
    // columns differ in type has both compared as strings (regression reports the string instead).
    const asStrings =
      this.opts.task !== 'regression' &&
      prediction !== undefined &&
      this.pair(target).type !== this.pair(prediction).type;
    const labels = {
      reference: this.labels(target, 'reference', rows.reference, asStrings),
      current: this.labels(target, 'current', rows.current, asStrings),
    };
    const preds =
      prediction === undefined
        ? null
        : {
            reference: this.labels(prediction, 'reference', rows.reference, asStrings),
            current: this.labels(prediction, 'current', rows.current, asStrings),
          };
    const where = (index: number): { side: Side; row: number } =>
      index < rows.reference.length
        ? { side: 'reference', row: rows.reference[index]! }
        : { side: 'current', row: rows.current[index - rows.reference.length]! };
    const task = this.guard(
      () =>
        inferTask(
          [...labels.reference, ...labels.current],
          preds === null ? null : [...preds.reference, ...preds.current],
          this.opts.task !== undefined ? { hint: this.opts.task } : {},
        ),
      where,
    );
    if (task === null) {
      return {
        task: null,
        reference: null,
        current: null,
        reason: `no row has both a target and ${score !== undefined && prediction === undefined ? 'a score' : 'a prediction'}`,
      };
    }
    if (task !== 'binary' && preds === null) {
      throw new InputError(
        `--target: a ${task} task needs --prediction (--score alone serves binary classifiers)`,
      );
    }
    const side = (s: Side): PerformanceMetrics =>
      this.guard(
        () => {
          if (task === 'regression') {
            return regressionMetrics(
              Float64Array.from(labels[s] as number[]),
              Float64Array.from(preds![s] as number[]),
            );
          }
          if (task === 'multiclass') return multiclassClassificationMetrics(labels[s], preds![s]);
          const y = Uint8Array.from(labels[s] as number[]);
          const scores =
            score === undefined ? null : Float64Array.from(this.labels(score, s, rows[s], false) as number[]);
          if (preds !== null)
            return binaryClassificationMetrics(y, Uint8Array.from(preds[s] as number[]), scores);
          return scoreOnlyMetrics(y, scores!);
        },
        (index) => ({ side: s, row: rows[s][index]! }),
      );
    return { task, reference: side('reference'), current: side('current') };
  }

  /** Runs a stats call, turning a LabelError into an InputError naming the column, file and row. */
  private guard<T>(fn: () => T, where: (index: number) => { side: Side; row: number }): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof LabelError) {
        const column =
          err.field === 'label'
            ? this.opts.target
            : err.field === 'score'
              ? this.opts.score
              : this.opts.prediction;
        const flag = err.field === 'label' ? '--target' : `--${err.field}`;
        const { side, row } = where(err.index);
        const value = cellText(this.values(this.pair(column!), side), row);
        throw new InputError(
          `${flag} column "${column}", ${side} file ${this.names[side]}, data row ${row + 1}: value "${value}" — ${err.expected}`,
        );
      }
      if (err instanceof LengthMismatchError) throw new InputError(err.message);
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Fairness (current data)

  private fairness(): Record<string, FairnessReport> {
    const prediction = this.opts.prediction!;
    const predValues = this.values(this.pair(prediction), 'current');
    const rows: number[] = [];
    for (let i = 0; i < this.cur.rows; i++) if (isPresent(predValues, i)) rows.push(i);
    const where = (index: number): { side: Side; row: number } => ({
      side: 'current',
      row: rows[index]!,
    });
    const yPred = this.guard(() => {
      const out = new Uint8Array(rows.length);
      rows.forEach((row, k) => {
        const x = numberAt(predValues, row);
        if (x !== 0 && x !== 1) {
          throw new LabelError(
            'prediction',
            k,
            cellText(predValues, row),
            'fairness expects 0/1 predictions (positive 1)',
          );
        }
        out[k] = x;
      });
      return out;
    }, where);
    let yTrue: Float64Array | null = null;
    if (this.opts.target !== undefined) {
      const t = this.values(this.pair(this.opts.target), 'current');
      yTrue = this.guard(() => {
        const out = new Float64Array(rows.length);
        rows.forEach((row, k) => {
          if (!isPresent(t, row)) {
            out[k] = Number.NaN;
            return;
          }
          const x = numberAt(t, row);
          if (x !== 0 && x !== 1)
            throw new LabelError('label', k, cellText(t, row), 'fairness expects 0/1 labels (positive 1)');
          out[k] = x;
        });
        return out;
      }, where);
    }
    const out: Record<string, FairnessReport> = Object.create(null);
    for (const attribute of this.opts.protected ?? []) {
      const groups = this.values(this.pair(attribute), 'current');
      const f = attributeFairness(
        rows.map((i) => cellText(groups, i)),
        yPred,
        yTrue,
        { minGroupSize: 1 },
      );
      out[attribute] = {
        groups: f.groups,
        demographic_parity_difference: f.demographic_parity_difference,
        demographic_parity_ratio: f.demographic_parity_ratio,
        equalized_odds_difference: f.equalized_odds_difference,
        equalized_odds_ratio: f.equalized_odds_ratio,
        equal_opportunity_difference: f.equal_opportunity_difference,
        equal_opportunity_ratio: f.equal_opportunity_ratio,
        disparate_impact_passes: f.disparate_impact_passes,
      };
    }
    return out;
  }
}

/** Binary metrics from scores alone (no --prediction): the label metrics are null. */
function scoreOnlyMetrics(y: Uint8Array, scores: Float64Array): BinaryClassificationMetrics {
  // The labels stand in for predictions; only the score metrics (and the score checks) are kept.
  const m = binaryClassificationMetrics(y, y, scores);
  return { ...m, accuracy: null, precision: null, recall: null, f1: null };
}

/** Deep copy with every non-finite number replaced by null (JSON has no NaN or Infinity). */
function sanitize<T>(value: T): T {
  if (typeof value === 'number') return (Number.isFinite(value) ? value : null) as T;
  if (Array.isArray(value)) return value.map((v) => sanitize(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = sanitize(v);
    return out as T;
  }
  return value;
}
