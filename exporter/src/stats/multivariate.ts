/**
 * Multivariate drift: tests that look at all numeric features together and can see changes no
 * single-feature test shows (a changed correlation, a shift spread thinly over many features).
 *
 * - `mmdTest`: squared maximum mean discrepancy with a Gaussian kernel (median-heuristic bandwidth) and
 *   a permutation p-value.
 * - `domainClassifier`: how well a logistic regression tells reference rows from current rows
 *   (k-fold cross-validated ROC AUC; 0.5 = indistinguishable), with per-feature importance.
 *
 * Both work on a bounded, seeded random subsample of rows, with every feature standardised by the
 * reference mean and standard deviation; a missing (NaN/±inf) value is imputed by the reference mean
 * (0 after standardising). Pure: the same inputs and seed give the same result.
 */
import { medianInPlace } from './numeric';
import { rocAuc } from './performance';

/** A numeric feature observed on both sides (values row-aligned within each side; NaN = missing). */
export interface MultivariateFeature {
  name: string;
  reference: ArrayLike<number>;
  current: ArrayLike<number>;
}

export interface MultivariateOptions {
  /** Rows kept per side (uniform random subsample without replacement); default 500. */
  maxRowsPerSide?: number;
  /** PRNG seed; default 42. */
  seed?: number;
}

/** Small, fast, seedable PRNG (mulberry32); uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct indices of 0…n−1 in random order (partial Fisher–Yates); all of them when k ≥ n. */
function sampleIndices(n: number, k: number, rand: () => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const take = Math.min(k, n);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, take);
}

interface Standardised {
  /** Row-major matrices (rows × d) of the kept rows. */
  reference: Float64Array;
  current: Float64Array;
  nRef: number;
  nCur: number;
  d: number;
}

function lengthOf(a: ArrayLike<number>): number {
  return a.length;
}

/** Per feature, the mean and the scale (std, ddof 0; 1 when 0) of its finite reference values. */
export interface ReferenceMoments {
  mean: Float64Array;
  scale: Float64Array;
}

/** The moments standardise uses; computed once when both tests run on the same features. */
export function referenceMoments(features: readonly MultivariateFeature[]): ReferenceMoments {
  const mean = new Float64Array(features.length);
  const scale = new Float64Array(features.length);
  for (const [j, f] of features.entries()) {
    const { sum, count } = finiteSum(f.reference);
    const mu = count > 0 ? sum / count : 0;
    const sd = count > 0 ? Math.sqrt(finiteSquaredDeviations(f.reference, mu) / count) : 0;
    mean[j] = mu;
    scale[j] = sd > 0 ? sd : 1;
  }
  return { mean, scale };
}

// The two passes of referenceMoments, each a function of its own (V8 compiles each loop once;
// docs/benchmarks.md).

function finiteSum(values: ArrayLike<number>): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return { sum, count };
}

function finiteSquaredDeviations(values: ArrayLike<number>, mu: number): number {
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) ss += (v - mu) * (v - mu);
  }
  return ss;
}

/** Subsample rows and standardise every feature by the reference mean and std (std 0 → scale 1). */
function standardise(
  features: readonly MultivariateFeature[],
  opts: MultivariateOptions,
  rand: () => number,
  moments?: ReferenceMoments,
): Standardised {
  const d = features.length;
  if (d === 0) throw new RangeError('multivariate drift needs at least one feature');
  const nRefAll = lengthOf(features[0]!.reference);
  const nCurAll = lengthOf(features[0]!.current);
  for (const f of features) {
    if (f.reference.length !== nRefAll || f.current.length !== nCurAll) {
      throw new RangeError(`feature "${f.name}" has a different number of rows than "${features[0]!.name}"`);
    }
  }
  const cap = opts.maxRowsPerSide ?? 500;
  const refRows = sampleIndices(nRefAll, cap, rand);
  const curRows = sampleIndices(nCurAll, cap, rand);
  const reference = new Float64Array(refRows.length * d);
  const current = new Float64Array(curRows.length * d);
  const { mean, scale } = moments ?? referenceMoments(features);
  features.forEach((f, j) => {
    const mu = mean[j]!;
    const sd = scale[j]!;
    const put = (out: Float64Array, rows: Int32Array, src: ArrayLike<number>) => {
      for (let r = 0; r < rows.length; r++) {
        const v = src[rows[r]!]!;
        out[r * d + j] = Number.isFinite(v) ? (v - mu) / sd : 0;
      }
    };
    put(reference, refRows, f.reference);
    put(current, curRows, f.current);
  });
  return { reference, current, nRef: refRows.length, nCur: curRows.length, d };
}

// ---------------------------------------------------------------------------------------------------
// MMD

export interface MmdOptions extends MultivariateOptions {
  /** Label permutations for the p-value; default 100. */
  permutations?: number;
}

export interface MmdResult {
  /** Unbiased estimate of MMD² (can be slightly negative when the distributions agree). */
  mmd2: number;
  /** Permutation p-value (1 + #{permuted MMD² ≥ observed}) / (1 + permutations). */
  pValue: number;
  /** Kernel bandwidth σ² (median of pooled pairwise squared distances); k(a, b) = exp(−‖a−b‖² / (2σ²)). */
  bandwidth: number;
  permutations: number;
  rows: { reference: number; current: number };
}

/**
 * The sums of the pooled kernel matrix that do not depend on the labelling, from its upper triangle `K`
 * (packed row after row: row i holds columns i + 1 … N − 1): each row's sum over every other row, and the
 * sum of all pairs.
 */
function kernelSums(K: Float64Array, N: number): { rowSums: Float64Array; total: number } {
  const rowSums = new Float64Array(N);
  let total = 0;
  for (let i = 0, at = 0; i < N; i++) {
    let upper = 0;
    for (let j = i + 1; j < N; j++) {
      const k = K[at++]!;
      upper += k;
      rowSums[j] = rowSums[j]! + k;
    }
    rowSums[i] = rowSums[i]! + upper;
    total += upper;
  }
  return { rowSums, total };
}

/**
 * Unbiased MMD² for the labelling `isRef` (1 for reference rows, 0 for current rows; nRef of them) from
 * the packed upper triangle `K` and kernelSums. Only the reference–reference sum A needs the pairs (the
 * rows of reference rows, branch-free over their later reference rows); with R, the reference rows' sums,
 * the cross sum is C = R − 2A and the current–current sum B = total − R + A.
 */
function mmd2FromKernel(
  K: Float64Array,
  N: number,
  isRef: Float64Array,
  nRef: number,
  sums: { rowSums: Float64Array; total: number },
): number {
  const nCur = N - nRef;
  const { refRef, refRows } = referencePairSums(K, N, isRef, sums.rowSums);
  const cross = refRows - 2 * refRef;
  const curCur = sums.total - refRows + refRef;
  return (
    (2 * refRef) / (nRef * (nRef - 1)) + (2 * curCur) / (nCur * (nCur - 1)) - (2 * cross) / (nRef * nCur)
  );
}

/**
 * For mmd2FromKernel: A, the sum of K over pairs of reference rows, and R, the reference rows' row sums.
 * Per reference row i, its entries to the later reference rows, in column order: the sum of K[i][j]·isRef[j]
 * over every later j without the zero terms, which add nothing (K ≥ 0), so the same sum to the bit in half
 * the additions. Its own function so V8 compiles the loop once (docs/benchmarks.md).
 */
export function referencePairSums(
  K: Float64Array,
  N: number,
  isRef: Float64Array,
  rowSums: Float64Array,
): { refRef: number; refRows: number } {
  const refs = new Int32Array(N);
  let m = 0;
  for (let j = 0; j < N; j++) if (isRef[j] === 1) refs[m++] = j;
  let refRef = 0;
  let refRows = 0;
  for (let a = 0; a < m; a++) {
    const i = refs[a]!;
    // Row i of the packed triangle starts after rows 0 … i − 1 (N − 1 − r entries each); K[i][j] is at
    // start + j − i − 1.
    const start = i * (N - 1) - (i * (i - 1)) / 2 - i - 1;
    let toRef = 0;
    for (let b = a + 1; b < m; b++) toRef += K[start + refs[b]!]!;
    refRef += toRef;
    refRows += rowSums[i]!;
  }
  return { refRef, refRows };
}

/**
 * The squared Euclidean distances between the rows of X (N rows of d), the upper triangle packed row after
 * row. This and gaussianKernel are functions of their own so V8 compiles each loop once
 * (docs/benchmarks.md).
 */
function squaredDistances(X: Float64Array, N: number, d: number): Float64Array {
  const K = new Float64Array((N * (N - 1)) / 2);
  for (let i = 0, at = 0; i < N; i++) {
    const xi = i * d;
    for (let j = i + 1; j < N; j++) {
      const xj = j * d;
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const diff = X[xi + k]! - X[xj + k]!;
        dist += diff * diff;
      }
      K[at++] = dist;
    }
  }
  return K;
}

/** exp(−D / 2σ²) in place over the squared distances D. */
function gaussianKernel(K: Float64Array, bandwidth: number): void {
  for (let at = 0; at < K.length; at++) K[at] = Math.exp(-K[at]! / (2 * bandwidth));
}

/**
 * Kernel two-sample test (Gretton et al. 2012): unbiased MMD² with a Gaussian kernel whose bandwidth is
 * the median heuristic, and a permutation p-value. Needs at least 2 rows per side.
 */
export function mmdTest(
  features: readonly MultivariateFeature[],
  opts: MmdOptions = {},
  moments?: ReferenceMoments,
): MmdResult {
  const rand = mulberry32(opts.seed ?? 42);
  const permutations = opts.permutations ?? 100;
  const s = standardise(features, opts, rand, moments);
  const { nRef, nCur, d } = s;
  if (nRef < 2 || nCur < 2) throw new RangeError('MMD needs at least two rows on each side');
  const N = nRef + nCur;
  const X = new Float64Array(N * d);
  X.set(s.reference, 0);
  X.set(s.current, nRef * d);
  // Pairwise squared distances (the upper triangle, packed), median bandwidth, then the kernel in place.
  const K = squaredDistances(X, N, d);
  let bandwidth = medianInPlace(K.slice());
  if (!(bandwidth > 0)) bandwidth = 1; // all rows identical: any bandwidth gives MMD² = 0
  gaussianKernel(K, bandwidth);

  const labels = new Float64Array(N);
  labels.fill(1, 0, nRef);
  const sums = kernelSums(K, N);
  const observed = mmd2FromKernel(K, N, labels, nRef, sums);
  let atLeast = 0;
  const perm = labels.slice();
  for (let p = 0; p < permutations; p++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    if (mmd2FromKernel(K, N, perm, nRef, sums) >= observed) atLeast++;
  }
  return {
    mmd2: observed,
    pValue: (1 + atLeast) / (1 + permutations),
    bandwidth,
    permutations,
    rows: { reference: nRef, current: nCur },
  };
}

// ---------------------------------------------------------------------------------------------------
// Domain classifier

export interface DomainClassifierOptions extends MultivariateOptions {
  /** Cross-validation folds (stratified); default 5. */
  folds?: number;
  /** L2 penalty on the weights (not the intercept), as scikit-learn's 1/C; default 1. */
  l2?: number;
}

export interface DomainClassifierResult {
  /** Mean out-of-fold ROC AUC of telling current (1) from reference (0); 0.5 = no drift. */
  auc: number;
  foldAuc: number[];
  /** Share of |standardised weight| per feature from a fit on all kept rows (sums to 1; 0s if all weights are 0). */
  importance: Record<string, number>;
  /** Weights of that fit (standardised features) and its intercept. */
  coefficients: Record<string, number>;
  intercept: number;
  rows: { reference: number; current: number };
}

/** Solve the symmetric positive-definite system A x = b (Cholesky); A is k × k row-major. */
function solveSpd(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * k + j]!;
      for (let p = 0; p < j; p++) sum -= L[i * k + p]! * L[j * k + p]!;
      if (i === j) L[i * k + i] = Math.sqrt(Math.max(sum, 1e-300));
      else L[i * k + j] = sum / L[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let p = 0; p < i; p++) sum -= L[i * k + p]! * y[p]!;
    y[i] = sum / L[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let p = i + 1; p < k; p++) sum -= L[p * k + i]! * x[p]!;
    x[i] = sum / L[i * k + i]!;
  }
  return x;
}

/**
 * fitLogistic's sums over the rows at `beta`: the log-loss gradient into `grad` and the lower triangle
 * and first column of the Hessian into `H` (k = d + 1, feature vector (1, x_i)). A function of its own so
 * V8 compiles this loop once (docs/benchmarks.md).
 */
function logisticGradientHessian(
  X: Float64Array,
  y: Uint8Array,
  n: number,
  d: number,
  beta: Float64Array,
  grad: Float64Array,
  H: Float64Array,
): void {
  const k = d + 1;
  for (let i = 0; i < n; i++) {
    let z = beta[0]!;
    for (let j = 0; j < d; j++) z += beta[j + 1]! * X[i * d + j]!;
    const p = 1 / (1 + Math.exp(-z));
    const r = p - y[i]!;
    const w = Math.max(p * (1 - p), 1e-12);
    grad[0]! += r;
    H[0]! += w;
    for (let a = 0; a < d; a++) {
      const xa = X[i * d + a]!;
      grad[a + 1]! += r * xa;
      H[a + 1]! += w * xa;
      for (let b = 0; b <= a; b++) H[(a + 1) * k + (b + 1)]! += w * xa * X[i * d + b]!;
    }
  }
}

/**
 * L2-penalised logistic regression by Newton's method: minimises Σ log-loss + (l2/2)‖w‖² (intercept
 * unpenalised) — scikit-learn's `LogisticRegression(C=1/l2)` objective. Returns [intercept, w…].
 */
export function fitLogistic(X: Float64Array, y: Uint8Array, n: number, d: number, l2 = 1): Float64Array {
  const k = d + 1;
  let beta = new Float64Array(k);
  for (let iter = 0; iter < 100; iter++) {
    const grad = new Float64Array(k);
    const H = new Float64Array(k * k);
    logisticGradientHessian(X, y, n, d, beta, grad, H);
    for (let a = 1; a < k; a++) {
      grad[a]! += l2 * beta[a]!;
      H[a * k + a]! += l2;
    }
    // Symmetrise (only the lower triangle and first column were accumulated).
    for (let a = 1; a < k; a++) H[a * k] = H[a]!;
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) H[a * k + b] = H[b * k + a]!;
    const step = solveSpd(H, grad, k);
    const next = new Float64Array(k);
    let change = 0;
    for (let a = 0; a < k; a++) {
      next[a] = beta[a]! - step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    beta = next;
    if (change < 1e-10) break;
  }
  return beta;
}

function predict(beta: Float64Array, X: Float64Array, rows: Int32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    let z = beta[0]!;
    for (let j = 0; j < d; j++) z += beta[j + 1]! * X[i * d + j]!;
    out[r] = z; // the AUC only needs the ranking: the linear score is enough
  }
  return out;
}

/**
 * Domain classifier: stratified k-fold cross-validated ROC AUC of a logistic regression separating
 * current rows from reference rows, plus per-feature importance from a fit on all kept rows.
 */
export function domainClassifier(
  features: readonly MultivariateFeature[],
  opts: DomainClassifierOptions = {},
  moments?: ReferenceMoments,
): DomainClassifierResult {
  const rand = mulberry32(opts.seed ?? 42);
  const folds = opts.folds ?? 5;
  const l2 = opts.l2 ?? 1;
  const s = standardise(features, opts, rand, moments);
  const { nRef, nCur, d } = s;
  if (nRef < folds || nCur < folds)
    throw new RangeError(`the domain classifier needs at least ${folds} rows on each side`);
  const N = nRef + nCur;
  const X = new Float64Array(N * d);
  X.set(s.reference, 0);
  X.set(s.current, nRef * d);
  const y = new Uint8Array(N);
  y.fill(1, nRef);

  // Stratified folds: shuffle each class, deal rows round-robin.
  const fold = new Int32Array(N);
  const deal = (start: number, count: number) => {
    const order = sampleIndices(count, count, rand);
    for (let r = 0; r < count; r++) fold[start + order[r]!] = r % folds;
  };
  deal(0, nRef);
  deal(nRef, nCur);

  const foldAuc: number[] = [];
  for (let f = 0; f < folds; f++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let i = 0; i < N; i++) (fold[i] === f ? testRows : trainRows).push(i);
    const Xt = new Float64Array(trainRows.length * d);
    const yt = new Uint8Array(trainRows.length);
    trainRows.forEach((i, r) => {
      Xt.set(X.subarray(i * d, i * d + d), r * d);
      yt[r] = y[i]!;
    });
    const beta = fitLogistic(Xt, yt, trainRows.length, d, l2);
    const test = Int32Array.from(testRows);
    const scores = predict(beta, X, test, d);
    const labels = Uint8Array.from(testRows, (i) => y[i]!);
    foldAuc.push(rocAuc(labels, scores) ?? 0.5);
  }
  const auc = foldAuc.reduce((a, b) => a + b, 0) / folds;

  const beta = fitLogistic(X, y, N, d, l2);
  let total = 0;
  for (let j = 0; j < d; j++) total += Math.abs(beta[j + 1]!);
  const importance: Record<string, number> = {};
  const coefficients: Record<string, number> = {};
  features.forEach((f, j) => {
    importance[f.name] = total > 0 ? Math.abs(beta[j + 1]!) / total : 0;
    coefficients[f.name] = beta[j + 1]!;
  });
  return {
    auc,
    foldAuc,
    importance,
    coefficients,
    intercept: beta[0]!,
    rows: { reference: nRef, current: nCur },
  };
}

// ---------------------------------------------------------------------------------------------------
// Both tests together, as reported by `compare` (drift.multivariate) and exported by the exporter
// (modelwatch_multivariate_drift_score{method="mmd"|"classifier"}).

export interface MultivariateDriftReport {
  /** Numeric features used (categorical features are not part of the multivariate tests). */
  features: string[];
  /** MMD²: score is the unbiased MMD² estimate, p_value the permutation p-value. */
  mmd: {
    score: number;
    p_value: number;
    bandwidth: number;
    permutations: number;
    rows: { reference: number; current: number };
  } | null;
  /** Domain classifier: score is the cross-validated ROC AUC (0.5 = indistinguishable). */
  classifier: {
    score: number;
    fold_auc: number[];
    importance: Record<string, number>;
    rows: { reference: number; current: number };
  } | null;
  /** Why a test gave no result (too few rows). */
  reason?: string;
}

/** Runs MMD and the domain classifier on the numeric features; null when there is no numeric feature. */
export function multivariateDrift(
  features: readonly MultivariateFeature[],
  opts: MmdOptions & DomainClassifierOptions = {},
): MultivariateDriftReport | null {
  if (features.length === 0) return null;
  const report: MultivariateDriftReport = {
    features: features.map((f) => f.name),
    mmd: null,
    classifier: null,
  };
  const reasons: string[] = [];
  const moments = referenceMoments(features);
  try {
    const m = mmdTest(features, opts, moments);
    const mmd2 = Number.isFinite(m.mmd2) ? m.mmd2 : null;
    if (mmd2 === null) reasons.push('mmd: not defined for these data');
    else
      report.mmd = {
        score: mmd2,
        p_value: m.pValue,
        bandwidth: m.bandwidth,
        permutations: m.permutations,
        rows: m.rows,
      };
  } catch (err) {
    reasons.push(`mmd: ${(err as Error).message}`);
  }
  try {
    const c = domainClassifier(features, opts, moments);
    if (Number.isFinite(c.auc)) {
      report.classifier = { score: c.auc, fold_auc: c.foldAuc, importance: c.importance, rows: c.rows };
    } else reasons.push('classifier: not defined for these data');
  } catch (err) {
    reasons.push(`classifier: ${(err as Error).message}`);
  }
  if (reasons.length) report.reason = reasons.join('; ');
  return report;
}
