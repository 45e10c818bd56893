/**
 * Labels (feedback) whose prediction is not in the window yet, held per model until it arrives: at most
 * `cap` labels, the oldest dropped beyond (counted as `orphan_evicted`).
 */
import type { Telemetry } from './telemetry';

/** Labels held per model for predictions not (yet) in the window; the oldest is dropped beyond this. */
export const PENDING_LABELS_CAP = 100_000;

export class PendingLabels {
  /** Oldest first (a Map keeps insertion order). */
  private readonly held = new Map<string, unknown>();

  constructor(
    private readonly model: string,
    private readonly telemetry: Telemetry,
    private readonly cap = PENDING_LABELS_CAP,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /**
   * Holds `label` for `predictionId` (replacing an earlier one, which then counts as the newest).
   * `restoring` marks labels read back from the log at start-up, which are not counted again.
   */
  hold(predictionId: string, label: unknown, restoring: boolean): void {
    if (!restoring) this.telemetry.feedbackOrphaned(this.model);
    this.held.delete(predictionId);
    this.held.set(predictionId, label);
    if (this.held.size > this.cap) {
      const oldest = this.held.keys().next().value as string;
      this.held.delete(oldest);
      this.telemetry.feedbackRejected(this.model, 'orphan_evicted', 1);
    }
  }

  /** The label held for `predictionId`, no longer held (undefined when none). */
  take(predictionId: string): unknown {
    if (this.held.size === 0) return undefined;
    const label = this.held.get(predictionId);
    if (label !== undefined) this.held.delete(predictionId);
    return label;
  }
}
