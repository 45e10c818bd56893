/**
 * From the validated config to what one model's monitor needs: its window, the size of its ring, the
 * settings of an evaluation. Pure functions, shared by the engine and by simulations that drive a
 * monitor as deployed (bench/detection).
 */
import { modelConfig } from '../config/load';
import type { Config, ModelConfig } from '../config/schema';
import {
  type EvaluationSettings,
  ModelMonitor,
  type MultivariateRunner,
  PENDING_LABELS_CAP,
} from './monitor';
import type { Telemetry } from './telemetry';
import type { WindowBudget, WindowSpec } from './window';

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
