import { type DriftModel, driftIntensity, exceedsThreshold, type FeatureDrift } from './drift';
import type { DriftDirection } from './metrics';

/** One heatmap row: a feature's drift score over the time range, bucketed into columns. */
export interface TimelineRow {
  feature: string;
  method?: string;
  threshold?: number;
  direction: DriftDirection;
  verdict: FeatureDrift['verdict'];
  /** Worst score per column (max for distances, min for p-values); NaN where there is no sample. */
  scores: Float64Array;
  /** driftIntensity of each column's score; NaN where there is no sample. */
  intensity: Float64Array;
  /** Columns whose score is past the threshold. */
  exceededColumns: number;
}

export interface Timeline {
  /** Unix ms of the left edge of column 0 and the right edge of the last column. */
  from: number;
  to: number;
  columns: number;
  rows: TimelineRow[];
  /** Largest number of samples in any series (1 means the score query is an instant query). */
  maxSamples: number;
}

export interface TimelineOptions {
  /** Time range of the panel (Unix ms); defaults to the span of the samples. */
  from?: number;
  to?: number;
  /** Upper bound on columns, normally the pixel width available. */
  maxColumns: number;
}

/** Start of column `i` in Unix ms. */
export function columnStart(t: Timeline, i: number): number {
  return t.from + ((t.to - t.from) * i) / t.columns;
}

/**
 * Bucket each feature's score series onto a shared time axis for the drift-over-time heatmap. Columns
 * are as many as the distinct sample times (the query step) but never more than `maxColumns`; when
 * several samples fall in a column the worst one is kept, so a short drift episode stays visible.
 */
export function buildTimeline(model: DriftModel, options: TimelineOptions): Timeline {
  const seriesList = model.features.map((f) => ({ feature: f, series: model.scoreSeries.get(f.name) }));
  let minT = Number.POSITIVE_INFINITY;
  let maxT = Number.NEGATIVE_INFINITY;
  let maxSamples = 0;
  const distinct = new Set<number>();
  for (const { series } of seriesList) {
    if (!series) {
      continue;
    }
    maxSamples = Math.max(maxSamples, series.times.length);
    for (const t of series.times) {
      if (t < minT) {
        minT = t;
      }
      if (t > maxT) {
        maxT = t;
      }
      if (distinct.size <= options.maxColumns) {
        distinct.add(t);
      }
    }
  }
  let from = options.from ?? minT;
  let to = options.to ?? maxT;
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    from = 0;
    to = 1;
  }
  if (to <= from) {
    to = from + 1;
  }
  const span = to - from;
  // Prometheus range queries sample every `step`: one column per step when it fits.
  const step = estimateStep(seriesList.map((s) => s.series?.times));
  const wanted = step > 0 ? Math.round(span / step) : distinct.size;
  const columns = Math.max(1, Math.min(Math.floor(options.maxColumns), Math.max(wanted, 1)));

  const rows: TimelineRow[] = seriesList.map(({ feature, series }) => {
    const scores = new Float64Array(columns).fill(Number.NaN);
    const intensity = new Float64Array(columns).fill(Number.NaN);
    let exceededColumns = 0;
    const threshold = feature.threshold;
    if (series) {
      const n = series.times.length;
      for (let i = 0; i < n; i++) {
        const v = series.values[i];
        const t = series.times[i]!;
        if (v === null || v === undefined || Number.isNaN(v) || t < from || t > to) {
          continue;
        }
        // the epsilon keeps samples that sit exactly on a column edge (step-aligned) in their own column
        const col = Math.min(columns - 1, Math.floor(((t - from) / span) * columns + 1e-9));
        const prev = scores[col]!;
        const worse = Number.isNaN(prev) || (feature.direction === 'lower' ? v < prev : v > prev);
        if (worse) {
          scores[col] = v;
        }
      }
      for (let c = 0; c < columns; c++) {
        const s = scores[c]!;
        if (Number.isNaN(s)) {
          continue;
        }
        if (threshold !== undefined) {
          intensity[c] = driftIntensity(s, threshold, feature.direction);
          if (exceedsThreshold(s, threshold, feature.direction)) {
            exceededColumns++;
          }
        }
      }
    }
    return {
      feature: feature.name,
      ...(feature.method !== undefined ? { method: feature.method } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      direction: feature.direction,
      verdict: feature.verdict,
      scores,
      intensity,
      exceededColumns,
    };
  });

  return { from, to, columns, rows, maxSamples };
}

/** The smallest positive gap between consecutive samples of the first few series (the query step). */
export function estimateStep(timesList: ReadonlyArray<readonly number[] | undefined>): number {
  let step = Number.POSITIVE_INFINITY;
  let looked = 0;
  for (const times of timesList) {
    if (!times || times.length < 2) {
      continue;
    }
    for (let i = 1; i < times.length; i++) {
      const d = times[i]! - times[i - 1]!;
      if (d > 0 && d < step) {
        step = d;
      }
    }
    if (++looked >= 5) {
      break;
    }
  }
  return Number.isFinite(step) ? step : 0;
}
