/**
 * Realised model performance (docs/statistics.md "Performance"): scikit-learn definitions, positive label 1,
 * zero_division 0. Pure functions over typed arrays; every result field is a number or `null` where the
 * metric is undefined (never NaN), under the JSON field names of docs/compare.md.
 *
 * Cost: O(n) except ROC AUC, which sorts the positive and negative scores (O(n log n)).
 */

/** A vector of binary outcomes: every entry 0 or 1 (a Float64Array may also hold NaN where documented). */
export type BinaryVector = Float64Array | Uint8Array;

/** A class label of a multiclass model: strings or numbers, not both in one window. */
export type ClassLabel = string | number;

export type Task = 'binary' | 'multiclass' | 'regression';

export interface BinaryClassificationMetrics {
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** null when the scored rows hold one class only, or there are no scores. */
  roc_auc: number | null;
  log_loss: number | null;
  brier: number | null;
  ece: number | null;
}

export interface MulticlassClassificationMetrics {
  accuracy: number | null;
  /** Macro averages over the labels present in y_true ∪ y_pred. */
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface RegressionMetrics {
  mae: number | null;
  mse: number | null;
  rmse: number | null;
  r2: number | null;
  mape: number | null;
}

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Which input a {@link LabelError} is about. */
export type LabelField = 'label' | 'prediction' | 'score';

/**
 * A value that does not fit the task: a third class in a binary model, a string label for regression,
 * a score outside [0, 1]. Names the offending value and its row so the message can go straight to a user.
 */
export class LabelError extends Error {
  override readonly name = 'LabelError';
  constructor(
    readonly field: LabelField,
    readonly index: number,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field} at row ${index} is ${describeValue(value)}; ${expected}`);
  }
}

/** Rows of the two inputs differ in length. */
export class LengthMismatchError extends Error {
  override readonly name = 'LengthMismatchError';
  constructor(what: string, a: number, b: number) {
    super(`${what}: lengths differ (${a} vs ${b})`);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (string)`;
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'boolean') return `${value} (boolean)`;
  return `${JSON.stringify(value) ?? String(value)} (${typeof value})`;
}

// ---------------------------------------------------------------------------------------------------
// Small numeric helpers

/** Compensated (Neumaier) summation: accurate to a few ulps regardless of n, still O(n). */
export class CompensatedSum {
  private sum = 0;
  private c = 0;
  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.c += this.sum - t + x;
    else this.c += x - t + this.sum;
    this.sum = t;
  }
  get value(): number {
    return this.sum + this.c;
  }
}

function assertSameLength(what: string, a: { length: number }, b: { length: number }): void {
  if (a.length !== b.length) throw new LengthMismatchError(what, a.length, b.length);
}

/** Throws {@link LabelError} unless every value is 0 or 1. */
export function assertBinary(values: ArrayLike<number>, field: LabelField): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) {
      throw new LabelError(field, i, v, 'binary classification expects 0 or 1 (positive label 1)');
    }
  }
}

/** Scores must be probabilities in [0, 1]; NaN marks a missing score. */
export function assertScores(score: Float64Array): void {
  for (let i = 0; i < score.length; i++) {
    const p = score[i]!;
    if (!Number.isNaN(p) && !(p >= 0 && p <= 1)) {
      throw new LabelError(
        'score',
        i,
        p,
        'scores must be probabilities in [0, 1] (NaN marks a missing score)',
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Task inference and conversion of JSON-ish labels

export interface InferTaskOptions {
  /** What the configuration says, when it says anything (`compare --task`). */
  hint?: 'classification' | 'regression';
  /**
   * Without a hint, integer-valued numeric labels with at most this many distinct values are treated as
   * classes; more distinct values, or any non-integer, mean regression. Default 5.
   */
  maxClasses?: number;
}

const isBinaryValue = (v: unknown): boolean => v === 0 || v === 1 || v === true || v === false;
const isMissing = (v: unknown): boolean => v === null || v === undefined;

/**
 * Infers the task from the labels (and predictions, when given) of a window:
 * - every value 0/1 (or boolean) → `binary`;
 * - any string, or with hint `classification` → `multiclass` (strings and numbers must not mix);
 * - hint `regression`, any non-integer number, or more than `maxClasses` distinct integers → `regression`;
 * - otherwise (few distinct integers) → `multiclass`.
 * Missing values (null/undefined) are skipped; `null` when nothing is left to infer from.
 * Throws {@link LabelError} naming the first value that fits no task (objects, non-finite numbers, a
 * string under hint `regression`, strings mixed with numbers).
 */
export function inferTask(
  labels: ArrayLike<unknown>,
  predictions?: ArrayLike<unknown> | null,
  options: InferTaskOptions = {},
): Task | null {
  const maxClasses = options.maxClasses ?? 5;
  let seen = 0;
  let allBinary = true;
  let allInteger = true;
  let kind: 'string' | 'number' | null = null;
  const distinct = new Set<number>();
  const visit = (values: ArrayLike<unknown>, field: LabelField): void => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (isMissing(v)) continue;
      seen++;
      if (typeof v === 'boolean') {
        if (options.hint === 'regression')
          throw new LabelError(field, i, v, 'regression expects a finite number');
        if (kind === 'string') throw new LabelError(field, i, v, 'labels mix strings and numbers');
        kind ??= 'number';
        continue;
      }
      if (typeof v === 'string') {
        if (options.hint === 'regression')
          throw new LabelError(field, i, v, 'regression expects a finite number');
        if (kind === 'number') throw new LabelError(field, i, v, 'labels mix strings and numbers');
        kind = 'string';
        allBinary = false;
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new LabelError(field, i, v, 'expected a finite number or a string label');
      }
      if (kind === 'string') throw new LabelError(field, i, v, 'labels mix strings and numbers');
      kind = 'number';
      if (!isBinaryValue(v)) allBinary = false;
      if (!Number.isInteger(v)) allInteger = false;
      else if (distinct.size <= maxClasses) distinct.add(v);
    }
  };
  visit(labels, 'label');
  if (predictions) visit(predictions, 'prediction');
  if (seen === 0) return null;
  if (options.hint === 'regression') return 'regression';
  if (allBinary) return 'binary';
  if (options.hint === 'classification' || kind === 'string') return 'multiclass';
  return allInteger && distinct.size <= maxClasses ? 'multiclass' : 'regression';
}

/** Converts 0/1 numbers or booleans into a Uint8Array; throws {@link LabelError} on anything else. */
export function toBinaryVector(values: ArrayLike<unknown>, field: LabelField = 'label'): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false) {
      throw new LabelError(field, i, v, 'binary classification expects 0 or 1 (positive label 1)');
    }
  }
  return out;
}

/** Converts finite numbers into a Float64Array; throws {@link LabelError} naming a string, null or NaN. */
export function toRegressionVector(values: ArrayLike<unknown>, field: LabelField = 'label'): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new LabelError(field, i, v, 'regression expects a finite number');
    }
    out[i] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Binary classification

export function confusionCounts(yTrue: BinaryVector, yPred: BinaryVector): ConfusionCounts {
  assertSameLength('labels and predictions', yTrue, yPred);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t !== 0 && t !== 1)
      throw new LabelError('label', i, t, 'binary classification expects 0 or 1 (positive label 1)');
    if (p !== 0 && p !== 1) {
      throw new LabelError('prediction', i, p, 'binary classification expects 0 or 1 (positive label 1)');
    }
    if (t === 1) {
      if (p === 1) tp++;
      else fn++;
    } else if (p === 1) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/** sklearn's `_prf_divide` with zero_division 0. */
const divide0 = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** sklearn's F-beta (beta 1) from precision and recall, 0 when both are 0. */
const f1From = (precision: number, recall: number): number => {
  const denom = precision + recall;
  return denom === 0 ? 0 : (2 * precision * recall) / denom;
};

/** Accuracy, precision, recall and F1 from counts (null only when there are no rows). */
export function labelMetricsFromCounts(
  c: ConfusionCounts,
): Pick<BinaryClassificationMetrics, 'accuracy' | 'precision' | 'recall' | 'f1'> {
  const n = c.tp + c.fp + c.tn + c.fn;
  if (n === 0) return { accuracy: null, precision: null, recall: null, f1: null };
  const precision = divide0(c.tp, c.tp + c.fp);
  const recall = divide0(c.tp, c.tp + c.fn);
  return { accuracy: (c.tp + c.tn) / n, precision, recall, f1: f1From(precision, recall) };
}

/**
 * ROC AUC as the Mann–Whitney statistic (ties count ½), equal to sklearn's `roc_auc_score`.
 * NaN scores are skipped; null when the remaining rows hold one class only.
 * Exact: the pair count is a sum of half-integers below 2^53.
 */
export function rocAuc(yTrue: BinaryVector, score: Float64Array): number | null {
  assertSameLength('labels and scores', yTrue, score);
  assertBinary(yTrue, 'label');
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (Number.isNaN(score[i]!)) continue;
    if (yTrue[i] === 1) nPos++;
    else nNeg++;
  }
  if (nPos === 0 || nNeg === 0) return null;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const s = score[i]!;
    if (Number.isNaN(s)) continue;
    if (yTrue[i] === 1) pos[ip++] = s;
    else neg[ineg++] = s;
  }
  pos.sort();
  neg.sort();
  // For each positive (ascending): negatives strictly below count 1, equal count ½.
  let below = 0;
  let belowOrEqual = 0;
  let pairs = 0;
  for (let i = 0; i < nPos; i++) {
    const s = pos[i]!;
    while (below < nNeg && neg[below]! < s) below++;
    if (belowOrEqual < below) belowOrEqual = below;
    while (belowOrEqual < nNeg && neg[belowOrEqual]! <= s) belowOrEqual++;
    pairs += below + (belowOrEqual - below) / 2;
  }
  return pairs / (nPos * nNeg);
}

export const LOG_LOSS_EPS = 1e-15;

/**
 * Log loss as sklearn 1.2 `log_loss(y, p, eps=1e-15, labels=[0, 1])`: p clipped to [eps, 1 − eps], the
 * pair (1 − p, p) renormalised, mean of −ln(probability of the true class). NaN scores skipped; null
 * when no scored rows.
 */
export function logLoss(yTrue: BinaryVector, score: Float64Array): number | null {
  assertSameLength('labels and scores', yTrue, score);
  assertBinary(yTrue, 'label');
  const sum = new CompensatedSum();
  let n = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = score[i]!;
    if (Number.isNaN(p)) continue;
    const p1 = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    const p0 = 1 - p1;
    const total = p0 + p1;
    sum.add(-Math.log((yTrue[i] === 1 ? p1 : p0) / total));
    n++;
  }
  return n === 0 ? null : sum.value / n;
}

/** Brier score: mean (y − p)² over scored rows; null when none. */
export function brierScore(yTrue: BinaryVector, score: Float64Array): number | null {
  assertSameLength('labels and scores', yTrue, score);
  assertBinary(yTrue, 'label');
  const sum = new CompensatedSum();
  let n = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = score[i]!;
    if (Number.isNaN(p)) continue;
    const d = yTrue[i]! - p;
    sum.add(d * d);
    n++;
  }
  return n === 0 ? null : sum.value / n;
}

/**
 * Bin of a probability among `bins` equal-width bins (0, 1/B], (1/B, 2/B], …, ((B−1)/B, 1], with p = 0 in
 * the first. The edges are the doubles k/B (so 0.3 falls in (0.2, 0.3], not above an edge 3·0.1).
 */
export function calibrationBin(p: number, bins: number): number {
  let b = Math.ceil(p * bins) - 1;
  if (b < 0) b = 0;
  else if (b > bins - 1) b = bins - 1;
  while (b > 0 && p <= b / bins) b--;
  while (b < bins - 1 && p > (b + 1) / bins) b++;
  return b;
}

/**
 * Expected calibration error: Σ_b (n_b/N)·|mean(y)_b − mean(p)_b| over the equal-width bins of
 * {@link calibrationBin}. NaN scores skipped; null when no scored rows.
 */
export function expectedCalibrationError(yTrue: BinaryVector, score: Float64Array, bins = 10): number | null {
  assertSameLength('labels and scores', yTrue, score);
  assertBinary(yTrue, 'label');
  const count = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  let n = 0;
  for (let i = 0; i < score.length; i++) {
    const p = score[i]!;
    if (Number.isNaN(p)) continue;
    const b = calibrationBin(p, bins);
    count[b]!++;
    sumY[b]! += yTrue[i]!;
    sumP[b]! += p;
    n++;
  }
  if (n === 0) return null;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const nb = count[b]!;
    if (nb === 0) continue;
    ece += (nb / n) * Math.abs(sumY[b]! / nb - sumP[b]! / nb);
  }
  return ece;
}

/**
 * All binary metrics of docs/compare.md. Labels and predictions must be 0/1 ({@link LabelError} otherwise);
 * scores, when given, must be in [0, 1] with NaN for rows without a score (those rows count for the
 * label metrics only). Score metrics are null without scores; every metric is null on an empty window.
 */
export function binaryClassificationMetrics(
  yTrue: BinaryVector,
  yPred: BinaryVector,
  score?: Float64Array | null,
): BinaryClassificationMetrics {
  const base = labelMetricsFromCounts(confusionCounts(yTrue, yPred));
  if (!score) return { ...base, roc_auc: null, log_loss: null, brier: null, ece: null };
  assertSameLength('labels and scores', yTrue, score);
  assertScores(score);
  return {
    ...base,
    roc_auc: rocAuc(yTrue, score),
    log_loss: logLoss(yTrue, score),
    brier: brierScore(yTrue, score),
    ece: expectedCalibrationError(yTrue, score),
  };
}

// ---------------------------------------------------------------------------------------------------
// Multiclass classification

/**
 * Accuracy and macro precision/recall/F1 over the labels present in y_true ∪ y_pred (sklearn
 * `average="macro"`, zero_division 0). Labels are compared with `===`, so 1 and "1" would be different
 * classes: mixing strings and numbers throws {@link LabelError}, as do NaN and missing labels.
 */
export function multiclassClassificationMetrics(
  yTrue: ArrayLike<ClassLabel>,
  yPred: ArrayLike<ClassLabel>,
): MulticlassClassificationMetrics {
  assertSameLength('labels and predictions', yTrue, yPred);
  const n = yTrue.length;
  if (n === 0) return { accuracy: null, precision: null, recall: null, f1: null };
  const index = new Map<ClassLabel, number>();
  let kind: 'string' | 'number' | null = null;
  const codeOf = (v: ClassLabel, field: LabelField, i: number): number => {
    const known = index.get(v);
    if (known !== undefined) return known;
    const t = typeof v;
    if (t !== 'string' && (t !== 'number' || !Number.isFinite(v))) {
      throw new LabelError(field, i, v, 'classification expects a string or a finite number label');
    }
    if (kind !== null && kind !== t) throw new LabelError(field, i, v, 'labels mix strings and numbers');
    kind = t as 'string' | 'number';
    index.set(v, index.size);
    return index.size - 1;
  };
  const t = new Uint32Array(n);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = codeOf(yTrue[i]!, 'label', i);
    p[i] = codeOf(yPred[i]!, 'prediction', i);
  }
  const k = index.size;
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const a = t[i]!;
    const b = p[i]!;
    actual[a]!++;
    predicted[b]!++;
    if (a === b) {
      tp[a]!++;
      correct++;
    }
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (let c = 0; c < k; c++) {
    const pr = divide0(tp[c]!, predicted[c]!);
    const rc = divide0(tp[c]!, actual[c]!);
    precision += pr;
    recall += rc;
    f1 += f1From(pr, rc);
  }
  return { accuracy: correct / n, precision: precision / k, recall: recall / k, f1: f1 / k };
}

// ---------------------------------------------------------------------------------------------------
// Regression

/** sklearn's MAPE floor: `np.finfo(np.float64).eps`. */
export const MAPE_EPSILON = 2.220446049250313e-16;

/**
 * MAE, MSE, RMSE, R² and MAPE as scikit-learn. R²: null with fewer than two rows; constant truth gives 1
 * when the predictions are perfect, else 0. MAPE divides by max(|y|, 2.22e-16). Non-finite values throw
 * {@link LabelError}. All null on an empty window.
 */
export function regressionMetrics(yTrue: Float64Array, yPred: Float64Array): RegressionMetrics {
  assertSameLength('labels and predictions', yTrue, yPred);
  const n = yTrue.length;
  if (n === 0) return { mae: null, mse: null, rmse: null, r2: null, mape: null };
  const abs = new CompensatedSum();
  const sq = new CompensatedSum();
  const pct = new CompensatedSum();
  const sumY = new CompensatedSum();
  let constant = true;
  const y0 = yTrue[0]!;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    const f = yPred[i]!;
    if (!Number.isFinite(y)) throw new LabelError('label', i, y, 'regression expects a finite number');
    if (!Number.isFinite(f)) throw new LabelError('prediction', i, f, 'regression expects a finite number');
    const e = Math.abs(y - f);
    abs.add(e);
    sq.add(e * e);
    pct.add(e / Math.max(Math.abs(y), MAPE_EPSILON));
    sumY.add(y);
    if (y !== y0) constant = false;
  }
  const mse = sq.value / n;
  let r2: number | null;
  if (n < 2) r2 = null;
  else if (constant) r2 = sq.value === 0 ? 1 : 0;
  else {
    const mean = sumY.value / n;
    const tot = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      const d = yTrue[i]! - mean;
      tot.add(d * d);
    }
    r2 = 1 - sq.value / tot.value;
  }
  return { mae: abs.value / n, mse, rmse: Math.sqrt(mse), r2, mape: pct.value / n };
}
