/**
 * Realised performance of a model from its window's labelled rows, and the reference baseline it is
 * compared with (docs/statistics.md "Performance"). The statistics are stats/performance.ts; this module only
 * turns the window's typed columns into the vectors those functions take:
 * - the task: `models[].task` when configured, else inferred from the labelled reference, else from the
 *   labels (and predictions) in memory;
 * - one pass over the ring encodes, per slot, the label and the prediction as numbers the task accepts
 *   (binary 0/1, a class code, a regression value) or NaN: a label that does not fit the task is left out
 *   and counted, never thrown;
 * - each window, and each segment of it, gathers its usable rows and calls the metric function once
 *   (so ROC AUC sorts once per window and segment, not once per metric).
 */
import {
  binaryClassificationMetrics,
  inferTask,
  LabelError,
  multiclassClassificationMetrics,
  regressionMetrics,
  type Task,
} from '../stats/performance';
import { type ColumnarWindow, OTHER, type ScalarColumn } from './window';

export type PerformanceMetric =
  | 'accuracy'
  | 'precision'
  | 'recall'
  | 'f1'
  | 'roc_auc'
  | 'log_loss'
  | 'brier'
  | 'ece'
  | 'mae'
  | 'mse'
  | 'rmse'
  | 'r2'
  | 'mape';

/** Metric values of one window (null where undefined, e.g. ROC AUC of a single-class window). */
export type MetricValues = Partial<Record<PerformanceMetric, number | null>>;

/** Metrics where a larger value is worse. */
export const LOWER_IS_BETTER: ReadonlySet<PerformanceMetric> = new Set([
  'log_loss',
  'brier',
  'ece',
  'mae',
  'mse',
  'rmse',
  'mape',
]);

/** Metrics compared with the baseline for degradation findings, per task (MSE is RMSE squared). */
export const DEGRADATION_METRICS: Record<Task, readonly PerformanceMetric[]> = {
  binary: ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'brier', 'ece'],
  multiclass: ['accuracy', 'precision', 'recall', 'f1'],
  regression: ['mae', 'rmse', 'r2', 'mape'],
};

/**
 * Metrics compared on an absolute rather than relative scale. ECE is biased upwards on small samples
 * (a perfectly calibrated model scores ≈ 0.05 on 500 rows against ≈ 0.015 on a 5000-row reference), so
 * a relative tolerance would flag every small window; an absolute increase of `tolerance` is not noise.
 */
export const ABSOLUTE_TOLERANCE: ReadonlySet<PerformanceMetric> = new Set(['ece']);

export type TaskSource = 'config' | 'reference' | 'labels';

export interface TaskChoice {
  task: Task | null;
  source: TaskSource | null;
}

const CONFIG_TASKS: Record<string, Task> = {
  binary_classification: 'binary',
  multiclass_classification: 'multiclass',
  regression: 'regression',
};

/**
 * `inferTask` that never throws: when labels mix strings and numbers (or hold a value fitting no task)
 * it retries on the labels alone, then on the labels of the majority kind. The rows it then disagrees
 * with are left out and counted by {@link encodeRows}.
 */
export function inferTaskSafely(labels: readonly unknown[], predictions: readonly unknown[]): Task | null {
  try {
    return inferTask(labels, predictions);
  } catch (err) {
    if (!(err instanceof LabelError)) throw err;
  }
  try {
    return inferTask(labels);
  } catch (err) {
    if (!(err instanceof LabelError)) throw err;
  }
  const kind = majorityKind(labels);
  const same = labels.filter((v) =>
    kind === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v),
  );
  try {
    return inferTask(same);
  } catch {
    return null;
  }
}

/** Whether most non-missing values are strings or numbers (numbers on a tie). */
function majorityKind(values: readonly unknown[]): 'string' | 'number' {
  let strings = 0;
  let numbers = 0;
  for (const v of values) {
    if (typeof v === 'string') strings++;
    else if (typeof v === 'number' || typeof v === 'boolean') numbers++;
  }
  return strings > numbers ? 'string' : 'number';
}

/** The model's task: configured, else inferred from the labelled reference, else from the window's labels. */
export function chooseTask(
  configured: string | undefined,
  reference: { label: readonly unknown[]; prediction: readonly unknown[] } | null,
  window: ColumnarWindow,
  ringSlots: Int32Array,
): TaskChoice {
  if (configured) return { task: CONFIG_TASKS[configured] ?? null, source: 'config' };
  if (reference && reference.label.length > 0) {
    const task = inferTaskSafely(
      reference.label.map(booleanAsNumber),
      reference.prediction.map(booleanAsNumber),
    );
    if (task) return { task, source: 'reference' };
  }
  if (window.labelled === 0) return { task: null, source: null };
  const labels: unknown[] = [];
  const predictions: unknown[] = [];
  for (const s of ringSlots) {
    if (!window.labels.has(s)) continue;
    labels.push(window.labels.get(s));
    predictions.push(window.predictions.get(s));
  }
  const task = inferTaskSafely(labels, predictions);
  return task ? { task, source: 'labels' } : { task: null, source: null };
}

const booleanAsNumber = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

// ---------------------------------------------------------------------------------------------------
// Encoding rows for a task

/** Per-row numeric encoding of labels and predictions for one task (NaN = not usable). */
export interface EncodedRows {
  task: Task;
  /** Binary 0/1, a class code (multiclass) or the value (regression); NaN without a usable label. */
  truth: Float64Array;
  /** The prediction in the same encoding; NaN when it does not fit the task. */
  pred: Float64Array;
  /** Binary only: the score where it is a probability, else NaN. */
  score: Float64Array | null;
  /** Labelled rows left out, by reason, and a few of the offending labels/predictions for the notes. */
  invalidLabels: number;
  invalidPredictions: number;
  examples: unknown[];
}

/** How to read one row: its label, prediction and score (any of them missing as null / NaN). */
interface RowSource {
  label(i: number): unknown;
  prediction(i: number): unknown;
  score(i: number): number;
}

/** Class codes for multiclass: strings and numbers never share a code. */
class ClassCodes {
  private readonly codes = new Map<string | number, number>();
  code(v: string | number): number {
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.codes.size;
      this.codes.set(v, c);
    }
    return c;
  }
}

/**
 * Encodes rows `indices` of `source` into `out` (arrays indexed like the source). Binary: labels and
 * predictions must be 0/1 (booleans count as 1/0); a missing prediction is `score ≥ threshold` when a
 * score is logged. Multiclass: labels of the majority kind (strings or numbers), predictions of the same
 * kind. Regression: finite numbers.
 */
export function encodeRows(
  task: Task,
  source: RowSource,
  indices: ArrayLike<number>,
  size: number,
  threshold: number,
  reuse?: { truth: Float64Array; pred: Float64Array; score: Float64Array },
  /** Called for each labelled row left out, with the reason. */
  onRejected?: (i: number, reason: 'invalid_label' | 'invalid_prediction') => void,
): EncodedRows {
  const truth = reuse && reuse.truth.length === size ? reuse.truth : new Float64Array(size);
  const pred = reuse && reuse.pred.length === size ? reuse.pred : new Float64Array(size);
  const score =
    task === 'binary' ? (reuse && reuse.score.length === size ? reuse.score : new Float64Array(size)) : null;
  let invalidLabels = 0;
  let invalidPredictions = 0;
  const examples: unknown[] = [];
  const example = (v: unknown) => {
    if (examples.length < 3 && !examples.includes(v)) examples.push(v);
  };
  let kind: 'string' | 'number' = 'number';
  const classes = new ClassCodes();
  if (task === 'multiclass') {
    const labels: unknown[] = [];
    for (let k = 0; k < indices.length; k++) labels.push(source.label(indices[k]!));
    kind = majorityKind(labels);
  }
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const rawLabel = source.label(i);
    const rawPred = source.prediction(i);
    const s = source.score(i);
    const p = s >= 0 && s <= 1 ? s : Number.NaN;
    let t = Number.NaN;
    let f = Number.NaN;
    if (task === 'binary') {
      score![i] = p;
      f =
        rawPred === 0 || rawPred === 1
          ? rawPred
          : rawPred === null && !Number.isNaN(p)
            ? +(p >= threshold)
            : Number.NaN;
      if (rawLabel === 0 || rawLabel === 1) t = rawLabel;
    } else if (task === 'multiclass') {
      const fits = (v: unknown): v is string | number =>
        kind === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v);
      if (fits(rawPred)) f = classes.code(rawPred);
      if (fits(rawLabel)) t = classes.code(rawLabel);
    } else {
      if (typeof rawPred === 'number' && Number.isFinite(rawPred)) f = rawPred;
      if (typeof rawLabel === 'number' && Number.isFinite(rawLabel)) t = rawLabel;
    }
    pred[i] = f;
    truth[i] = t;
    if (rawLabel === null) continue;
    if (Number.isNaN(t)) {
      invalidLabels++;
      example(rawLabel);
      onRejected?.(i, 'invalid_label');
    } else if (Number.isNaN(f)) {
      truth[i] = Number.NaN;
      invalidPredictions++;
      example(rawPred);
      onRejected?.(i, 'invalid_prediction');
    }
  }
  return { task, truth, pred, score, invalidLabels, invalidPredictions, examples };
}

/** Row source over the window's ring slots. */
export function windowSource(window: ColumnarWindow): RowSource {
  const value = (col: ScalarColumn, i: number) => col.get(i);
  return {
    label: (i) => value(window.labels, i),
    prediction: (i) => value(window.predictions, i),
    score: (i) => window.scores[i]!,
  };
}

/** Row source over a reference profile's labelled outcomes. */
export function outcomeSource(outcomes: {
  label: readonly unknown[];
  prediction: readonly unknown[];
  score: readonly (number | null)[];
}): RowSource {
  return {
    label: (i) => booleanAsNumber(outcomes.label[i] ?? null),
    prediction: (i) => booleanAsNumber(outcomes.prediction[i] ?? null),
    score: (i) => outcomes.score[i] ?? Number.NaN,
  };
}

// ---------------------------------------------------------------------------------------------------
// Metrics over a set of rows

/** The task's metrics over rows `rows` (indices into the encoded arrays, all usable). */
export function metricsOf(encoded: EncodedRows, rows: ArrayLike<number>): MetricValues {
  const n = rows.length;
  if (encoded.task === 'binary') {
    const yTrue = new Uint8Array(n);
    const yPred = new Uint8Array(n);
    const score = new Float64Array(n);
    let scored = false;
    for (let k = 0; k < n; k++) {
      const i = rows[k]!;
      yTrue[k] = encoded.truth[i]!;
      yPred[k] = encoded.pred[i]!;
      score[k] = encoded.score![i]!;
      if (!Number.isNaN(score[k]!)) scored = true;
    }
    return { ...binaryClassificationMetrics(yTrue, yPred, scored ? score : null) };
  }
  const yTrue = new Float64Array(n);
  const yPred = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k]!;
    yTrue[k] = encoded.truth[i]!;
    yPred[k] = encoded.pred[i]!;
  }
  return encoded.task === 'multiclass'
    ? { ...multiclassClassificationMetrics(yTrue, yPred) }
    : { ...regressionMetrics(yTrue, yPred) };
}

/** Rows among `indices` whose label and prediction are both usable. */
export function usableRows(encoded: EncodedRows, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  let n = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isNaN(encoded.truth[i]!) && !Number.isNaN(encoded.pred[i]!)) out[n++] = i;
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------------------------------
// Windows and segments

export interface SegmentPerformance {
  /** `"<attribute>=<value>"`; values beyond the top N by rows are folded into `"<attribute>=__other__"`. */
  segment: string;
  attribute: string;
  value: string;
  /** Rows of the segment in the window, and those with a usable label. */
  rows: number;
  used: number;
  metrics: MetricValues | null;
}

export interface WindowPerformance {
  /** Performance window name, or "current" for the drift window. */
  window: string;
  rows: number;
  /** Rows holding a label (usable or not). */
  labelled: number;
  /** Labelled rows whose label and prediction fit the task: the rows the metrics are computed on. */
  used: number;
  /** labelled / rows; null for an empty window. */
  coverage: number | null;
  metrics: MetricValues | null;
  segments: SegmentPerformance[];
}

/**
 * Performance of one window: whole-model metrics and, per segment attribute, per value (the top
 * `maxCategories − 1` values by rows in the window, the rest as `__other__`; rows without the attribute
 * are in no segment).
 */
export function windowPerformance(
  name: string,
  window: ColumnarWindow,
  slots: Int32Array,
  encoded: EncodedRows | null,
  segmentAttributes: readonly string[],
  maxCategories: number,
): WindowPerformance {
  let labelled = 0;
  for (const s of slots) if (window.labels.has(s)) labelled++;
  const base = {
    window: name,
    rows: slots.length,
    labelled,
    coverage: slots.length === 0 ? null : labelled / slots.length,
  };
  if (!encoded) return { ...base, used: 0, metrics: null, segments: [] };
  const used = usableRows(encoded, slots);
  const metrics = used.length > 0 ? metricsOf(encoded, used) : null;
  const segments: SegmentPerformance[] = [];
  for (const attribute of segmentAttributes) {
    const col = window.attributes.columns.get(attribute);
    if (col?.type !== 'categorical') continue;
    const groups = foldedGroups(col.codes, col.dict, slots, maxCategories);
    const members: number[][] = groups.labels.map(() => []);
    for (const s of used) {
      const g = groups.groupOfCode[col.codes[s]! + 1]!;
      if (g >= 0) members[g]!.push(s);
    }
    groups.labels.forEach((value, g) => {
      const rows = members[g]!;
      segments.push({
        segment: `${attribute}=${value}`,
        attribute,
        value,
        rows: groups.rows[g]!,
        used: rows.length,
        metrics: rows.length > 0 ? metricsOf(encoded, rows) : null,
      });
    });
  }
  return { ...base, used: used.length, metrics, segments };
}

export interface FoldedGroups {
  /** Group labels: the kept values, then `__other__` when anything was folded. */
  labels: string[];
  /** Rows per group. */
  rows: number[];
  /** Group of each dictionary code, indexed by code + 1 (index 0: missing); −1 = no group. */
  groupOfCode: Int32Array;
}

/**
 * Groups a dictionary-coded column over `slots`: the values with most rows (at most `max − 1` when there
 * are `max` or more, ties by value) and `__other__` for the rest. With `missing` set, rows without a value
 * form their own group under that label; otherwise they belong to no group.
 */
export function foldedGroups(
  codes: Int32Array,
  dict: readonly string[],
  slots: ArrayLike<number>,
  max: number,
  missing?: string,
): FoldedGroups {
  const tally = new Float64Array(dict.length + 1);
  for (let k = 0; k < slots.length; k++) tally[codes[slots[k]!]! + 1]!++;
  const counts: [string, number][] = [];
  if (missing !== undefined && tally[0]! > 0) counts.push([missing, tally[0]!]);
  // Rows coded `__other__` already (the window's dictionary overflowed) always land in the folded group.
  let overflow = false;
  for (let c = 0; c < dict.length; c++) {
    if (tally[c + 1]! === 0) continue;
    if (dict[c] === OTHER) overflow = true;
    else counts.push([dict[c]!, tally[c + 1]!]);
  }
  let kept = counts.map(([v]) => v);
  const folds = overflow || counts.length > max;
  if (counts.length + (overflow ? 1 : 0) > max) {
    kept = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, max - 1)
      .map(([v]) => v);
  }
  const index = new Map(kept.map((v, g) => [v, g]));
  const labels = folds ? [...kept, OTHER] : kept;
  const other = folds ? kept.length : -1;
  const groupOfCode = new Int32Array(dict.length + 1).fill(-1);
  if (missing !== undefined) groupOfCode[0] = index.get(missing) ?? other;
  for (let c = 0; c < dict.length; c++) groupOfCode[c + 1] = index.get(dict[c]!) ?? other;
  const rows = labels.map(() => 0);
  for (let c = 0; c <= dict.length; c++) {
    const g = groupOfCode[c]!;
    if (g >= 0) rows[g]! += tally[c]!;
  }
  return { labels, rows, groupOfCode };
}

/**
 * Sampling noise of each metric at `chunkSize` rows: the population standard deviation of the metric
 * over the contiguous chunks of `chunkSize` usable rows of a labelled data set (the reference), as the
 * label-free estimation's bands. A metric needs at least two chunks where it is defined.
 */
export function chunkNoise(
  encoded: EncodedRows,
  used: Int32Array,
  chunkSize: number,
): Partial<Record<PerformanceMetric, number>> {
  const chunks = Math.floor(used.length / chunkSize);
  const values = new Map<PerformanceMetric, number[]>();
  for (let c = 0; c < chunks; c++) {
    const m = metricsOf(encoded, used.subarray(c * chunkSize, (c + 1) * chunkSize));
    for (const [metric, v] of Object.entries(m) as [PerformanceMetric, number | null][]) {
      if (v === null || !Number.isFinite(v)) continue;
      const list = values.get(metric);
      if (list) list.push(v);
      else values.set(metric, [v]);
    }
  }
  const out: Partial<Record<PerformanceMetric, number>> = {};
  for (const [metric, list] of values) {
    if (list.length < 2) continue;
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    out[metric] = Math.sqrt(list.reduce((a, b) => a + (b - mean) * (b - mean), 0) / list.length);
  }
  return out;
}
