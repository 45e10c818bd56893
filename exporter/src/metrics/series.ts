/**
 * Shapes a drift result's histogram into `feature_bin_ratio` series with bounded cardinality: at most
 * `maxBins` bins per feature; for categorical (or discrete numeric) features the reference's most
 * frequent values are kept and everything else is summed into `__other__` — the same folding the
 * observation counters use (evaluate/bins.ts), so fleet-wide recording rules see matching bins.
 */
import { keptCategories } from '../evaluate/bins';
import { OTHER } from '../evaluate/window';
import type { BinnedPair } from '../stats/types';

export interface BinSeries {
  bin: string;
  reference: number;
  current: number;
}

export function binRatioSeries(bins: BinnedPair, maxBins: number): BinSeries[] {
  const n = bins.labels.length;
  const isQuantile = bins.lower.some((l) => l !== null);
  if (isQuantile || n <= maxBins - 1) {
    return bins.labels.map((bin, i) => ({ bin, reference: bins.reference[i]!, current: bins.current[i]! }));
  }
  const kept = new Set(
    keptCategories(
      bins.labels
        .map((label, i) => [label, bins.referenceCounts[i]!] as [string, number])
        .filter(([, c]) => c > 0),
      maxBins,
    ),
  );
  const out: BinSeries[] = [];
  const other: BinSeries = { bin: OTHER, reference: 0, current: 0 };
  for (let i = 0; i < n; i++) {
    const label = bins.labels[i]!;
    if (kept.has(label)) out.push({ bin: label, reference: bins.reference[i]!, current: bins.current[i]! });
    else {
      other.reference += bins.reference[i]!;
      other.current += bins.current[i]!;
    }
  }
  out.push(other);
  return out;
}
