/**
 * Jensen–Shannon distance as `scipy.spatial.distance.jensenshannon(r, c)`: natural log, the square root
 * of the divergence, no zero replacement.
 */

import { pearsonNoise } from '../calibration';
import { pairwiseSum } from '../numeric';
import type { DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable } from './common';

/** scipy.special.rel_entr(x, y) for x, y ≥ 0. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/** Jensen–Shannon distance of two non-negative weight vectors (normalised here, as scipy does). */
export function jensenShannonDistance(pIn: Float64Array, qIn: Float64Array): number {
  const ps = pairwiseSum(pIn);
  const qs = pairwiseSum(qIn);
  const k = pIn.length;
  const left = new Float64Array(k);
  const right = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const p = pIn[i]! / ps;
    const q = qIn[i]! / qs;
    const m = (p + q) / 2;
    left[i] = relEntr(p, m);
    right[i] = relEntr(q, m);
  }
  const js = pairwiseSum(left) + pairwiseSum(right);
  // Rounding can leave a divergence of identical histograms a hair below zero; scipy would return NaN.
  return Math.sqrt(Math.max(js, 0) / 2);
}

export const jensenShannonTest = {
  name: 'jensenshannon' as const,
  label: 'Jensen–Shannon',
  statKeys: ['jensenshannon'],
  reportedFor: () => true,
  columnTypes: ['numeric', 'categorical'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // ≈ a 0.05σ mean shift over decile bins, or a 2-point move of a balanced binary feature: docs/detection.md
  minEffect: 0.015,
  noise(input, rows, alpha) {
    const q = pearsonNoise(input.bins, rows, alpha);
    return q === null ? null : Math.sqrt(q / 8);
  },
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { jensenshannon: null }, reason: why };
    const value = jensenShannonDistance(input.bins.reference, input.bins.current);
    return { score: value, stats: { jensenshannon: value } };
  },
} satisfies DriftTest;
