/** Kullback–Leibler divergence KL(ref ‖ cur) = Σ r · ln(r / c) after replacing empty-bin proportions by 1e-4. */

import { pearsonNoise } from '../calibration';
import { pairwiseSum } from '../numeric';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable, withZeroReplaced } from './common';

export function klDivergence(bins: BinnedPair): number {
  const r = withZeroReplaced(bins.reference);
  const c = withZeroReplaced(bins.current);
  const terms = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) terms[i] = r[i]! * Math.log(r[i]! / c[i]!);
  return pairwiseSum(terms);
}

export const klTest = {
  name: 'kl' as const,
  label: 'KL',
  statKeys: ['kl'],
  reportedFor: () => true,
  columnTypes: ['numeric', 'categorical'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // ≈ a 0.05σ mean shift over decile bins (KL ≈ ½·PSI to second order): docs/detection.md
  minEffect: 0.001,
  noise(input, rows, alpha) {
    const q = pearsonNoise(input.bins, rows, alpha);
    return q === null ? null : q / 2;
  },
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { kl: null }, reason: why };
    const value = klDivergence(input.bins);
    return { score: value, stats: { kl: value } };
  },
} satisfies DriftTest;
