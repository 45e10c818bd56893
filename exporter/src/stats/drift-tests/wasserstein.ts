/**
 * Normed Wasserstein distance: W1(ref, cur) / max(std(ref, ddof=0), 0.001), W1 as
 * `scipy.stats.wasserstein_distance` (integral of |F_ref − F_cur| over the pooled sorted values).
 */

import { mulberry32 } from '../multivariate';
import { pooledCdfStats } from '../pooled-cdf';
import { normalIsf } from '../special';
import type { DriftTest, DriftTestInput } from '../types';

/** Floor for the reference standard deviation (a constant reference would otherwise divide by zero). */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/** First Wasserstein distance between two sorted, non-empty samples (same summation as scipy). */
export function wassersteinDistance(uSorted: ArrayLike<number>, vSorted: ArrayLike<number>): number {
  return pooledCdfStats(uSorted, vSorted).wasserstein;
}

/** Paths, grid points and level of the simulation that sizes the null's tail excess (once per reference). */
const NULL_PATHS = 1000;
const NULL_GRID = 128;
const NULL_LEVEL = 0.05;
const NULL_SEED = 0x5eed;
const excessCache = new WeakMap<object, number>();

const normalsCache = new Map<number, Float64Array>();

/**
 * The standard normals the simulation draws, path after path (g + 1 per path), from the seeded
 * generator (mulberry32, Box–Muller in pairs). They do not depend on the reference, so they are drawn
 * once per grid size and shared by every column: the same numbers, in the same order, as drawing them
 * per call.
 */
function bridgeNormals(g: number): Float64Array {
  let z = normalsCache.get(g);
  if (z !== undefined) return z;
  z = new Float64Array(NULL_PATHS * (g + 1));
  const rand = mulberry32(NULL_SEED);
  for (let i = 0; i < z.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(rand() || Number.MIN_VALUE));
    const angle = 2 * Math.PI * rand();
    z[i] = radius * Math.cos(angle);
    if (i + 1 < z.length) z[i + 1] = radius * Math.sin(angle);
  }
  normalsCache.set(g, z);
  return z;
}

/**
 * The simulated paths' weighted L1 norms (wassersteinTailExcess): per path, a random walk with the given
 * steps over the normals `z` (g + 1 per path), tied down at its end, |B(t_j)| weighted by the widths. A
 * function of its own so V8 compiles this loop once (docs/benchmarks.md).
 */
function bridgeL1Norms(
  z: Float64Array,
  step: Float64Array,
  cdf: Float64Array,
  width: Float64Array,
): Float64Array {
  const g = cdf.length;
  const w = new Float64Array(g);
  const norms = new Float64Array(NULL_PATHS);
  for (let p = 0, at = 0; p < NULL_PATHS; p++) {
    let walk = 0;
    for (let j = 0; j < g; j++) {
      walk += step[j]! * z[at++]!;
      w[j] = walk;
    }
    const end = walk + step[g]! * z[at++]!;
    let norm = 0;
    for (let j = 0; j < g; j++) norm += Math.abs(w[j]! - cdf[j]! * end) * width[j]!;
    norms[p] = norm;
  }
  return norms;
}

/**
 * How far the limit of the normed distance, ‖B∘F‖₁/scale for a Brownian bridge B, reaches beyond its
 * largest linear component |∫B∘F dx|/scale ~ σ/scale·|N(0, 1)| (the mean-shift direction, which has the
 * largest variance: the bridge's covariance is positive): its upper NULL_LEVEL quantile minus that
 * component's, by simulating the bridge on the reference's quantile grid (seeded, deterministic).
 * The excess shrinks further out in the tail (for a normal reference 0.13 at 1e-2, 0.05 at 1e-5), so
 * adding it at NULL_LEVEL is conservative for the smaller levels the budget asks for.
 */
export function wassersteinTailExcess(ref: Float64Array, scale: number, sigma: number): number {
  const n = ref.length;
  const g = Math.min(NULL_GRID, n);
  const cdf = new Float64Array(g);
  const width = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    const at = g === 1 ? 0 : Math.round((j * (n - 1)) / (g - 1));
    const next = j + 1 < g ? Math.round(((j + 1) * (n - 1)) / (g - 1)) : at;
    cdf[j] = (at + 1) / n;
    width[j] = (ref[next]! - ref[at]!) / scale;
  }
  // The walk's step sizes: √ of the probability between consecutive grid points.
  const step = new Float64Array(g + 1);
  for (let j = 0; j < g; j++) step[j] = Math.sqrt(cdf[j]! - (j === 0 ? 0 : cdf[j - 1]!));
  step[g] = Math.sqrt(1 - cdf[g - 1]!);
  const norms = bridgeL1Norms(bridgeNormals(g), step, cdf, width);
  norms.sort();
  const quantile = norms[Math.ceil((1 - NULL_LEVEL) * NULL_PATHS) - 1]!;
  return Math.max(0, quantile - sigma * normalIsf(NULL_LEVEL / 2));
}

/**
 * Score that sampling noise alone exceeds with probability about `alpha` (docs/detection.md). Under no
 * drift √(nm/(n+m))·W1/scale converges to ‖B∘F‖₁/scale, whose tail is that of its mean-shift component,
 * σ/scale·|N(0, 1)|, plus a small excess sized once per reference (`wassersteinTailExcess`).
 */
export function wassersteinNoise(
  input: DriftTestInput,
  rows: { reference: number; current: number },
  alpha: number,
): number | null {
  const ref = input.referenceSorted;
  if (
    ref === null ||
    ref.length < 2 ||
    input.referenceStd === null ||
    rows.reference <= 0 ||
    rows.current <= 0
  )
    return null;
  const scale = Math.max(input.referenceStd, WASSERSTEIN_STD_FLOOR);
  const sigma = Math.min(1, input.referenceStd / scale);
  const key = input.referenceProfile ?? null;
  let excess = key === null ? undefined : excessCache.get(key);
  if (excess === undefined) {
    excess = wassersteinTailExcess(ref, scale, sigma);
    if (key !== null) excessCache.set(key, excess);
  }
  return (sigma * normalIsf(alpha / 2) + excess) * Math.sqrt(1 / rows.reference + 1 / rows.current);
}

export const wassersteinTest = {
  name: 'wasserstein' as const,
  label: 'Wasserstein',
  statKeys: ['wasserstein_normed'],
  reportedFor: (type) => type === 'numeric',
  columnTypes: ['numeric'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // in units of the reference σ: exactly a 0.05σ location shift (docs/detection.md)
  minEffect: 0.05,
  noise: wassersteinNoise,
  compute(input: DriftTestInput) {
    const ref = input.referenceSorted;
    const cur = input.currentSorted;
    if (ref === null || cur === null || ref.length === 0 || cur.length === 0 || input.referenceStd === null) {
      return {
        score: null,
        stats: { wasserstein_normed: null },
        reason: 'Wasserstein needs values on both sides',
      };
    }
    const w = wassersteinDistance(ref, cur) / Math.max(input.referenceStd, WASSERSTEIN_STD_FLOOR);
    return { score: w, stats: { wasserstein_normed: w } };
  },
} satisfies DriftTest;
