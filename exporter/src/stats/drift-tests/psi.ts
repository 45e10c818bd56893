/** Population stability index: Σ (c − r) · ln(c / r) after replacing empty-bin proportions by 1e-4. */

import { pearsonNoise } from '../calibration';
import { pairwiseSum } from '../numeric';
import type { BinnedPair, DriftTest, DriftTestInput } from '../types';
import { histogramUnavailable, withZeroReplaced } from './common';

export function psi(bins: BinnedPair): number {
  const r = withZeroReplaced(bins.reference);
  const c = withZeroReplaced(bins.current);
  const terms = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) terms[i] = (c[i]! - r[i]!) * Math.log(c[i]! / r[i]!);
  return pairwiseSum(terms);
}

export const psiTest = {
  name: 'psi' as const,
  label: 'PSI',
  statKeys: ['psi'],
  reportedFor: () => true,
  columnTypes: ['numeric', 'categorical'],
  defaultThreshold: 0.1,
  direction: 'distance',
  // ≈ a 0.05σ mean shift of a normal feature over decile bins (PSI ≈ 0.95·δ²): docs/detection.md
  minEffect: 0.002,
  noise: (input, rows, alpha) => pearsonNoise(input.bins, rows, alpha),
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { psi: null }, reason: why };
    const value = psi(input.bins);
    return { score: value, stats: { psi: value } };
  },
} satisfies DriftTest;
