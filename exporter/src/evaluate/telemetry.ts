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

export interface Telemetry {
  prediction(model: string, version: string | null, latencySeconds: number | null): void;
  feedback(model: string): void;
  /** A label arrived for a prediction not in the window (held until the prediction arrives). */
  feedbackOrphaned(model: string): void;
  /** Labels left out of performance, counted once per label. */
  feedbackRejected(model: string, reason: LabelRejectReason, count: number): void;
  evaluation(model: string, seconds: number, ok: boolean): void;
  retrainRequest(model: string): void;
  rejected(reason: RejectReason): void;
}

export const NO_TELEMETRY: Telemetry = {
  prediction() {},
  feedback() {},
  feedbackOrphaned() {},
  feedbackRejected() {},
  evaluation() {},
  retrainRequest() {},
  rejected() {},
};
