/** Hellinger distance sqrt(½ · Σ (√r − √c)²) over the shared bins. */

import { pearsonNoise } from '../calibration';
import { pairwiseSum } from '../numeric';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable } from './common';

export function hellingerDistance(bins: BinnedPair): number {
  const k = bins.reference.length;
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const d = Math.sqrt(bins.reference[i]!) - Math.sqrt(bins.current[i]!);
    terms[i] = d * d;
  }
  return Math.sqrt(0.5 * pairwiseSum(terms));
}

export const hellingerTest = {
  name: 'hellinger' as const,
  label: 'Hellinger',
  statKeys: ['hellinger'],
  reportedFor: () => true,
  columnTypes: ['numeric', 'categorical'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // ≈ a 0.05σ mean shift over decile bins (H² ≈ JS divergence to second order): docs/detection.md
  minEffect: 0.015,
  noise(input, rows, alpha) {
    const q = pearsonNoise(input.bins, rows, alpha);
    return q === null ? null : Math.sqrt(q / 8);
  },
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { hellinger: null }, reason: why };
    const value = hellingerDistance(input.bins);
    return { score: value, stats: { hellinger: value } };
  },
} satisfies DriftTest;
