/**
 * Realised performance of a model from its window's labelled rows, and the reference baseline it is
 * compared with (docs/statistics.md "Performance"). The statistics are stats/performance.ts; the task and the
 * rows encoded for it come from encoding.ts; here each window, and each segment of it, gathers its
 * usable rows and calls the metric function once (so ROC AUC sorts once per window and segment, not
 * once per metric). The degradation verdict is performance-verdict.ts.
 */
import {
  binaryClassificationMetrics,
  multiclassClassificationMetrics,
  regressionMetrics,
  type Task,
} from '../stats/performance';
import type { EncodedRows } from './encoding';
import { type ColumnarWindow, OTHER } from './window';

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
