/**
 * Events the engine and the API report as they happen (counters and histograms). The metrics layer
 * implements this with prom-client; the CLI's one-shot commands use `NO_TELEMETRY`.
 */
import type { RejectReason } from '../ingest/errors';

export interface Telemetry {
  prediction(model: string, version: string | null, latencySeconds: number | null): void;
  feedback(model: string): void;
  evaluation(model: string, seconds: number, ok: boolean): void;
  retrainRequest(model: string): void;
  rejected(reason: RejectReason): void;
}

export const NO_TELEMETRY: Telemetry = {
  prediction() {},
  feedback() {},
  evaluation() {},
  retrainRequest() {},
  rejected() {},
};
