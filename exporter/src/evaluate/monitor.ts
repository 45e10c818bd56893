/**
 * One monitored model: the coordinator of its in-memory window (with the labels joined to its rows), its
 * reference, and the evaluation that compares them. Each concern lives in its own module, with its state:
 *   drift tests and the drift verdict (confirmations, dataset and prediction drift)  drift-verdict.ts
 *   realised performance: baseline, noise, degradation                              performance-verdict.ts
 *   label-free estimate (CBPE)                                                       estimate-verdict.ts
 *   fairness                                                                         fairness.ts
 *   data quality findings                                                            quality.ts
 *   multivariate tests (cache, runner)                                               multivariate-check.ts
 *   reference bins and their observation counters                                    bins.ts
 *   model versions and the cardinality guards                                        versions.ts
 *   labels waiting for their prediction                                              pending-labels.ts
 *   findings, retraining, the health report                                          findings.ts
 * `evaluate` is synchronous and pure apart from those modules' streaks and caches (and counting unusable
 * labels once); it returns a plain result object that the metrics collectors and the API read.
 */
import type { ModelConfig } from '../config/schema';
import type { DatasetDriftSummary } from '../stats/drift';
import type { MultivariateDriftReport } from '../stats/multivariate';
import type { ColumnDriftResult, ColumnType } from '../stats/types';
import type { LogRow } from '../store/reader';
import { BinObservations } from './bins';
import {
  columnsTested,
  type DriftSnapshot,
  DriftVerdict,
  driftSnapshot,
  type FeatureOutcome,
  featureColumn,
  featureDrift,
  featureNames,
  minRowsOf,
  predictionDrift,
  verdictSettings,
} from './drift-verdict';
import { EstimateVerdict } from './estimate-verdict';
import { type FairnessOutcome, fairnessCheck } from './fairness';
import { driftFindings, healthReport, staleFinding } from './findings';
import { MultivariateCheck, type MultivariateRunner } from './multivariate-check';
import { PENDING_LABELS_CAP, PendingLabels } from './pending-labels';
import { type PerformanceOutcome, PerformanceVerdict } from './performance-verdict';
import type { HealthReport } from './report';
import type { ActiveReference, EvaluationSettings } from './settings';
import { PredictionTally, type Telemetry } from './telemetry';
import { type GuardCounts, guardCounts, type MonitorGuards, VersionLabels } from './versions';
import { ColumnarWindow, MAX_DICTIONARY } from './window';

export type { DriftSnapshot, FeatureDrift, FeatureOutcome } from './drift-verdict';
export type { MultivariateRunner } from './multivariate-check';
export { PENDING_LABELS_CAP } from './pending-labels';
export type { PerformanceOutcome } from './performance-verdict';
export type { ActiveReference, EvaluationSettings, PerformanceWindowSpec } from './settings';
export type { GuardCounts, MonitorGuards } from './versions';

export interface ModelEvaluation {
  model: string;
  evaluatedAt: number;
  durationSeconds: number;
  windowRows: number;
  minRows: number;
  referenceRows: number | null;
  features: FeatureOutcome[];
  dataset: DatasetDriftSummary | null;
  prediction: ColumnDriftResult | null;
  /** Prediction drift confirmed over `confirmations` evaluations, as for features; null without a verdict. */
  predictionDrifted: boolean | null;
  /** MMD and domain classifier over the numeric features (null without a row sample or enough rows). */
  multivariate: MultivariateDriftReport | null;
  performance: PerformanceOutcome;
  /** Per protected attribute (and intersection "a&b") on the current window. */
  fairness: FairnessOutcome[];
  report: HealthReport;
}

export interface MonitorOptions extends MonitorGuards {
  /**
   * Where the multivariate tests run. Without it they run inline, in the evaluation; with it the
   * evaluation hands them over and reports the latest finished result (null until the first arrives).
   */
  multivariate?: MultivariateRunner;
}

export class ModelMonitor {
  readonly window: ColumnarWindow;
  reference: ActiveReference | null = null;
  /** Newest prediction timestamp seen (0 when none). */
  lastPredictionTs = 0;
  latest: ModelEvaluation | null = null;
  /** Predictions appended since start, by version label, and their latencies (read at scrape). */
  readonly predictions = new PredictionTally();
  private types = new Map<string, ColumnType>();
  private readonly bins: BinObservations;
  private readonly versions: VersionLabels;
  private readonly pending: PendingLabels;
  private readonly driftVerdict = new DriftVerdict();
  private readonly multivariate: MultivariateCheck;
  private readonly performanceVerdict: PerformanceVerdict;
  private readonly estimateVerdict = new EstimateVerdict();

  constructor(
    readonly name: string,
    public config: ModelConfig,
    capacity: number,
    telemetry: Telemetry,
    /** Cap on bins per categorical feature in metrics (the rest is `__other__`). */
    readonly maxCategories = 50,
    pendingCap = PENDING_LABELS_CAP,
    options: MonitorOptions = {},
  ) {
    this.window = new ColumnarWindow(capacity, MAX_DICTIONARY, options.maxFeatures, options.windowBudget);
    this.bins = new BinObservations(maxCategories);
    this.versions = new VersionLabels(options.maxVersions ?? 20);
    this.pending = new PendingLabels(name, telemetry, pendingCap);
    this.multivariate = new MultivariateCheck(this.window, options.multivariate, () => this.reference?.id);
    this.performanceVerdict = new PerformanceVerdict(name, this.window, telemetry, maxCategories);
    this.refreshTypes();
  }

  /** What the cardinality guards have dropped or folded since start. */
  guardCounts(): GuardCounts {
    return guardCounts(this.window, this.versions);
  }

  /** Labels waiting for their prediction. */
  get pendingLabels(): number {
    return this.pending.size;
  }

  /**
   * A label from feedback: set on its prediction's row (replacing an earlier label), or — when the
   * prediction is not in the window — held until it arrives (at most `pendingCap` labels, the oldest
   * dropped). `restoring` marks labels read back from the log at start-up, which are not counted again.
   */
  label(predictionId: string, label: unknown, restoring = false): boolean {
    const slot = this.window.slotOf(predictionId);
    if (slot !== undefined) {
      this.window.setLabel(slot, label);
      return true;
    }
    this.pending.hold(predictionId, label, restoring);
    return false;
  }

  /** Column types ingest must enforce: declared in config, else fixed by the reference. */
  featureTypes(): ReadonlyMap<string, ColumnType> {
    return this.types;
  }

  setReference(reference: ActiveReference | null): void {
    this.reference = reference;
    this.refreshTypes();
    this.bins.setReference(reference?.profile.features ?? null);
    if (reference)
      for (const [name, profile] of Object.entries(reference.profile.features))
        this.window.features.ensure(name, this.types.get(name) ?? profile.type);
    this.driftVerdict.reset();
    this.performanceVerdict.reset();
    this.estimateVerdict.reset();
  }

  private refreshTypes(): void {
    const types = new Map<string, ColumnType>();
    if (this.reference)
      for (const [name, p] of Object.entries(this.reference.profile.features)) types.set(name, p.type);
    for (const [name, f] of Object.entries(this.config.features)) if (f.type) types.set(name, f.type);
    this.types = types;
  }

  /**
   * Puts a row into the window (joining a label that arrived before it) without counting it as new
   * traffic: used at start-up for rows logged before this process started.
   */
  restore(row: LogRow): void {
    const slot = this.window.append(row, (feature) => this.types.get(feature));
    const label = this.pending.take(row.prediction_id);
    if (label !== undefined) this.window.setLabel(slot, label);
    if (row.ts > this.lastPredictionTs) this.lastPredictionTs = row.ts;
  }

  /** A new row: into the window, and counted (predictions, latency, reference-bin observations). */
  append(row: LogRow): void {
    this.restore(row);
    this.predictions.add(this.versions.label(row.model_version), row.latency_seconds);
    this.bins.count(row.features);
  }

  /** Observations per feature and reference bin since start (`feature_bin_observations_total`). */
  binObservations(): Map<string, Map<string, number>> {
    return this.bins.totals();
  }

  /**
   * The per-feature drift tests over a snapshot of the window, spread over several turns of the event
   * loop (drift-verdict.ts `driftSnapshot`). Handed to `evaluate`, which then uses these results and
   * this snapshot's rows.
   */
  async driftSnapshot(
    now: number,
    settings: EvaluationSettings,
    pause: () => Promise<void>,
    budgetMs = 8,
  ): Promise<DriftSnapshot | null> {
    const ref = this.reference;
    if (!ref) return null;
    const slots = this.window.select(settings.window, now);
    return driftSnapshot(this.window, this.config, ref, slots, settings, pause, budgetMs);
  }

  evaluate(now: number, settings: EvaluationSettings, snapshot?: DriftSnapshot | null): ModelEvaluation {
    const started = performance.now();
    // a snapshot taken for another reference (replaced meanwhile) is not used
    const pre = snapshot && snapshot.referenceId === this.reference?.id ? snapshot : null;
    const slots = pre?.slots ?? this.window.select(settings.window, now);
    const span = this.window.span(slots);
    const ref = this.reference;
    const config = this.config;
    const notes: string[] = [];
    const minRows = minRowsOf(config, settings);

    if (!ref)
      notes.push('no reference profile: upload one (PUT /api/v1/models/{model}/reference) to evaluate drift');
    else if (slots.length < minRows)
      notes.push(`current window has ${slots.length} rows, the minimum for a drift verdict is ${minRows}`);

    // Drift: the tests (from the snapshot when given), then the verdict.
    const columns = ref ? columnsTested(config, ref) : 0;
    const tested = featureNames(config, ref).map((name) => {
      const profile = ref!.profile.features[name]!;
      const own =
        pre?.features.get(name) ??
        featureDrift(
          config,
          name,
          profile,
          featureColumn(this.window, name, profile, slots),
          ref!.rows,
          settings,
          columns,
        );
      return { name, ...own };
    });
    const prediction = ref ? predictionDrift(this.window, config, ref, slots, settings, columns) : null;
    const drift = this.driftVerdict.decide(tested, prediction, verdictSettings(config, settings));
    const findings = driftFindings(drift, settings);

    const multivariate =
      ref && settings.multivariate && slots.length >= minRows
        ? this.multivariate.evaluate(ref, slots, now, settings.multivariateInterval)
        : null;

    const stale = staleFinding(now, this.lastPredictionTs, settings.staleAfter);
    if (stale) findings.push(stale);

    const perf = this.performanceVerdict.evaluate(now, config, ref, slots, settings, findings, notes);
    const estimate = this.estimateVerdict.evaluate(
      perf.outcome.task,
      ref,
      perf.encoded,
      slots,
      config.decision_threshold,
      minRows,
      findings,
      notes,
    );
    const fairness = fairnessCheck(
      this.window,
      config,
      perf.outcome.task,
      perf.encoded,
      slots,
      {
        minGroupSize: settings.minGroupSize,
        disparateImpact: settings.disparateImpact,
        maxCategories: this.maxCategories,
      },
      findings,
      notes,
    );

    const report = healthReport({
      model: this.name,
      now,
      window: { rows: slots.length, from_ts: span.from, to_ts: span.to },
      findings,
      notes,
      streaks: {
        dataset: this.driftVerdict.datasetStreak,
        prediction: this.driftVerdict.predictionStreak,
        performance: this.performanceVerdict.streak,
        estimated: this.estimateVerdict.streak,
      },
      sustained: settings.sustainedEvaluations,
      reference: ref,
    });
    const evaluation: ModelEvaluation = {
      model: this.name,
      evaluatedAt: now,
      durationSeconds: (performance.now() - started) / 1000,
      windowRows: slots.length,
      minRows,
      referenceRows: ref?.rows ?? null,
      features: drift.features,
      dataset: drift.dataset,
      prediction: drift.prediction,
      predictionDrifted: drift.predictionDrifted,
      multivariate,
      performance: { ...perf.outcome, estimate },
      fairness,
      report,
    };
    this.latest = evaluation;
    return evaluation;
  }
}
