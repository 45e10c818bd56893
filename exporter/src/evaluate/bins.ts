/**
 * Assigns single values to the reference profile's bins as they are read, for the mergeable
 * `feature_bin_observations_total` counters. Same rule and labels as stats/binning.ts (checked by a
 * test against the drift result's bins): quantile bins → label of the bin's upper edge ("+Inf" last),
 * bin index = number of edges ≤ x; otherwise the value or category itself. Values outside the
 * reference's (capped) set of values fall into `__other__`, so a hostile client cannot create series.
 * `BinObservations` keeps those counters per model.
 */
import type { ColumnProfile } from '../stats/types';
import { OTHER } from './window';

/**
 * Observations per feature and reference bin since start. The bins follow the active reference; the
 * counts of an earlier reference's bins are kept (retired), so the counters never go down.
 */
export class BinObservations {
  /** Per feature of the active reference: its bins and counts (fast path, typed arrays). */
  private readonly active = new Map<string, { indexer: BinIndexer; counts: Float64Array }>();
  private readonly retired = new Map<string, Map<string, number>>();

  constructor(private readonly maxCategories: number) {}

  /** Bins of a new reference (null: none); the current counts are retired. */
  setReference(features: Readonly<Record<string, ColumnProfile>> | null): void {
    for (const [feature, { indexer, counts }] of this.active) {
      const retired = this.retired.get(feature) ?? new Map<string, number>();
      this.retired.set(feature, retired);
      indexer.labels.forEach((label, i) => {
        if (counts[i]! > 0) retired.set(label, (retired.get(label) ?? 0) + counts[i]!);
      });
    }
    this.active.clear();
    if (!features) return;
    for (const [name, profile] of Object.entries(features)) {
      const indexer = binIndexer(profile, this.maxCategories);
      this.active.set(name, { indexer, counts: new Float64Array(indexer.labels.length) });
    }
  }

  /** Counts one row's feature values. */
  count(features: Readonly<Record<string, unknown>>): void {
    for (const [feature, bins] of this.active) {
      const i = bins.indexer.index(features[feature]);
      if (i >= 0) bins.counts[i]!++;
    }
  }

  /** Observations per feature and bin label since start (`feature_bin_observations_total`). */
  totals(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [feature, retired] of this.retired) out.set(feature, new Map(retired));
    for (const [feature, { indexer, counts }] of this.active) {
      const m = out.get(feature) ?? new Map<string, number>();
      out.set(feature, m);
      indexer.labels.forEach((label, i) => {
        m.set(label, (m.get(label) ?? 0) + counts[i]!);
      });
    }
    return out;
  }
}

export interface BinIndexer {
  labels: string[];
  /** Bin index of a value, or -1 for a missing value. */
  index(value: unknown): number;
}

export function binIndexer(profile: ColumnProfile, maxCategories: number): BinIndexer {
  if (profile.type === 'numeric' && profile.edges) {
    const edges = profile.edges;
    return {
      labels: [...edges.map((e) => String(e)), '+Inf'],
      index(value) {
        if (typeof value !== 'number' || !Number.isFinite(value)) return -1;
        let lo = 0;
        let hi = edges.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (edges[mid]! <= value) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      },
    };
  }
  const counts: [string, number][] =
    profile.type === 'numeric'
      ? (profile.valueCounts ?? []).map(([v, c]) => [String(v), c])
      : profile.categoryCounts.map(([v, c]) => [v, c]);
  const kept = keptCategories(counts, maxCategories);
  const labels = [...kept, OTHER];
  const index = new Map(kept.map((label, i) => [label, i]));
  const other = kept.length;
  const numeric = profile.type === 'numeric';
  return {
    labels,
    index(value) {
      if (value === null || value === undefined || typeof value === 'object') return -1;
      if (numeric && (typeof value !== 'number' || !Number.isFinite(value))) return -1;
      return index.get(String(value)) ?? other;
    },
  };
}

/** The reference's most frequent categories, at most `max - 1` (one label is kept for `__other__`). */
export function keptCategories(counts: readonly [string, number][], max: number): string[] {
  if (counts.length < max) return counts.map(([v]) => v);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max - 1)
    .map(([v]) => v);
}
