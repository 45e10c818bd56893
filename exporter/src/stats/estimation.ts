/**
 * Label-free performance estimation for binary classifiers: confidence-based performance estimation
 * (CBPE, as NannyML). If the model's scores are calibrated probabilities, row i is a positive with
 * probability p_i, so the confusion matrix of a window has the expected value
 *   TP = Σ_{pred=1} p_i   FP = Σ_{pred=1} (1 − p_i)   FN = Σ_{pred=0} p_i   TN = Σ_{pred=0} (1 − p_i)
 * and every metric follows from it, before any label arrives. ROC AUC is estimated as the Mann–Whitney
 * statistic of that expected matrix along the raw score order (ties ½).
 *
 * Scores are made calibrated by isotonic regression fitted on the labelled reference (scikit-learn
 * `IsotonicRegression(out_of_bounds="clip")` semantics, re-implemented here) — but only when that lowers
 * the reference's expected calibration error under cross-validation, as NannyML's `needs_calibration`.
 *
 * Alert band per metric (NannyML's standard-deviation threshold): split the labelled reference into
 * contiguous chunks, compute the realised metric per chunk, mean ± 3σ (population σ), clipped to [0, 1].
 * Pass `chunkSize` equal to the monitored window's size so the band describes the same sampling noise
 * as the estimate; by default the reference is split into 10 chunks (NannyML's default chunker).
 *
 * Pure: typed arrays in, plain JSON-serialisable objects out (a fitted model can be stored beside the
 * reference profile). Fitting is O(n log n) (one sort); estimation is O(n log n) (ROC AUC sorts scores).
 */
import {
  assertScores,
  type BinaryVector,
  type ConfusionCounts,
  confusionCounts,
  expectedCalibrationError,
  LabelError,
  LengthMismatchError,
  labelMetricsFromCounts,
  rocAuc,
} from './performance';

// ---------------------------------------------------------------------------------------------------
// Isotonic regression (pool adjacent violators), scikit-learn 1.2 semantics

/** A fitted increasing isotonic regression; predictions interpolate linearly between the points. */
export interface IsotonicModel {
  /** Increasing x of the fitted points (redundant points inside flat runs removed, as sklearn). */
  x: number[];
  /** Fitted, non-decreasing values at `x`. */
  y: number[];
  /** Range of the training x; inputs are clipped to it (`out_of_bounds="clip"`). */
  xMin: number;
  xMax: number;
}

/** `np.finfo(np.float64).resolution`: sklearn merges x values closer than this. */
const X_RESOLUTION = 1e-15;

/**
 * Pool adjacent violators in place on contiguous y with weights w: sklearn's
 * `_inplace_contiguous_isotonic_regression` (single pass with backtracking, O(n)).
 */
function poolAdjacentViolators(y: Float64Array, w: Float64Array): void {
  const n = y.length;
  // target[i] = j and target[j] = i when [i..j] is an active block.
  const target = new Int32Array(n);
  for (let i = 0; i < n; i++) target[i] = i;
  let i = 0;
  while (i < n) {
    let k = target[i]! + 1;
    if (k === n) break;
    if (y[i]! < y[k]!) {
      i = k;
      continue;
    }
    let sumWy = w[i]! * y[i]!;
    let sumW = w[i]!;
    for (;;) {
      const prevY = y[k]!;
      sumWy += w[k]! * y[k]!;
      sumW += w[k]!;
      k = target[k]! + 1;
      if (k === n || prevY < y[k]!) {
        y[i] = sumWy / sumW;
        w[i] = sumW;
        target[i] = k - 1;
        target[k - 1] = i;
        if (i > 0) i = target[i - 1]!;
        break;
      }
    }
  }
  i = 0;
  while (i < n) {
    const k = target[i]! + 1;
    y.fill(y[i]!, i + 1, k);
    i = k;
  }
}

/**
 * Fits on rows `order` (sorted by (x, y), weights all positive): sklearn's `_make_unique` + PAV + trimming.
 * With `heldOut`, rows r with r % folds === fold are skipped (cross-validation without copying `order`).
 */
function fitSorted(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array,
  order: ArrayLike<number>,
  heldOut: { folds: number; fold: number } | null = null,
): IsotonicModel {
  const m = order.length;
  const ux = new Float64Array(m);
  const uy = new Float64Array(m);
  const uw = new Float64Array(m);
  const folds = heldOut ? heldOut.folds : 0;
  const fold = heldOut ? heldOut.fold : -1;
  let u = 0;
  let started = false;
  let currentX = 0;
  let currentY = 0;
  let currentW = 0;
  for (let j = 0; j < m; j++) {
    const r = order[j]!;
    if (folds > 0 && r % folds === fold) continue;
    if (!started) {
      started = true;
      currentX = x[r]!;
    }
    const xj = x[r]!;
    if (xj - currentX >= X_RESOLUTION) {
      ux[u] = currentX;
      uw[u] = currentW;
      uy[u] = currentY / currentW;
      u++;
      currentX = xj;
      currentW = w[r]!;
      currentY = y[r]! * w[r]!;
    } else {
      currentW += w[r]!;
      currentY += y[r]! * w[r]!;
    }
  }
  if (!started) throw new RangeError('isotonic regression needs at least one row');
  ux[u] = currentX;
  uw[u] = currentW;
  uy[u] = currentY / currentW;
  u++;
  const fx = ux.subarray(0, u);
  const fy = uy.subarray(0, u);
  poolAdjacentViolators(fy, uw.subarray(0, u));
  // Keep the ends and every point whose y differs from a neighbour's (interpolation is unchanged).
  const keptX: number[] = [];
  const keptY: number[] = [];
  for (let i = 0; i < u; i++) {
    if (i === 0 || i === u - 1 || fy[i] !== fy[i - 1] || fy[i] !== fy[i + 1]) {
      keptX.push(fx[i]!);
      keptY.push(fy[i]!);
    }
  }
  return { x: keptX, y: keptY, xMin: fx[0]!, xMax: fx[u - 1]! };
}

/** Row indices with positive weight and finite x, y, sorted by (x, y) — numpy's `lexsort((y, x))`. */
function sortedRows(x: Float64Array, y: ArrayLike<number>, w: Float64Array | null): Uint32Array {
  let m = 0;
  const keep = new Uint32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (w && !(w[i]! > 0)) continue;
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) continue;
    keep[m++] = i;
  }
  const order = keep.subarray(0, m);
  order.sort((a, b) => x[a]! - x[b]! || y[a]! - y[b]! || a - b);
  return order;
}

/**
 * Fits an increasing isotonic regression of y on x, as sklearn `IsotonicRegression(increasing=True,
 * out_of_bounds="clip").fit(x, y, sample_weight=w)`: rows with non-positive weight (or non-finite values)
 * are dropped, x values closer than 1e-15 pooled (weighted mean of y), then pool adjacent violators.
 * Throws RangeError when no row is left.
 */
export function fitIsotonic(
  x: Float64Array,
  y: ArrayLike<number>,
  weight?: Float64Array | null,
): IsotonicModel {
  if (x.length !== y.length) throw new LengthMismatchError('isotonic x and y', x.length, y.length);
  if (weight && weight.length !== x.length)
    throw new LengthMismatchError('isotonic x and weights', x.length, weight.length);
  const order = sortedRows(x, y, weight ?? null);
  if (order.length === 0) throw new RangeError('isotonic regression needs at least one row');
  const w = weight ?? new Float64Array(x.length).fill(1);
  return fitSorted(x, Float64Array.from(y), w, order);
}

/** Index of the first element ≥ t (numpy `searchsorted(side="left")`). */
function searchLeft(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One prediction: clip to [xMin, xMax], then scipy `interp1d(kind="linear")` between the points. */
export function predictIsotonicValue(model: IsotonicModel, value: number): number {
  if (Number.isNaN(value)) return Number.NaN;
  const { x, y } = model;
  if (x.length === 1) return y[0]!;
  const t = Math.min(Math.max(value, model.xMin), model.xMax);
  let hi = searchLeft(x, t);
  if (hi < 1) hi = 1;
  else if (hi > x.length - 1) hi = x.length - 1;
  const lo = hi - 1;
  const slope = (y[hi]! - y[lo]!) / (x[hi]! - x[lo]!);
  return slope * (t - x[lo]!) + y[lo]!;
}

export function predictIsotonic(model: IsotonicModel, values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = predictIsotonicValue(model, values[i]!);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CBPE

export type EstimatedMetric = 'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc';
export const ESTIMATED_METRICS: readonly EstimatedMetric[] = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
];

/** Expected confusion matrix (fractional counts). */
export type ExpectedConfusion = ConfusionCounts;

export interface MetricBand {
  /** Mean of the realised metric over the reference chunks where it is defined. */
  mean: number;
  /** Population standard deviation (ddof 0) over those chunks. */
  std: number;
  /** max(0, mean − sigmas·std) and min(1, mean + sigmas·std). */
  lower: number;
  upper: number;
  /** Chunks the metric was defined in (ROC AUC is undefined in single-class chunks). */
  chunks: number;
}

export interface CalibrationDecision {
  applied: boolean;
  /** Why (not) — e.g. "isotonic calibration lowers the cross-validated ECE from 0.081 to 0.012". */
  reason: string;
  /** Cross-validated ECE of the held-out raw and calibrated scores; null when not evaluated. */
  ece_uncalibrated: number | null;
  ece_calibrated: number | null;
}

export interface CbpeModel {
  /** Prediction = score ≥ threshold when the caller gives no predicted labels. */
  threshold: number;
  /** Isotonic calibrator fitted on the whole reference, or null when calibration is not applied. */
  calibrator: IsotonicModel | null;
  calibration: CalibrationDecision;
  /** Alert band per metric from the reference chunks; null with fewer than 2 chunks defining it. */
  bands: Record<EstimatedMetric, MetricBand | null>;
  reference: { rows: number; chunks: number; chunk_size: number };
}

export interface CbpeReference {
  /** 0/1 labels of the reference. */
  yTrue: BinaryVector;
  /** Model scores (probability of class 1); rows with a NaN score are ignored. */
  score: Float64Array;
  /** The model's predicted labels; default score ≥ threshold. */
  yPred?: BinaryVector | null;
}

export interface CbpeOptions {
  /** Decision threshold used when predictions are not given. Default 0.5. */
  threshold?: number;
  /** Reference rows per chunk for the alert band (use the monitored window's size). */
  chunkSize?: number;
  /** Number of reference chunks when `chunkSize` is not given. Default 10. */
  chunkCount?: number;
  /** Band half-width in standard deviations. Default 3. */
  sigmas?: number;
  /** `auto` (default): isotonic only when it lowers the cross-validated ECE; `always`; `never`. */
  calibration?: 'auto' | 'always' | 'never';
  /** Folds of the calibration check (interleaved by row, deterministic). Default 10. */
  calibrationFolds?: number;
}

export interface PerformanceEstimate {
  /** Scored rows the estimate is based on. */
  rows: number;
  expected: ExpectedConfusion;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  roc_auc: number | null;
  /** Copied from the model so one object carries what the `bound` label of the gauges needs. */
  bands: Record<EstimatedMetric, MetricBand | null>;
  /** Estimate outside its band; null when either is missing. */
  alerts: Record<EstimatedMetric, boolean | null>;
}

/** Predicted labels: the given ones, or score ≥ threshold. */
function predictedLabels(
  score: Float64Array,
  yPred: BinaryVector | null | undefined,
  threshold: number,
): Uint8Array {
  const out = new Uint8Array(score.length);
  if (yPred) {
    if (yPred.length !== score.length)
      throw new LengthMismatchError('scores and predictions', score.length, yPred.length);
    for (let i = 0; i < score.length; i++) {
      const p = yPred[i]!;
      if (p !== 0 && p !== 1)
        throw new LabelError('prediction', i, p, 'binary classification expects 0 or 1');
      out[i] = p;
    }
  } else {
    for (let i = 0; i < score.length; i++) out[i] = score[i]! >= threshold ? 1 : 0;
  }
  return out;
}

/** Keeps the rows whose score is not NaN (a no-op copy-free path when none is NaN). */
function dropMissingScores<T extends BinaryVector>(
  score: Float64Array,
  ...others: (T | null | undefined)[]
): { score: Float64Array; others: (T | null | undefined)[] } {
  let missing = 0;
  for (let i = 0; i < score.length; i++) if (Number.isNaN(score[i]!)) missing++;
  if (missing === 0) return { score, others };
  const keep = new Uint32Array(score.length - missing);
  let m = 0;
  for (let i = 0; i < score.length; i++) if (!Number.isNaN(score[i]!)) keep[m++] = i;
  const pick = <A extends Float64Array | Uint8Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(keep.length);
    for (let j = 0; j < keep.length; j++) out[j] = a[keep[j]!]!;
    return out;
  };
  return { score: pick(score), others: others.map((o) => (o ? pick(o) : o)) };
}

/**
 * Expected confusion matrix from calibrated probabilities and predicted labels (NannyML's
 * `estimate_*`): TP = Σ_{pred=1} p, FP = Σ_{pred=1} (1 − p), FN = Σ_{pred=0} p, TN = Σ_{pred=0} (1 − p).
 */
export function expectedConfusion(calibrated: Float64Array, yPred: BinaryVector): ExpectedConfusion {
  if (calibrated.length !== yPred.length) {
    throw new LengthMismatchError('probabilities and predictions', calibrated.length, yPred.length);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < calibrated.length; i++) {
    const p = calibrated[i]!;
    if (yPred[i] === 1) {
      tp += p;
      fp += 1 - p;
    } else {
      fn += p;
      tn += 1 - p;
    }
  }
  return { tp, fp, tn, fn };
}

/** Accuracy, precision, recall and F1 of an expected confusion matrix (0 where a denominator is 0). */
export function metricsFromExpectedConfusion(
  c: ExpectedConfusion,
): Pick<PerformanceEstimate, 'accuracy' | 'precision' | 'recall' | 'f1'> {
  const n = c.tp + c.fp + c.tn + c.fn;
  if (n === 0) return { accuracy: null, precision: null, recall: null, f1: null };
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    accuracy: (c.tp + c.tn) / n,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(c.tp, c.tp + 0.5 * (c.fp + c.fn)),
  };
}

/**
 * Estimated ROC AUC: rows ordered by raw score, row i counting p_i positive and 1 − p_i negative;
 * Σ over pairs of positive mass above negative mass (ties ½) / (ΣP · ΣN). `calibrate` maps a raw score to
 * its calibrated probability (the calibration is a function of the score, so sorting the scores alone
 * suffices). null when the expected positives or negatives are 0.
 */
export function estimateRocAuc(
  score: Float64Array,
  calibrate: (s: number) => number = (s) => s,
): number | null {
  const sorted = Float64Array.from(score).sort();
  let negBelow = 0;
  let area = 0;
  let totalPos = 0;
  let i = 0;
  while (i < sorted.length) {
    const s = sorted[i]!;
    let j = i;
    while (j < sorted.length && sorted[j] === s) j++;
    const p = calibrate(s);
    const count = j - i;
    const pos = p * count;
    const neg = (1 - p) * count;
    area += pos * (negBelow + neg / 2);
    negBelow += neg;
    totalPos += pos;
    i = j;
  }
  if (totalPos <= 0 || negBelow <= 0) return null;
  return area / (totalPos * negBelow);
}

function calibrationFunction(model: IsotonicModel | null): (s: number) => number {
  return model ? (s) => predictIsotonicValue(model, s) : (s) => s;
}

/** Calibrated probabilities for raw scores under a fitted CBPE model. */
export function calibrateScores(model: CbpeModel, score: Float64Array): Float64Array {
  return model.calibrator ? predictIsotonic(model.calibrator, score) : Float64Array.from(score);
}

/** NannyML `needs_calibration`, with interleaved folds instead of a random stratified split. */
function decideCalibration(
  yTrue: Uint8Array,
  score: Float64Array,
  mode: 'auto' | 'always' | 'never',
  folds: number,
): CalibrationDecision {
  const none = (applied: boolean, reason: string): CalibrationDecision => ({
    applied,
    reason,
    ece_uncalibrated: null,
    ece_calibrated: null,
  });
  if (mode === 'never') return none(false, 'calibration disabled');
  if (score.length === 0) return none(false, 'no labelled reference rows with a score');
  const auc = rocAuc(yTrue, score);
  if (auc === null) return none(false, 'reference labels hold one class only: nothing to calibrate against');
  if (mode === 'always') return none(true, 'calibration forced');
  if (auc > 0.999)
    return none(false, `reference ROC AUC ${auc.toFixed(4)} > 0.999: scores separate the classes`);
  const n = score.length;
  const k = Math.min(folds, Math.floor(n / 2));
  if (k < 2) return none(false, `too few reference rows (${n}) to check calibration`);
  const order = sortedRows(score, yTrue, null);
  const w = new Float64Array(n).fill(1);
  const y = Float64Array.from(yTrue);
  const raw = new Float64Array(n);
  const calibrated = new Float64Array(n);
  const labels = new Uint8Array(n);
  let at = 0;
  for (let f = 0; f < k; f++) {
    const model = fitSorted(score, y, w, order, { folds: k, fold: f });
    for (let r = f; r < n; r += k) {
      raw[at] = score[r]!;
      calibrated[at] = predictIsotonicValue(model, score[r]!);
      labels[at] = yTrue[r]!;
      at++;
    }
  }
  const before = expectedCalibrationError(labels.subarray(0, at), raw.subarray(0, at));
  const after = expectedCalibrationError(labels.subarray(0, at), calibrated.subarray(0, at));
  const applied = before !== null && after !== null && after < before;
  const fmt = (v: number | null): string => (v === null ? 'n/a' : v.toPrecision(3));
  return {
    applied,
    reason: applied
      ? `isotonic calibration lowers the cross-validated ECE from ${fmt(before)} to ${fmt(after)}`
      : `isotonic calibration does not lower the cross-validated ECE (${fmt(before)} → ${fmt(after)}); scores used as they are`,
    ece_uncalibrated: before,
    ece_calibrated: after,
  };
}

/** Contiguous chunk boundaries: K chunks [⌊kn/K⌋, ⌊(k+1)n/K⌋). */
function chunkBounds(n: number, options: CbpeOptions): number[] {
  let k: number;
  if (options.chunkSize !== undefined) {
    if (!(options.chunkSize >= 1)) throw new RangeError('chunkSize must be at least 1');
    k = Math.floor(n / options.chunkSize);
  } else {
    k = Math.min(options.chunkCount ?? 10, n);
  }
  if (n === 0) return [0];
  if (k < 1) return [0, n];
  const bounds: number[] = [];
  for (let c = 0; c <= k; c++) bounds.push(Math.floor((c * n) / k));
  return bounds;
}

function band(values: readonly (number | null)[], sigmas: number): MetricBand | null {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length < 2) return null;
  let sum = 0;
  for (const v of defined) sum += v;
  const mean = sum / defined.length;
  let ss = 0;
  for (const v of defined) ss += (v - mean) * (v - mean);
  const std = Math.sqrt(ss / defined.length);
  return {
    mean,
    std,
    lower: Math.max(0, mean - sigmas * std),
    upper: Math.min(1, mean + sigmas * std),
    chunks: defined.length,
  };
}

/**
 * Fits CBPE on a labelled reference: the calibration decision (and calibrator), and the alert bands from
 * the realised metrics of contiguous reference chunks (the reference's own order, normally time order).
 */
export function fitCbpe(reference: CbpeReference, options: CbpeOptions = {}): CbpeModel {
  const threshold = options.threshold ?? 0.5;
  const sigmas = options.sigmas ?? 3;
  if (reference.yTrue.length !== reference.score.length) {
    throw new LengthMismatchError(
      'reference labels and scores',
      reference.yTrue.length,
      reference.score.length,
    );
  }
  assertScores(reference.score);
  const {
    score,
    others: [yTrueRaw, yPredRaw],
  } = dropMissingScores(reference.score, reference.yTrue, reference.yPred);
  const yTrue = new Uint8Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const v = yTrueRaw![i]!;
    if (v !== 0 && v !== 1) throw new LabelError('label', i, v, 'binary classification expects 0 or 1');
    yTrue[i] = v;
  }
  const yPred = predictedLabels(score, yPredRaw, threshold);
  const n = score.length;

  const calibration = decideCalibration(
    yTrue,
    score,
    options.calibration ?? 'auto',
    options.calibrationFolds ?? 10,
  );
  const calibrator = calibration.applied && n > 0 ? fitIsotonic(score, yTrue) : null;

  const bounds = chunkBounds(n, options);
  const perChunk: Record<EstimatedMetric, (number | null)[]> = {
    accuracy: [],
    precision: [],
    recall: [],
    f1: [],
    roc_auc: [],
  };
  for (let c = 0; c + 1 < bounds.length; c++) {
    const from = bounds[c]!;
    const to = bounds[c + 1]!;
    if (to <= from) continue;
    const labels = yTrue.subarray(from, to);
    const m = labelMetricsFromCounts(confusionCounts(labels, yPred.subarray(from, to)));
    perChunk.accuracy.push(m.accuracy);
    perChunk.precision.push(m.precision);
    perChunk.recall.push(m.recall);
    perChunk.f1.push(m.f1);
    perChunk.roc_auc.push(rocAuc(labels, score.subarray(from, to)));
  }
  const chunks = bounds.length - 1;
  return {
    threshold,
    calibrator,
    calibration,
    bands: {
      accuracy: band(perChunk.accuracy, sigmas),
      precision: band(perChunk.precision, sigmas),
      recall: band(perChunk.recall, sigmas),
      f1: band(perChunk.f1, sigmas),
      roc_auc: band(perChunk.roc_auc, sigmas),
    },
    reference: { rows: n, chunks, chunk_size: chunks > 0 ? Math.floor(n / chunks) : 0 },
  };
}

/**
 * Estimates accuracy, precision, recall, F1 and ROC AUC of a window from its scores alone (rows with a
 * NaN score ignored). `yPred` are the model's predicted labels; default score ≥ the model's threshold.
 */
export function estimatePerformance(
  model: CbpeModel,
  score: Float64Array,
  yPred?: BinaryVector | null,
): PerformanceEstimate {
  assertScores(score);
  if (yPred && yPred.length !== score.length)
    throw new LengthMismatchError('scores and predictions', score.length, yPred.length);
  const {
    score: scored,
    others: [pred],
  } = dropMissingScores(score, yPred);
  const labels = predictedLabels(scored, pred, model.threshold);
  const calibrated = calibrateScores(model, scored);
  const expected = expectedConfusion(calibrated, labels);
  const metrics = metricsFromExpectedConfusion(expected);
  const estimate = {
    ...metrics,
    roc_auc: scored.length === 0 ? null : estimateRocAuc(scored, calibrationFunction(model.calibrator)),
  };
  const alerts = {} as Record<EstimatedMetric, boolean | null>;
  for (const m of ESTIMATED_METRICS) {
    const b = model.bands[m];
    const v = estimate[m];
    alerts[m] = b === null || v === null ? null : v < b.lower || v > b.upper;
  }
  return { rows: scored.length, expected, ...estimate, bands: model.bands, alerts };
}
