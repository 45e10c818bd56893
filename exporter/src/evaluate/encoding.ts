/**
 * The task of a model and its rows encoded for that task (docs/statistics.md "Performance"):
 * - the task: `models[].task` when configured, else inferred from the labelled reference, else from the
 *   labels (and predictions) in memory;
 * - one pass over the ring encodes, per slot, the label and the prediction as numbers the task accepts
 *   (binary 0/1, a class code, a regression value) or NaN: a label that does not fit the task is left out
 *   and counted, never thrown.
 */
import { inferTask, LabelError, type Task } from '../stats/performance';
import type { ColumnarWindow, ScalarColumn } from './window';

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
