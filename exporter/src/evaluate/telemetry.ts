/**
 * Events the engine and the API report as they happen (counters and histograms). The metrics layer
 * implements this with prom-client; the CLI's one-shot commands use `NO_TELEMETRY`.
 */
import type { RejectReason } from '../ingest/errors';

/**
 * Why a label is not used for performance: it does not fit the model's task (`invalid_label`), the
 * row's prediction does not (`invalid_prediction`), or it waited for a prediction that never entered
 * the window and was dropped when the pending set was full (`orphan_evicted`).
 */
export type LabelRejectReason = 'invalid_label' | 'invalid_prediction' | 'orphan_evicted';
export const LABEL_REJECT_REASONS: readonly LabelRejectReason[] = [
  'invalid_label',
  'invalid_prediction',
  'orphan_evicted',
];

/**
 * Per-row counts (predictions by version, serving latency) are not events: each monitor keeps them
 * cumulatively (`PredictionTally`) and the metrics layer reads them at scrape, so the ingest hot path
 * pays a few array increments per row instead of a prom-client label lookup.
 */
export interface Telemetry {
  /** A scheduled evaluation round has finished (the metrics layer rebuilds its evaluation families). */
  roundFinished?(): void;
  feedback(model: string): void;
  /** A label arrived for a prediction not in the window (held until the prediction arrives). */
  feedbackOrphaned(model: string): void;
  /** Labels left out of performance, counted once per label. */
  feedbackRejected(model: string, reason: LabelRejectReason, count: number): void;
  evaluation(model: string, seconds: number, ok: boolean): void;
  retrainRequest(model: string): void;
  rejected(reason: RejectReason): void;
  /** A write besides ingest (history entry, retraining request, reference) failed on the writer. */
  writeFailed?(what: WriteKind, reason: string): void;
}

/** What `modelwatch_write_errors_total{what}` counts. */
export type WriteKind = 'history' | 'retrain' | 'reference' | 'retention';
export const WRITE_KINDS: readonly WriteKind[] = ['history', 'retrain', 'reference', 'retention'];

export const NO_TELEMETRY: Telemetry = {
  feedback() {},
  feedbackOrphaned() {},
  feedbackRejected() {},
  evaluation() {},
  retrainRequest() {},
  rejected() {},
};

/** Upper bounds of `prediction_latency_seconds` buckets (seconds). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Predictions of one model since start: counts per version label and the logged latencies. */
export class PredictionTally {
  /** Rows per `model_version` label value ("" without a version). */
  readonly versions = new Map<string, number>();
  /** Latencies per bucket (not cumulative; the last slot is +Inf), their sum and count. */
  readonly latencyBuckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  latencySum = 0;
  latencyCount = 0;
  /** All predictions counted. */
  total = 0;

  add(version: string | null, latencySeconds: number | null): void {
    const key = version ?? '';
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.total++;
    if (latencySeconds === null) return;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && latencySeconds > LATENCY_BUCKETS[b]!) b++;
    this.latencyBuckets[b]!++;
    this.latencySum += latencySeconds;
    this.latencyCount++;
  }
}
