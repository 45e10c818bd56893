/** Population stability index: Σ (c − r) · ln(c / r) after replacing empty-bin proportions by 1e-4. */
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

export const psiTest: DriftTest = {
  name: 'psi',
  columnTypes: ['numeric', 'categorical'],
  defaultThreshold: 0.1,
  direction: 'distance',
  compute(input: DriftTestInput) {
    const why = histogramUnavailable(input.bins);
    if (why !== null) return { score: null, stats: { psi: null }, reason: why };
    const value = psi(input.bins);
    return { score: value, stats: { psi: value } };
  },
};
