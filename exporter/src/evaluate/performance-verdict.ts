/**
 * Realised performance of one model and its degradation verdict: the window's rows encoded for the task,
 * the metrics per window (and segment), the same metrics on the labelled reference (the baseline, cached
 * per reference), their sampling noise from reference chunks, and a `performance_degradation` finding per
 * metric worse than the baseline beyond both the tolerance and the noise. Owns the degradation streak.
 */
import type { ModelConfig } from '../config/schema';
import type { PerformanceEstimate } from '../stats/estimation';
import type { Task } from '../stats/performance';
import {
  chooseTask,
  type EncodedRows,
  encodeRows,
  outcomeSource,
  type TaskSource,
  windowSource,
} from './encoding';
import {
  ABSOLUTE_TOLERANCE,
  chunkNoise,
  DEGRADATION_METRICS,
  LOWER_IS_BETTER,
  type MetricValues,
  metricsOf,
  type PerformanceMetric,
  usableRows,
  type WindowPerformance,
  windowPerformance,
} from './performance';
import type { Finding } from './report';
import type { ActiveReference, EvaluationSettings } from './settings';
import type { Telemetry } from './telemetry';
import type { ColumnarWindow } from './window';

/** Realised performance per window, the reference baseline, and the label-free estimate. */
export interface PerformanceOutcome {
  /** The task the metrics follow (null: unknown — no config, no labelled reference, no labels yet). */
  task: Task | null;
  taskSource: TaskSource | null;
  /** "current" (the drift window) first, then the configured performance windows. */
  windows: WindowPerformance[];
  /** The same metrics on the labelled reference (null without labelled reference rows). */
  baseline: { rows: number; used: number; metrics: MetricValues } | null;
  /** CBPE on the current window (binary classifiers with scores in a labelled reference). */
  estimate: PerformanceEstimate | null;
}

/** Standard deviations of sampling noise a change must exceed before it counts as degradation. */
const NOISE_SIGMAS = 3;
/** Reference chunks (at least) and rows per chunk (at least) the sampling noise is estimated from. */
export const MIN_NOISE_CHUNKS = 8;
export const MIN_NOISE_CHUNK_ROWS = 32;

export type PerformanceSettings = Pick<
  EvaluationSettings,
  'performanceWindows' | 'performanceTolerance' | 'minLabelledRows'
>;

export class PerformanceVerdict {
  private degraded = 0;
  private encodeBuffers: { truth: Float64Array; pred: Float64Array; score: Float64Array } | undefined;
  private baselineCache: {
    referenceId: number;
    task: Task;
    threshold: number;
    value: PerformanceOutcome['baseline'];
    encoded: EncodedRows;
    used: Int32Array;
    /** Metric noise (σ) per power-of-two chunk size. */
    noise: Map<number, Partial<Record<PerformanceMetric, number>>>;
  } | null = null;

  constructor(
    private readonly model: string,
    private readonly window: ColumnarWindow,
    private readonly telemetry: Telemetry,
    private readonly maxCategories: number,
  ) {}

  /** Consecutive evaluations with realised degradation (up to the last `evaluate`). */
  get streak(): number {
    return this.degraded;
  }

  reset(): void {
    this.degraded = 0;
  }

  /**
   * Realised performance per window (and segment), the reference baseline and degradation findings.
   * Labels that do not fit the task are left out and counted once each. Returns the encoded rows too
   * (binary: fairness and the estimate read them).
   */
  evaluate(
    now: number,
    config: ModelConfig,
    ref: ActiveReference | null,
    currentSlots: Int32Array,
    settings: PerformanceSettings,
    findings: Finding[],
    notes: string[],
  ): { outcome: Omit<PerformanceOutcome, 'estimate'>; encoded: EncodedRows } {
    const window = this.window;
    const outcomes = ref?.profile.outcomes ?? null;
    const threshold = config.decision_threshold;
    const ring = window.select({}, now);
    const { task, source } = chooseTask(config.task, outcomes, window, ring);

    // Predictions are encoded even before the task is known (binary: fairness and estimation need them).
    // Each labelled row left out is counted once (the flag is cleared when its label changes).
    const rejected: Record<'invalid_label' | 'invalid_prediction', number> = {
      invalid_label: 0,
      invalid_prediction: 0,
    };
    const encoded = encodeRows(
      task ?? 'binary',
      windowSource(window),
      ring,
      window.capacity,
      threshold,
      this.encodeBuffers,
      (slot, reason) => {
        if (window.labelRejected[slot]) return;
        window.labelRejected[slot] = 1;
        rejected[reason]++;
      },
    );
    for (const reason of ['invalid_label', 'invalid_prediction'] as const)
      if (rejected[reason] > 0) this.telemetry.feedbackRejected(this.model, reason, rejected[reason]);
    this.encodeBuffers = {
      truth: encoded.truth,
      pred: encoded.pred,
      score: encoded.score ?? this.encodeBuffers?.score ?? new Float64Array(0),
    };

    const specs: { name: string; slots: Int32Array }[] = [
      { name: 'current', slots: currentSlots },
      ...settings.performanceWindows.map((w) => ({ name: w.name, slots: window.select(w, now) })),
    ];
    const windows = specs.map(({ name, slots }) =>
      windowPerformance(name, window, slots, task ? encoded : null, config.segments, this.maxCategories),
    );
    const baseline = task && ref && outcomes ? this.baseline(ref, task, threshold) : null;

    if (window.labelled === 0)
      notes.push(
        'no labels yet: realised performance is evaluated once feedback arrives (POST /api/v1/feedback)',
      );
    else if (source === 'labels')
      notes.push(
        `task inferred from the labels in memory: ${task} (set models[].task to fix it; a label outside it is then left out)`,
      );
    if (task && encoded.invalidLabels + encoded.invalidPredictions > 0) {
      const what = [
        encoded.invalidLabels > 0 ? `${encoded.invalidLabels} labels` : '',
        encoded.invalidPredictions > 0
          ? `the predictions of ${encoded.invalidPredictions} labelled rows`
          : '',
      ].filter((x) => x !== '');
      const examples = encoded.examples.map((v) => JSON.stringify(v)).join(', ');
      notes.push(
        `${what.join(' and ')} in memory do not fit the ${task} task (e.g. ${examples}): those rows are left out of performance (modelwatch_feedback_rejected_total)`,
      );
    }
    if (task && window.labelled > 0 && !baseline) {
      notes.push(
        ref
          ? 'the reference has no labelled rows: no performance baseline, so no degradation verdict (upload a reference with a label column)'
          : 'no reference: no performance baseline, so no degradation verdict',
      );
    }
    let degraded = false;
    for (const w of windows) {
      if (task && w.labelled > 0) notes.push(...windowNotes(w, task, baseline !== null, settings));
      if (!task || !baseline || !w.metrics || w.used < settings.minLabelledRows) continue;
      const noise = this.noise(w.used);
      for (const metric of DEGRADATION_METRICS[task]) {
        const f = degradation(
          metric,
          w,
          baseline.metrics[metric],
          settings.performanceTolerance,
          noise[metric],
        );
        if (f) {
          findings.push(f);
          degraded = true;
        }
      }
    }
    this.degraded = degraded ? this.degraded + 1 : 0;
    return { outcome: { task, taskSource: source, windows, baseline }, encoded };
  }

  /** Metrics of the labelled reference, computed once per reference, task and threshold. */
  private baseline(ref: ActiveReference, task: Task, threshold: number): PerformanceOutcome['baseline'] {
    const c = this.baselineCache;
    if (c && c.referenceId === ref.id && c.task === task && c.threshold === threshold) return c.value;
    const outcomes = ref.profile.outcomes!;
    const n = outcomes.label.length;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const encoded = encodeRows(task, outcomeSource(outcomes), all, n, threshold);
    const used = usableRows(encoded, all);
    const value = used.length > 0 ? { rows: n, used: used.length, metrics: metricsOf(encoded, used) } : null;
    this.baselineCache = { referenceId: ref.id, task, threshold, value, encoded, used, noise: new Map() };
    return value;
  }

  /**
   * Sampling noise (σ) of each metric on a window of `rows` labelled rows, from the labelled reference
   * split into chunks — the largest power of two ≤ rows that still gives at least 8 chunks, and at least
   * 32 rows — scaled by √(chunk / rows). Empty when the reference is too small for that.
   */
  private noise(rows: number): Partial<Record<PerformanceMetric, number>> {
    const c = this.baselineCache;
    const size = Math.min(rows, c ? c.used.length / MIN_NOISE_CHUNKS : 0);
    if (!c || size < MIN_NOISE_CHUNK_ROWS) return {};
    const chunk = 2 ** Math.floor(Math.log2(size));
    let sigma = c.noise.get(chunk);
    if (!sigma) {
      sigma = chunkNoise(c.encoded, c.used, chunk);
      c.noise.set(chunk, sigma);
    }
    const scale = Math.sqrt(chunk / rows);
    const out: Partial<Record<PerformanceMetric, number>> = {};
    for (const [metric, v] of Object.entries(sigma) as [PerformanceMetric, number][]) out[metric] = v * scale;
    return out;
  }
}

/**
 * A `performance_degradation` finding when `metric` of the window is worse than the baseline by more
 * than `tolerance` relative to it (ECE: absolute), direction-aware, and by more than 3σ of the metric's
 * sampling noise at the window's size (`sigma`, from reference chunks; not applied when unknown), so a
 * noisy metric (recall of a rare class on a few hundred rows) does not flap. Critical when both limits
 * are exceeded twice over. A zero baseline gives no relative scale and is not compared.
 */
export function degradation(
  metric: PerformanceMetric,
  w: WindowPerformance,
  baseline: number | null | undefined,
  tolerance: number,
  sigma: number | undefined,
): Finding | null {
  const value = w.metrics?.[metric];
  if (value === null || value === undefined || baseline === null || baseline === undefined) return null;
  const absolute = ABSOLUTE_TOLERANCE.has(metric);
  const scale = absolute ? 1 : Math.abs(baseline);
  if (scale === 0) return null;
  const lower = LOWER_IS_BETTER.has(metric);
  const drop = lower ? value - baseline : baseline - value;
  const limit = Math.max(tolerance * scale, NOISE_SIGMAS * (sigma ?? 0));
  if (!(drop > limit)) return null;
  const bound = lower ? baseline + limit : baseline - limit;
  const change = absolute
    ? `${drop.toFixed(3)} ${lower ? 'above' : 'below'}`
    : `${((drop / scale) * 100).toFixed(1)}% ${lower ? 'above' : 'below'}`;
  const rule = absolute ? `absolute tolerance ${tolerance}` : `tolerance ${(tolerance * 100).toFixed(0)}%`;
  const noise = sigma === undefined ? '' : `, sampling noise 3σ = ${(NOISE_SIGMAS * sigma).toFixed(4)}`;
  return {
    type: 'performance_degradation',
    severity: drop > 2 * limit ? 'critical' : 'warning',
    metric,
    window: w.window,
    value,
    threshold: bound,
    description: `${metric} over window "${w.window}" is ${value.toFixed(4)}, ${change} the reference baseline ${baseline.toFixed(4)} (${rule}${noise}; ${w.used} labelled rows)`,
  };
}

/** Why a window's performance is partial: few labels, low coverage, one class only. */
function windowNotes(
  w: WindowPerformance,
  task: Task,
  hasBaseline: boolean,
  s: Pick<EvaluationSettings, 'minLabelledRows'>,
): string[] {
  const parts: string[] = [];
  if (w.coverage !== null && w.coverage < 0.5)
    parts.push(`label coverage ${(w.coverage * 100).toFixed(1)}% (${w.labelled} of ${w.rows} rows)`);
  if (hasBaseline && w.used < s.minLabelledRows)
    parts.push(`${w.used} usable labelled rows, fewer than ${s.minLabelledRows} for a degradation verdict`);
  if (task === 'binary' && w.used > 0 && w.metrics?.roc_auc === null)
    parts.push('labels hold one class only (or no scores): ROC AUC undefined');
  return parts.length > 0 ? [`window "${w.window}": ${parts.join('; ')}`] : [];
}
