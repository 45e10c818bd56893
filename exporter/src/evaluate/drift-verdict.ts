/**
 * Drift of one model — and where the drift verdict is decided: `DriftVerdict.decide`.
 *
 * 1. The tests (`featureNames`, `featureDrift`, `predictionDrift`, `driftSnapshot`): each feature of the
 *    reference, and the model's output (its score, else its prediction), tested in the window against
 *    the reference by stats/drift.ts `driftColumn` — a score, and the column's verdict under the model's
 *    decision (`columnDecision`: calibrated to the false-alarm budget shared by the columns tested, or
 *    the test's fixed threshold; docs/detection.md).
 * 2. The verdict (`DriftVerdict.decide`), from those per-column results to what is reported and alerted on:
 *    - the per-feature rule (`FeatureRule`; default `columnRule`: the column's verdict, with p-values
 *      adjusted by Benjamini–Hochberg across features when `fdr_correction` is on);
 *    - confirmations: a feature counts as drifted once its rule said so in `confirmations` consecutive
 *      evaluations (its streak);
 *    - dataset drift: the share of (confirmed) drifted features among those with a verdict ≥
 *      `dataset_drift_share`;
 *    - prediction drift: the output column's verdict, confirmed the same way.
 *    `DriftVerdict` owns the streaks (cleared with `reset` when the reference changes); the dataset and
 *    prediction streaks also feed the retraining recommendation.
 */
import type { ModelConfig } from '../config/schema';
import { driftDecision } from '../stats/calibration';
import { adjustPValues, type DatasetDriftSummary, datasetDrift, driftColumn } from '../stats/drift';
import { type DataQuality, dataQuality } from '../stats/quality';
import type { ColumnDriftResult, ColumnProfile, CurrentColumn, DriftDecision } from '../stats/types';
import type { ActiveReference, EvaluationSettings } from './settings';
import { type ColumnarWindow, currentColumn } from './window';

/** One feature's drift test and data quality, before the verdict. */
export interface FeatureDrift {
  result: ColumnDriftResult;
  quality: DataQuality;
}

/** Drift computed ahead of `evaluate` over a snapshot of the window (see `driftSnapshot`). */
export interface DriftSnapshot {
  slots: Int32Array;
  referenceId: number;
  features: Map<string, FeatureDrift>;
}

export interface FeatureOutcome {
  name: string;
  result: ColumnDriftResult;
  /** Confirmed over the configured number of consecutive evaluations; null without a verdict. */
  drifted: boolean | null;
  quality: DataQuality;
}

// ---------------------------------------------------------------------------------------------------
// 1. The tests

/** The settings the tests read (the model's own `drift` config wins). */
export type DriftTestSettings = Pick<EvaluationSettings, 'method' | 'threshold' | 'decision' | 'minRows'>;

/** Rows a window needs before a drift verdict: the model's `drift.min_rows`, else the global one. */
export function minRowsOf(config: ModelConfig, settings: Pick<EvaluationSettings, 'minRows'>): number {
  return config.drift?.min_rows ?? settings.minRows;
}

/** Features evaluated: the reference's, restricted to declared ones when discovery is off. */
export function featureNames(config: ModelConfig, reference: ActiveReference | null): string[] {
  if (!reference) return [];
  const names = Object.keys(reference.profile.features);
  return config.discover_features ? names : names.filter((n) => n in config.features);
}

/** Columns tested against the reference: the features evaluated, and the model output when profiled. */
export function columnsTested(config: ModelConfig, reference: ActiveReference): number {
  return (
    featureNames(config, reference).length + (reference.profile.score || reference.profile.prediction ? 1 : 0)
  );
}

/**
 * How this model's column verdicts are reached (docs/detection.md): its own `drift` settings over the
 * global ones; a feature's `min_effect` over both. `columns` share the model's false-alarm budget.
 */
export function columnDecision(
  config: ModelConfig,
  settings: Pick<EvaluationSettings, 'decision'>,
  columns: number,
  featureMinEffect?: number,
): DriftDecision {
  const own = config.drift;
  return driftDecision(
    {
      mode: own?.decision ?? settings.decision.mode,
      falseAlarmRunLength: own?.false_alarm_run_length ?? settings.decision.falseAlarmRunLength,
      minEffect: featureMinEffect ?? own?.min_effect ?? settings.decision.minEffect,
    },
    columns,
  );
}

/** The window's values of feature `name` (all missing when the window has no such column). */
export function featureColumn(
  window: ColumnarWindow,
  name: string,
  profile: ColumnProfile,
  slots: Int32Array,
): CurrentColumn {
  return currentColumn(window.features, name, slots) ?? emptyColumn(profile, slots.length);
}

/**
 * One feature's test (its own method, threshold and min effect, else the model's, else the global ones)
 * and quality; `columns` tested share the false-alarm budget.
 */
export function featureDrift(
  config: ModelConfig,
  name: string,
  profile: ColumnProfile,
  current: CurrentColumn,
  referenceRows: number,
  settings: DriftTestSettings,
  columns: number,
): FeatureDrift {
  const own = config.features[name];
  const result = driftColumn(profile, current, {
    method: own?.method ?? config.drift?.method ?? settings.method,
    threshold: own?.threshold ?? config.drift?.threshold ?? settings.threshold,
    decision: columnDecision(config, settings, columns, own?.min_effect),
    minRows: minRowsOf(config, settings),
    referenceRows,
    allStats: false,
  });
  return { result, quality: dataQuality(profile, current) };
}

/**
 * The per-feature drift tests over a snapshot of the window (its columns copied first), a few features
 * at a time with `pause()` in between once `budgetMs` has passed — the heavy part of an evaluation
 * (sorting every numeric column), spread over several turns of the event loop.
 */
export async function driftSnapshot(
  window: ColumnarWindow,
  config: ModelConfig,
  reference: ActiveReference,
  slots: Int32Array,
  settings: DriftTestSettings,
  pause: () => Promise<void>,
  budgetMs: number,
): Promise<DriftSnapshot> {
  const inputs = featureNames(config, reference).map((name) => {
    const profile = reference.profile.features[name]!;
    return { name, profile, current: featureColumn(window, name, profile, slots) };
  });
  const features = new Map<string, FeatureDrift>();
  const columns = columnsTested(config, reference);
  let since = performance.now();
  for (const { name, profile, current } of inputs) {
    if (performance.now() - since > budgetMs) {
      await pause();
      since = performance.now();
    }
    features.set(name, featureDrift(config, name, profile, current, reference.rows, settings, columns));
  }
  return { slots, referenceId: reference.id, features };
}

/** The model's output in the window against the reference: its score when any, else its prediction. */
export function predictionDrift(
  window: ColumnarWindow,
  config: ModelConfig,
  reference: ActiveReference,
  slots: Int32Array,
  settings: DriftTestSettings,
  columns: number,
): ColumnDriftResult | null {
  const options = {
    method: config.drift?.method ?? settings.method,
    threshold: config.drift?.threshold ?? settings.threshold,
    decision: columnDecision(config, settings, columns),
    minRows: minRowsOf(config, settings),
    referenceRows: reference.rows,
    allStats: false,
  };
  if (reference.profile.score) {
    const values = new Float64Array(slots.length);
    let any = false;
    for (let i = 0; i < slots.length; i++) {
      values[i] = window.scores[slots[i]!]!;
      if (!Number.isNaN(values[i]!)) any = true;
    }
    if (any) return driftColumn(reference.profile.score, { type: 'numeric', values }, options);
  }
  if (reference.profile.prediction) {
    const current = currentColumn(window.outputs, 'prediction', slots);
    if (current && current.type === reference.profile.prediction.type)
      return driftColumn(reference.profile.prediction, current, options);
  }
  return null;
}

function emptyColumn(profile: ColumnProfile, rows: number): CurrentColumn {
  return profile.type === 'numeric'
    ? { type: 'numeric', values: new Float64Array(rows).fill(Number.NaN) }
    : { type: 'categorical', counts: new Map(), missing: rows };
}

// ---------------------------------------------------------------------------------------------------
// 2. The verdict

/** What the verdict needs beyond the tests' results (the model's own `drift` config resolved). */
export interface VerdictSettings {
  /** Benjamini–Hochberg adjustment of the features' p-values before their verdicts. */
  fdrCorrection: boolean;
  /** Consecutive evaluations a column must drift before it counts as drifted (features and output). */
  confirmations: number;
  /** Share of the features with a verdict that must be drifted for dataset drift. */
  datasetDriftShare: number;
}

/** The settings of the verdict for a model: its own `drift` config, else the global one. */
export function verdictSettings(
  config: ModelConfig,
  settings: Pick<EvaluationSettings, 'fdrCorrection' | 'confirmations' | 'datasetDriftShare'>,
): VerdictSettings {
  return {
    fdrCorrection: config.drift?.fdr_correction ?? settings.fdrCorrection,
    confirmations: config.drift?.confirmations ?? settings.confirmations,
    datasetDriftShare: settings.datasetDriftShare,
  };
}

/**
 * The per-feature rule of one evaluation, before confirmations: the features' results, returned in the
 * same order with `drifted` decided (true, false, or null for no verdict) and `threshold` the one in
 * force. Replace it to change how a feature's score becomes a verdict (a rule with memory keys it by
 * feature name); confirmations and the dataset share are applied after it.
 */
export type FeatureRule = (
  features: readonly { name: string; result: ColumnDriftResult }[],
  settings: VerdictSettings,
) => ColumnDriftResult[];

/** The default rule: each column's verdict (as `driftColumn` decided it), on BH-adjusted p-values when `fdrCorrection` is on. */
export const columnRule: FeatureRule = (features, settings) => {
  const results = features.map((f) => f.result);
  return settings.fdrCorrection ? adjustPValues(results) : results;
};

/** The verdict of one evaluation. */
export interface DriftVerdictResult {
  features: FeatureOutcome[];
  /** Null when no feature has a verdict. */
  dataset: DatasetDriftSummary | null;
  /** The output column's test result (its own, unconfirmed verdict in `drifted`). */
  prediction: ColumnDriftResult | null;
  /** Prediction drift confirmed over `confirmations` evaluations, as for features; null without a verdict. */
  predictionDrifted: boolean | null;
}

export class DriftVerdict {
  /** Per feature: consecutive evaluations its rule said "drifted". */
  private readonly streaks = new Map<string, number>();
  private dataset = 0;
  private prediction = 0;

  constructor(private readonly rule: FeatureRule = columnRule) {}

  /** Consecutive evaluations with dataset drift (up to the last `decide`). */
  get datasetStreak(): number {
    return this.dataset;
  }

  /** Consecutive evaluations the output column drifted, before confirmation (up to the last `decide`). */
  get predictionStreak(): number {
    return this.prediction;
  }

  /** Forgets every streak (a new reference). */
  reset(): void {
    this.streaks.clear();
    this.dataset = 0;
    this.prediction = 0;
  }

  /**
   * The drift verdict of one evaluation, from the tests' results: per feature (the rule, then
   * confirmations), for the data set, and for the model's output. Advances the streaks.
   */
  decide(
    tested: readonly ({ name: string } & FeatureDrift)[],
    prediction: ColumnDriftResult | null,
    settings: VerdictSettings,
  ): DriftVerdictResult {
    const results = this.rule(tested, settings);
    const features = tested.map((t, i): FeatureOutcome => {
      const result = results[i]!;
      const streak = result.drifted === true ? (this.streaks.get(t.name) ?? 0) + 1 : 0;
      this.streaks.set(t.name, streak);
      return {
        name: t.name,
        result,
        drifted: result.drifted === null ? null : streak >= settings.confirmations,
        quality: t.quality,
      };
    });

    const aggregate = datasetDrift(
      features.map((f) => f.drifted),
      settings.datasetDriftShare,
    );
    const dataset = aggregate.featureCount > 0 ? aggregate : null;
    this.dataset = dataset?.drifted ? this.dataset + 1 : 0;
    this.prediction = prediction?.drifted ? this.prediction + 1 : 0;
    const predictionDrifted =
      prediction === null || prediction.drifted === null ? null : this.prediction >= settings.confirmations;
    return { features, dataset, prediction, predictionDrifted };
  }
}
