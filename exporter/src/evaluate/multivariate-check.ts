/**
 * The multivariate drift tests of one model (MMD, domain classifier over the numeric features of the
 * reference's row sample and the window), run at most every `multivariateInterval` seconds — inline,
 * or handed to a runner (a worker thread) whose latest finished result is reported — and cached per
 * reference.
 */
import {
  type MultivariateDriftReport,
  type MultivariateFeature,
  multivariateDrift,
} from '../stats/multivariate';
import type { ActiveReference } from './settings';
import { type ColumnarWindow, currentColumn } from './window';

/** Runs the multivariate tests off the event loop (a worker thread); resolves to their report. */
export type MultivariateRunner = (features: MultivariateFeature[]) => Promise<MultivariateDriftReport | null>;

export class MultivariateCheck {
  private cache: { referenceId: number; at: number; result: MultivariateDriftReport | null } | null = null;
  private running = false;

  /**
   * @param activeReferenceId the monitor's reference id now: a runner's result is kept only while the
   *   reference it ran for is still the active one.
   */
  constructor(
    private readonly window: ColumnarWindow,
    private readonly runner: MultivariateRunner | undefined,
    private readonly activeReferenceId: () => number | undefined,
  ) {}

  /**
   * The report for the window's `slots` at `now`: the cached one within the interval; else computed
   * inline, or (with a runner) started in the background while the previous result for this reference
   * is reported (null until the first arrives).
   */
  evaluate(
    reference: ActiveReference,
    slots: Int32Array,
    now: number,
    interval: number,
  ): MultivariateDriftReport | null {
    const cache = this.cache;
    if (cache?.referenceId === reference.id && now - cache.at < interval) return cache.result;
    if (this.runner) {
      this.start(this.runner, reference, slots, now);
      // the previous result for this reference until the new one arrives
      return cache?.referenceId === reference.id ? cache.result : null;
    }
    const result = multivariateDrift(this.inputs(reference, slots));
    this.cache = { referenceId: reference.id, at: now, result };
    return result;
  }

  private start(run: MultivariateRunner, ref: ActiveReference, slots: Int32Array, now: number): void {
    if (this.running) return;
    this.running = true;
    const referenceId = ref.id;
    run(this.inputs(ref, slots))
      .catch(() => null) // a failed run reports nothing and is retried after the interval
      .then((result) => {
        if (this.activeReferenceId() === referenceId) this.cache = { referenceId, at: now, result };
      })
      .finally(() => {
        this.running = false;
      });
  }

  /** Numeric features of the reference's row sample against the same columns of the window. */
  private inputs(ref: ActiveReference, slots: Int32Array): MultivariateFeature[] {
    const sample = ref.profile.numericRows;
    if (!sample || sample.rows.length === 0) return [];
    const features: MultivariateFeature[] = [];
    sample.features.forEach((name, j) => {
      const current = currentColumn(this.window.features, name, slots);
      if (current?.type !== 'numeric') return;
      const reference = Float64Array.from(sample.rows, (row) =>
        typeof row[j] === 'number' ? row[j]! : Number.NaN,
      );
      features.push({ name, reference, current: current.values });
    });
    return features;
  }
}
