/**
 * From the validated config to what one model's monitor needs: its window, the size of its ring, the
 * settings of an evaluation. Pure functions, shared by the engine and by simulations that drive a
 * monitor as deployed (bench/detection).
 */
import { modelConfig } from '../config/load';
import type { Config, ModelConfig } from '../config/schema';
import type { ReferenceProfile } from '../reference/profile';
import type { DecisionSettings } from '../stats/calibration';
import type { StoredReference } from '../store/references';
import { ModelMonitor, type MultivariateRunner } from './monitor';
import { PENDING_LABELS_CAP } from './pending-labels';
import type { Telemetry } from './telemetry';
import type { WindowBudget, WindowSpec } from './window';

/** The reference a monitor compares against. */
export type ActiveReference = StoredReference<ReferenceProfile>;

/** A named rolling window for realised performance (config `performance_windows`). */
export interface PerformanceWindowSpec extends WindowSpec {
  name: string;
}

/** Settings an evaluation needs beyond the model's own config (global config, resolved). */
export interface EvaluationSettings {
  window: WindowSpec;
  method: string;
  threshold: number | undefined;
  /** How verdicts are reached (config `drift.decision` and friends; the model's own override them). */
  decision: DecisionSettings;
  minRows: number;
  confirmations: number;
  fdrCorrection: boolean;
  datasetDriftShare: number;
  missingShare: number;
  outOfRangeShare: number;
  unseenCategoryShare: number;
  staleAfter: number;
  sustainedEvaluations: number;
  /** Run the multivariate tests (MMD, domain classifier)… */
  multivariate: boolean;
  /** …at most this often (seconds); the last result is reused in between. */
  multivariateInterval: number;
  /** Rolling windows for realised performance, besides the drift window ("current"). */
  performanceWindows: readonly PerformanceWindowSpec[];
  /** Relative drop from the reference baseline that counts as degradation (critical at twice). */
  performanceTolerance: number;
  /** Labelled rows a window needs before a degradation verdict. */
  minLabelledRows: number;
  /** Demographic parity ratio below which the four-fifths rule fails. */
  disparateImpact: number;
  /** Groups with fewer rows are left out of the fairness aggregates. */
  minGroupSize: number;
}

/** Hard ceiling on the rows a window ring keeps, whatever the config says (memory bound). */
const MAX_CAPACITY = 1_000_000;
/** Rows a window defined by time only asks the ring for. */
const TIME_ONLY_CAPACITY = 100_000;

/** The model's drift window (its own, else the global one). */
export function windowSpec(config: Config, model: ModelConfig): WindowSpec {
  const w = model.window ?? config.window;
  const spec: WindowSpec = {};
  if (w.rows !== undefined) spec.rows = w.rows;
  if (w.duration !== undefined) spec.duration = w.duration;
  return spec;
}

/**
 * Rows the model's ring keeps: as many as the largest of the drift window and the performance windows
 * asks for (a window defined by time only asks for 100k), at most `limits.max_window_rows` (≤ 1M).
 * A window whose rows do not all fit covers only the newest rows the ring holds.
 */
export function ringCapacity(config: Config, model: ModelConfig): number {
  const windows = [windowSpec(config, model), ...config.performance_windows];
  const wanted = Math.max(...windows.map((w) => w.rows ?? TIME_ONLY_CAPACITY));
  return Math.min(MAX_CAPACITY, config.limits.max_window_rows, wanted);
}

/** Seconds of the log loaded at start-up: the longest window duration (undefined: a window without one). */
export function loadHorizon(config: Config, model: ModelConfig): number | undefined {
  let horizon = 0;
  for (const w of [windowSpec(config, model), ...config.performance_windows]) {
    if (w.duration === undefined) return undefined;
    horizon = Math.max(horizon, w.duration);
  }
  return horizon;
}

/** What `ModelMonitor.evaluate` is given for this model. */
export function evaluationSettings(config: Config, model: ModelConfig): EvaluationSettings {
  const c = config;
  return {
    window: windowSpec(config, model),
    method: c.drift.method,
    threshold: c.drift.threshold,
    decision: {
      mode: c.drift.decision,
      falseAlarmRunLength: c.drift.false_alarm_run_length,
      minEffect: c.drift.min_effect,
    },
    minRows: c.drift.min_rows,
    confirmations: c.drift.confirmations,
    fdrCorrection: c.drift.fdr_correction,
    datasetDriftShare: c.thresholds.dataset_drift_share,
    missingShare: c.thresholds.missing_share,
    outOfRangeShare: c.thresholds.out_of_range_share,
    unseenCategoryShare: c.thresholds.unseen_category_share,
    staleAfter: c.thresholds.stale_after,
    sustainedEvaluations: c.retraining.sustained_evaluations,
    multivariate: c.drift.multivariate,
    multivariateInterval: c.drift.multivariate_interval,
    performanceWindows: c.performance_windows,
    performanceTolerance: c.thresholds.performance_tolerance,
    minLabelledRows: c.thresholds.min_labelled_rows,
    disparateImpact: c.thresholds.disparate_impact,
    minGroupSize: c.thresholds.min_group_size,
  };
}

/** The monitor of model `name` as the engine creates it (ring size, caps). */
export function createMonitor(
  config: Config,
  name: string,
  telemetry: Telemetry,
  multivariate?: MultivariateRunner,
  windowBudget?: WindowBudget,
): ModelMonitor {
  const model = modelConfig(config, name);
  return new ModelMonitor(
    name,
    model,
    ringCapacity(config, model),
    telemetry,
    config.limits.max_categories,
    PENDING_LABELS_CAP,
    {
      maxFeatures: config.limits.max_features,
      maxVersions: config.limits.max_model_versions,
      multivariate,
      windowBudget,
    },
  );
}
