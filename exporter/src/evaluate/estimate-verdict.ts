/**
 * The label-free performance estimate of one model (CBPE, binary classifiers with scores in a labelled
 * reference) on the current window, and its verdict: a finding when an estimated metric leaves its band
 * (below it: likely degradation, before labels confirm it). Owns the fitted models (per reference,
 * decision threshold and chunk size) and the below-band streak.
 */
import {
  type CbpeModel,
  ESTIMATED_METRICS,
  estimatePerformance,
  fitCbpe,
  type PerformanceEstimate,
} from '../stats/estimation';
import type { Task } from '../stats/performance';
import { type EncodedRows, encodeRows, outcomeSource } from './encoding';
import { usableRows } from './performance';
import { MIN_NOISE_CHUNK_ROWS, MIN_NOISE_CHUNKS } from './performance-verdict';
import type { Finding } from './report';
import type { ActiveReference } from './settings';

type CbpeRows = { yTrue: Uint8Array; score: Float64Array; yPred: Uint8Array };

export class EstimateVerdict {
  private below = 0;
  private cache: {
    referenceId: number;
    threshold: number;
    rows: CbpeRows;
    /** Fits per chunk size. */
    fits: Map<number, { model: CbpeModel | null; problem: string | null }>;
  } | null = null;

  /** Consecutive evaluations with an estimated metric below its band (up to the last `evaluate`). */
  get streak(): number {
    return this.below;
  }

  reset(): void {
    this.below = 0;
  }

  /**
   * The estimate on the current window's scored rows (null when the task is not binary, the reference
   * has no outcomes, or no row is scored) and its findings; with fewer than `minRows` scored rows, no
   * verdict.
   */
  evaluate(
    task: Task | null,
    ref: ActiveReference | null,
    encoded: EncodedRows,
    slots: Int32Array,
    threshold: number,
    minRows: number,
    findings: Finding[],
    notes: string[],
  ): PerformanceEstimate | null {
    const estimate =
      (task ?? 'binary') === 'binary' && ref?.profile.outcomes
        ? this.estimate(ref, encoded, slots, threshold, notes)
        : null;
    let low = false;
    if (estimate && estimate.rows >= minRows) {
      for (const metric of ESTIMATED_METRICS) {
        const value = estimate[metric];
        const band = estimate.bands[metric];
        if (!estimate.alerts[metric] || value === null || !band) continue;
        const below = value < band.lower;
        if (below) low = true;
        findings.push({
          type: 'performance_degradation',
          severity: below ? 'warning' : 'info',
          metric: `estimated_${metric}`,
          window: 'current',
          value,
          threshold: below ? band.lower : band.upper,
          description: `label-free estimate (CBPE) of ${metric} is ${value.toFixed(3)}, ${below ? 'below' : 'above'} its band [${band.lower.toFixed(3)}, ${band.upper.toFixed(3)}] (reference mean ± 3σ at the window's size)${below ? ': performance has likely degraded, before labels confirm it' : ': the population has changed, not necessarily for the worse'}`,
        });
      }
    } else if (estimate && estimate.rows > 0) {
      notes.push(
        `label-free estimate on ${estimate.rows} scored rows, fewer than ${minRows}: no estimated degradation verdict`,
      );
    }
    this.below = low ? this.below + 1 : 0;
    return estimate;
  }

  /**
   * CBPE on the current window's scored rows. The alert band is the realised metric's mean ± 3σ over
   * chunks of the labelled reference: σ is measured on chunks of c rows — the largest power of two ≤ the
   * window's rows that still gives at least 8 chunks (a σ from two or three chunks is itself too noisy to
   * alert on) — and scaled to the window's n rows by √(c / n). One fit per reference and chunk size.
   */
  private estimate(
    ref: ActiveReference,
    encoded: EncodedRows,
    slots: Int32Array,
    threshold: number,
    notes: string[],
  ): PerformanceEstimate | null {
    const score: number[] = [];
    const pred: number[] = [];
    for (const s of slots) {
      const p = encoded.score?.[s] ?? Number.NaN;
      const f = encoded.pred[s]!;
      if (Number.isNaN(p) || Number.isNaN(f)) continue;
      score.push(p);
      pred.push(f);
    }
    const n = score.length;
    if (n === 0) return null;
    let c = this.cache;
    if (!c || c.referenceId !== ref.id || c.threshold !== threshold) {
      c = { referenceId: ref.id, threshold, rows: cbpeReference(ref, threshold), fits: new Map() };
      this.cache = c;
    }
    if (c.rows.score.length === 0) {
      notes.push(
        'no label-free estimate: the labelled reference has no rows with a 0/1 label, a 0/1 prediction and a score',
      );
      return null;
    }
    const size = Math.min(n, c.rows.score.length / MIN_NOISE_CHUNKS);
    const chunk = size >= MIN_NOISE_CHUNK_ROWS ? 2 ** Math.floor(Math.log2(size)) : c.rows.score.length;
    let fit = c.fits.get(chunk);
    if (!fit) {
      try {
        fit = { model: fitCbpe(c.rows, { threshold, chunkSize: chunk }), problem: null };
      } catch (err) {
        fit = { model: null, problem: `no label-free estimate: ${(err as Error).message}` };
      }
      c.fits.set(chunk, fit);
    }
    if (!fit.model) {
      notes.push(fit.problem!);
      return null;
    }
    const model = { ...fit.model, bands: scaleBands(fit.model.bands, Math.sqrt(chunk / n)) };
    const estimate = estimatePerformance(model, Float64Array.from(score), Uint8Array.from(pred));
    if (ESTIMATED_METRICS.every((m) => estimate.bands[m] === null))
      notes.push(
        n < MIN_NOISE_CHUNK_ROWS
          ? `label-free estimate without a band: the window has ${n} scored rows, fewer than ${MIN_NOISE_CHUNK_ROWS}`
          : `label-free estimate without a band: the labelled reference has ${c.rows.score.length} scored rows, too few for ${MIN_NOISE_CHUNKS} chunks of ${MIN_NOISE_CHUNK_ROWS} rows`,
      );
    return estimate;
  }
}

/** The labelled reference rows CBPE is fitted on: 0/1 label, 0/1 prediction (or score ≥ threshold), score. */
function cbpeReference(ref: ActiveReference, threshold: number): CbpeRows {
  const outcomes = ref.profile.outcomes!;
  const n = outcomes.label.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const encoded = encodeRows('binary', outcomeSource(outcomes), all, n, threshold);
  const yTrue: number[] = [];
  const score: number[] = [];
  const pred: number[] = [];
  for (const i of usableRows(encoded, all)) {
    const p = encoded.score![i]!;
    if (Number.isNaN(p)) continue;
    yTrue.push(encoded.truth[i]!);
    score.push(p);
    pred.push(encoded.pred[i]!);
  }
  return { yTrue: Uint8Array.from(yTrue), score: Float64Array.from(score), yPred: Uint8Array.from(pred) };
}

/** Bands with their σ multiplied by `factor` (mean ± 3σ, clipped to [0, 1] as stats/estimation does). */
function scaleBands(bands: CbpeModel['bands'], factor: number): CbpeModel['bands'] {
  const out = {} as CbpeModel['bands'];
  for (const m of ESTIMATED_METRICS) {
    const b = bands[m];
    if (!b) {
      out[m] = null;
      continue;
    }
    const std = b.std * factor;
    out[m] = { ...b, std, lower: Math.max(0, b.mean - 3 * std), upper: Math.min(1, b.mean + 3 * std) };
  }
  return out;
}
