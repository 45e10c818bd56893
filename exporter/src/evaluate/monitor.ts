/**
 * One monitored model: its in-memory window (with the labels joined to its rows), its reference, and the
 * evaluation that compares them — drift, data quality, realised performance per window and segment
 * against the reference baseline, the label-free estimate, and fairness. `evaluate` is synchronous and
 * pure apart from the monitor's own streak counters and caches (and counting unusable labels once); it
 * returns a plain result object that the metrics collectors and the API read.
 */
import type { ModelConfig } from '../config/schema';
import type { ReferenceProfile } from '../reference/profile';
import { adjustPValues, type DatasetDriftSummary, datasetDrift, driftColumn } from '../stats/drift';
import {
  type CbpeModel,
  ESTIMATED_METRICS,
  estimatePerformance,
  fitCbpe,
  type PerformanceEstimate,
} from '../stats/estimation';
import {
  type MultivariateDriftReport,
  type MultivariateFeature,
  multivariateDrift,
} from '../stats/multivariate';
import type { Task } from '../stats/performance';
import { type DataQuality, dataQuality } from '../stats/quality';
import type { ColumnDriftResult, ColumnProfile, ColumnType, CurrentColumn } from '../stats/types';
import type { LogRow } from '../store/reader';
import type { StoredReference } from '../store/references';
import { type BinIndexer, binIndexer } from './bins';
import { type FairnessOutcome, windowFairness } from './fairness';
import {
  ABSOLUTE_TOLERANCE,
  chooseTask,
  chunkNoise,
  DEGRADATION_METRICS,
  type EncodedRows,
  encodeRows,
  LOWER_IS_BETTER,
  type MetricValues,
  metricsOf,
  outcomeSource,
  type PerformanceMetric,
  type TaskSource,
  usableRows,
  type WindowPerformance,
  windowPerformance,
  windowSource,
} from './performance';
import { type Finding, type HealthReport, type Retraining, statusOf } from './report';
import { PredictionTally, type Telemetry } from './telemetry';
import {
  ColumnarWindow,
  currentColumn,
  MAX_DICTIONARY,
  OTHER,
  type WindowBudget,
  type WindowSpec,
} from './window';

/** Labels held per model for predictions not (yet) in the window; the oldest is dropped beyond this. */
export const PENDING_LABELS_CAP = 100_000;

/** A named rolling window for realised performance (config `performance_windows`). */
export interface PerformanceWindowSpec extends WindowSpec {
  name: string;
}

/** Settings an evaluation needs beyond the model's own config (global config, resolved). */
export interface EvaluationSettings {
  window: WindowSpec;
  method: string;
  threshold: number | undefined;
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

/** One feature's drift test and data quality, before confirmation. */
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
  /** MMD and domain classifier over the numeric features (null without a row sample or enough rows). */
  multivariate: MultivariateDriftReport | null;
  performance: PerformanceOutcome;
  /** Per protected attribute (and intersection "a&b") on the current window. */
  fairness: FairnessOutcome[];
  report: HealthReport;
}

export type ActiveReference = StoredReference<ReferenceProfile>;

/** Caps a hostile or careless client cannot push past (see `limits` in the config). */
export interface MonitorGuards {
  /** Distinct feature (and attribute) columns kept in the window; values of further ones are dropped. */
  maxFeatures?: number;
  /** Distinct `model_version` label values on /metrics; further versions are counted as `__other__`. */
  maxVersions?: number;
  /** Memory shared by every model's window (`limits.max_window_bytes`). */
  windowBudget?: WindowBudget;
}

export interface MonitorOptions extends MonitorGuards {
  /**
   * Where the multivariate tests run. Without it they run inline, in the evaluation; with it the
   * evaluation hands them over and reports the latest finished result (null until the first arrives).
   */
  multivariate?: MultivariateRunner;
}

/** Runs the multivariate tests off the event loop (a worker thread); resolves to their report. */
export type MultivariateRunner = (features: MultivariateFeature[]) => Promise<MultivariateDriftReport | null>;

/** Values the guards dropped or folded, by kind (`cardinality_limited_total{kind}`), cumulative. */
export interface GuardCounts {
  feature: number;
  attribute: number;
  category: number;
  model_version: number;
}

export class ModelMonitor {
  readonly window: ColumnarWindow;
  reference: ActiveReference | null = null;
  /** Newest prediction timestamp seen (0 when none). */
  lastPredictionTs = 0;
  latest: ModelEvaluation | null = null;
  private types = new Map<string, ColumnType>();
  /** Per feature: the reference's bins and observation counts since start (fast path, typed arrays). */
  private bins = new Map<string, { indexer: BinIndexer; counts: Float64Array }>();
  /** Observation counts of bins of earlier references, kept so the counters never go down. */
  private retiredBinCounts = new Map<string, Map<string, number>>();
  private streaks = new Map<string, number>();
  private datasetStreak = 0;
  private multivariateCache: {
    referenceId: number;
    at: number;
    result: MultivariateDriftReport | null;
  } | null = null;
  private predictionStreak = 0;
  /** Consecutive evaluations with realised (label-based) and estimated performance degradation. */
  private performanceStreak = 0;
  private estimatedStreak = 0;
  /** Labels whose prediction is not in the window yet, oldest first (Map keeps insertion order). */
  private readonly pending = new Map<string, unknown>();
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
  private cbpeCache: {
    referenceId: number;
    threshold: number;
    rows: { yTrue: Uint8Array; score: Float64Array; yPred: Uint8Array };
    /** Fits per chunk size. */
    fits: Map<number, { model: CbpeModel | null; problem: string | null }>;
  } | null = null;

  constructor(
    readonly name: string,
    public config: ModelConfig,
    capacity: number,
    private readonly telemetry: Telemetry,
    /** Cap on bins per categorical feature in metrics (the rest is `__other__`). */
    readonly maxCategories = 50,
    private readonly pendingCap = PENDING_LABELS_CAP,
    options: MonitorOptions = {},
  ) {
    this.window = new ColumnarWindow(capacity, MAX_DICTIONARY, options.maxFeatures, options.windowBudget);
    this.maxVersions = options.maxVersions ?? 20;
    this.multivariateRunner = options.multivariate;
    this.refreshTypes();
  }

  /** Predictions appended since start, by version label, and their latencies (read at scrape). */
  readonly predictions = new PredictionTally();
  private readonly maxVersions: number;
  private readonly multivariateRunner: MultivariateRunner | undefined;
  private multivariateRunning = false;
  private readonly versions = new Set<string>();
  private foldedVersions = 0;

  /** What the cardinality guards have dropped or folded since start. */
  guardCounts(): GuardCounts {
    return {
      feature: this.window.features.dropped,
      attribute: this.window.attributes.dropped,
      category: this.window.folds.values,
      model_version: this.foldedVersions,
    };
  }

  /** The version as a label value: the first `maxVersions` seen, then `__other__`. */
  private versionLabel(version: string | null): string | null {
    if (version === null || this.versions.has(version)) return version;
    if (this.versions.size < this.maxVersions) {
      this.versions.add(version);
      return version;
    }
    this.foldedVersions++;
    return OTHER;
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
    if (!restoring) this.telemetry.feedbackOrphaned(this.name);
    this.pending.delete(predictionId);
    this.pending.set(predictionId, label);
    if (this.pending.size > this.pendingCap) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.telemetry.feedbackRejected(this.name, 'orphan_evicted', 1);
    }
    return false;
  }

  /** Column types ingest must enforce: declared in config, else fixed by the reference. */
  featureTypes(): ReadonlyMap<string, ColumnType> {
    return this.types;
  }

  setReference(reference: ActiveReference | null): void {
    this.reference = reference;
    this.refreshTypes();
    this.retireBins();
    if (reference) {
      for (const [name, profile] of Object.entries(reference.profile.features)) {
        const indexer = binIndexer(profile, this.maxCategories);
        this.bins.set(name, { indexer, counts: new Float64Array(indexer.labels.length) });
        this.window.features.ensure(name, this.types.get(name) ?? profile.type);
      }
    }
    this.streaks.clear();
    this.datasetStreak = 0;
    this.predictionStreak = 0;
    this.performanceStreak = 0;
    this.estimatedStreak = 0;
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
    if (this.pending.size > 0) {
      const label = this.pending.get(row.prediction_id);
      if (label !== undefined) {
        this.pending.delete(row.prediction_id);
        this.window.setLabel(slot, label);
      }
    }
    if (row.ts > this.lastPredictionTs) this.lastPredictionTs = row.ts;
  }

  /** A new row: into the window, and counted (predictions, latency, reference-bin observations). */
  append(row: LogRow): void {
    this.restore(row);
    this.predictions.add(this.versionLabel(row.model_version), row.latency_seconds);
    for (const [feature, bins] of this.bins) {
      const i = bins.indexer.index(row.features[feature]);
      if (i >= 0) bins.counts[i]!++;
    }
  }

  private retireBins(): void {
    for (const [feature, { indexer, counts }] of this.bins) {
      const retired = this.retiredBinCounts.get(feature) ?? new Map<string, number>();
      this.retiredBinCounts.set(feature, retired);
      indexer.labels.forEach((label, i) => {
        if (counts[i]! > 0) retired.set(label, (retired.get(label) ?? 0) + counts[i]!);
      });
    }
    this.bins.clear();
  }

  /** Observations per feature and reference bin since start (`feature_bin_observations_total`). */
  binObservations(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [feature, retired] of this.retiredBinCounts) out.set(feature, new Map(retired));
    for (const [feature, { indexer, counts }] of this.bins) {
      const m = out.get(feature) ?? new Map<string, number>();
      out.set(feature, m);
      indexer.labels.forEach((label, i) => {
        m.set(label, (m.get(label) ?? 0) + counts[i]!);
      });
    }
    return out;
  }

  /** Features evaluated: the reference's, restricted to declared ones when discovery is off. */
  private featureNames(): string[] {
    if (!this.reference) return [];
    const names = Object.keys(this.reference.profile.features);
    return this.config.discover_features ? names : names.filter((n) => n in this.config.features);
  }

  /**
   * The per-feature drift tests over a snapshot of the window (its columns copied first), a few
   * features at a time with `pause()` in between once `budgetMs` has passed — the heavy part of an
   * evaluation (sorting every numeric column), spread over several turns of the event loop. Handed to
   * `evaluate`, which then uses these results and this snapshot's rows.
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
    const minRows = this.config.drift?.min_rows ?? settings.minRows;
    const inputs = this.featureNames().map((name) => {
      const profile = ref.profile.features[name]!;
      const current = currentColumn(this.window.features, name, slots) ?? emptyColumn(profile, slots.length);
      return { name, profile, current };
    });
    const features = new Map<string, FeatureDrift>();
    let since = performance.now();
    for (const { name, profile, current } of inputs) {
      if (performance.now() - since > budgetMs) {
        await pause();
        since = performance.now();
      }
      features.set(name, this.featureDrift(name, profile, current, ref.rows, minRows, settings));
    }
    return { slots, referenceId: ref.id, features };
  }

  private featureDrift(
    name: string,
    profile: ColumnProfile,
    current: CurrentColumn,
    referenceRows: number,
    minRows: number,
    settings: EvaluationSettings,
  ): FeatureDrift {
    const own = this.config.features[name];
    const result = driftColumn(profile, current, {
      method: own?.method ?? this.config.drift?.method ?? settings.method,
      threshold: own?.threshold ?? this.config.drift?.threshold ?? settings.threshold,
      minRows,
      referenceRows,
      allStats: false,
    });
    return { result, quality: dataQuality(profile, current) };
  }

  evaluate(now: number, settings: EvaluationSettings, snapshot?: DriftSnapshot | null): ModelEvaluation {
    const started = performance.now();
    // a snapshot taken for another reference (replaced meanwhile) is not used
    const pre = snapshot && snapshot.referenceId === this.reference?.id ? snapshot : null;
    const slots = pre?.slots ?? this.window.select(settings.window, now);
    const span = this.window.span(slots);
    const ref = this.reference;
    const findings: Finding[] = [];
    const notes: string[] = [];
    const minRows = this.config.drift?.min_rows ?? settings.minRows;
    const features: FeatureOutcome[] = [];

    if (!ref)
      notes.push('no reference profile: upload one (PUT /api/v1/models/{model}/reference) to evaluate drift');
    else if (slots.length < minRows)
      notes.push(`current window has ${slots.length} rows, the minimum for a drift verdict is ${minRows}`);

    for (const name of this.featureNames()) {
      const profile = ref!.profile.features[name]!;
      const { result, quality } =
        pre?.features.get(name) ??
        this.featureDrift(
          name,
          profile,
          currentColumn(this.window.features, name, slots) ?? emptyColumn(profile, slots.length),
          ref!.rows,
          minRows,
          settings,
        );
      features.push({ name, result, drifted: null, quality });
    }
    if (this.config.drift?.fdr_correction ?? settings.fdrCorrection) {
      const adjusted = adjustPValues(features.map((f) => f.result));
      features.forEach((f, i) => {
        f.result = adjusted[i]!;
      });
    }

    const confirmations = this.config.drift?.confirmations ?? settings.confirmations;
    for (const f of features) {
      const streak = f.result.drifted === true ? (this.streaks.get(f.name) ?? 0) + 1 : 0;
      this.streaks.set(f.name, streak);
      f.drifted = f.result.drifted === null ? null : streak >= confirmations;
      if (f.drifted) {
        findings.push({
          type: 'data_drift',
          severity: 'warning',
          feature: f.name,
          metric: f.result.test ?? undefined,
          value: f.result.score,
          threshold: f.result.threshold,
          description: `feature "${f.name}" drifted: ${f.result.test} ${formatScore(f.result)}`,
        });
      }
      qualityFindings(f, settings, findings);
    }

    const aggregate = datasetDrift(
      features.map((f) => f.drifted),
      settings.datasetDriftShare,
    );
    const dataset = aggregate.featureCount > 0 ? aggregate : null;
    if (dataset?.drifted) {
      findings.push({
        type: 'data_drift',
        severity: 'critical',
        metric: 'drift_share',
        value: dataset.share,
        threshold: settings.datasetDriftShare,
        description: `dataset drift: ${dataset.driftedCount} of ${dataset.featureCount} features drifted`,
      });
    }
    this.datasetStreak = dataset?.drifted ? this.datasetStreak + 1 : 0;

    let multivariate: MultivariateDriftReport | null = null;
    if (ref && settings.multivariate && slots.length >= minRows) {
      if (
        this.multivariateCache?.referenceId === ref.id &&
        now - this.multivariateCache.at < settings.multivariateInterval
      ) {
        multivariate = this.multivariateCache.result;
      } else if (this.multivariateRunner) {
        this.startMultivariate(this.multivariateRunner, ref, slots, now);
        // the previous result for this reference until the new one arrives
        multivariate = this.multivariateCache?.referenceId === ref.id ? this.multivariateCache.result : null;
      } else {
        multivariate = multivariateDrift(this.multivariateInputs(ref, slots));
        this.multivariateCache = { referenceId: ref.id, at: now, result: multivariate };
      }
    }

    const prediction = ref ? this.predictionDrift(ref, slots, minRows, settings) : null;
    this.predictionStreak = prediction?.drifted ? this.predictionStreak + 1 : 0;
    if (prediction?.drifted) {
      findings.push({
        type: 'prediction_drift',
        severity: 'warning',
        metric: prediction.test ?? undefined,
        value: prediction.score,
        threshold: prediction.threshold,
        description: `model output drifted: ${prediction.test} ${formatScore(prediction)}`,
      });
    }

    if (this.lastPredictionTs > 0 && now - this.lastPredictionTs > settings.staleAfter) {
      const age = now - this.lastPredictionTs;
      findings.push({
        type: 'stale',
        severity: 'warning',
        metric: 'seconds_since_last_prediction',
        value: age,
        threshold: settings.staleAfter,
        description: `no prediction for ${Math.round(age)} s`,
      });
    }

    const perf = this.evaluatePerformance(now, settings, slots, minRows, findings, notes);
    const fairness = this.evaluateFairness(perf.outcome.task, perf.encoded, slots, settings, findings, notes);

    const report: HealthReport = {
      model: this.name,
      status: statusOf(findings),
      evaluated_at: now,
      window: { rows: slots.length, from_ts: span.from, to_ts: span.to },
      findings,
      retraining: this.retraining(settings.sustainedEvaluations, findings),
      reference: ref ? { name: ref.name, rows: ref.rows, created_at: ref.created_at } : null,
      notes,
    };
    const evaluation: ModelEvaluation = {
      model: this.name,
      evaluatedAt: now,
      durationSeconds: (performance.now() - started) / 1000,
      windowRows: slots.length,
      minRows,
      referenceRows: ref?.rows ?? null,
      features,
      dataset,
      prediction,
      multivariate,
      performance: perf.outcome,
      fairness,
      report,
    };
    this.latest = evaluation;
    return evaluation;
  }

  private startMultivariate(
    run: MultivariateRunner,
    ref: ActiveReference,
    slots: Int32Array,
    now: number,
  ): void {
    if (this.multivariateRunning) return;
    this.multivariateRunning = true;
    const referenceId = ref.id;
    run(this.multivariateInputs(ref, slots))
      .catch(() => null) // a failed run reports nothing and is retried after the interval
      .then((result) => {
        if (this.reference?.id === referenceId) this.multivariateCache = { referenceId, at: now, result };
      })
      .finally(() => {
        this.multivariateRunning = false;
      });
  }

  /** Numeric features of the reference's row sample against the same columns of the window. */
  private multivariateInputs(ref: ActiveReference, slots: Int32Array): MultivariateFeature[] {
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

  private predictionDrift(
    ref: ActiveReference,
    slots: Int32Array,
    minRows: number,
    settings: EvaluationSettings,
  ): ColumnDriftResult | null {
    const method = this.config.drift?.method ?? settings.method;
    const options = {
      method,
      threshold: this.config.drift?.threshold ?? settings.threshold,
      minRows,
      referenceRows: ref.rows,
      allStats: false,
    };
    if (ref.profile.score) {
      const values = new Float64Array(slots.length);
      let any = false;
      for (let i = 0; i < slots.length; i++) {
        values[i] = this.window.scores[slots[i]!]!;
        if (!Number.isNaN(values[i]!)) any = true;
      }
      if (any) return driftColumn(ref.profile.score, { type: 'numeric', values }, options);
    }
    if (ref.profile.prediction) {
      const current = currentColumn(this.window.outputs, 'prediction', slots);
      if (current && current.type === ref.profile.prediction.type)
        return driftColumn(ref.profile.prediction, current, options);
    }
    return null;
  }

  /**
   * Realised performance per window (and segment), the reference baseline, degradation findings, and
   * the label-free estimate. Labels that do not fit the task are left out and counted once each.
   */
  private evaluatePerformance(
    now: number,
    settings: EvaluationSettings,
    currentSlots: Int32Array,
    minRows: number,
    findings: Finding[],
    notes: string[],
  ): { outcome: PerformanceOutcome; encoded: EncodedRows } {
    const window = this.window;
    const ref = this.reference;
    const outcomes = ref?.profile.outcomes ?? null;
    const threshold = this.config.decision_threshold;
    const ring = window.select({}, now);
    const { task, source } = chooseTask(this.config.task, outcomes, window, ring);

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
      if (rejected[reason] > 0) this.telemetry.feedbackRejected(this.name, reason, rejected[reason]);
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
      windowPerformance(name, window, slots, task ? encoded : null, this.config.segments, this.maxCategories),
    );
    const baseline = task && outcomes ? this.baseline(task, threshold) : null;

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
    this.performanceStreak = degraded ? this.performanceStreak + 1 : 0;

    const estimate =
      (task ?? 'binary') === 'binary' && outcomes
        ? this.estimate(encoded, currentSlots, threshold, notes)
        : null;
    let estimatedLow = false;
    if (estimate && estimate.rows >= minRows) {
      for (const metric of ESTIMATED_METRICS) {
        const value = estimate[metric];
        const band = estimate.bands[metric];
        if (!estimate.alerts[metric] || value === null || !band) continue;
        const below = value < band.lower;
        if (below) estimatedLow = true;
        findings.push({
          type: 'performance_degradation',
          severity: below ? 'warning' : 'info',
          metric: `estimated_${metric}`,
          window: 'current',
          value,
          threshold: below ? band.lower : band.upper,
          description: `label-free estimate (CBPE) of ${metric} is ${value.toFixed(3)}, ${below ? 'below' : 'above'} its band [${band.lower.toFixed(3)}, ${band.upper.toFixed(3)}] (reference mean ± 3σ at the window's size)${below ? ': performance has likely degraded, before labels confirm it' : ': the population has changed, not necessarily for the worse'}`,
        });
      }
    } else if (estimate && estimate.rows > 0) {
      notes.push(
        `label-free estimate on ${estimate.rows} scored rows, fewer than ${minRows}: no estimated degradation verdict`,
      );
    }
    this.estimatedStreak = estimatedLow ? this.estimatedStreak + 1 : 0;

    return { outcome: { task, taskSource: source, windows, baseline, estimate }, encoded };
  }

  /** Metrics of the labelled reference, computed once per reference, task and threshold. */
  private baseline(task: Task, threshold: number): PerformanceOutcome['baseline'] {
    const ref = this.reference!;
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

  /**
   * CBPE on the current window's scored rows. The alert band is the realised metric's mean ± 3σ over
   * chunks of the labelled reference: σ is measured on chunks of c rows — the largest power of two ≤ the
   * window's rows that still gives at least 8 chunks (a σ from two or three chunks is itself too noisy to
   * alert on) — and scaled to the window's n rows by √(c / n). One fit per reference and chunk size.
   */
  private estimate(
    encoded: EncodedRows,
    slots: Int32Array,
    threshold: number,
    notes: string[],
  ): PerformanceEstimate | null {
    const score: number[] = [];
    const pred: number[] = [];
    for (const s of slots) {
      const p = encoded.score?.[s] ?? Number.NaN;
      const f = encoded.pred[s]!;
      if (Number.isNaN(p) || Number.isNaN(f)) continue;
      score.push(p);
      pred.push(f);
    }
    const n = score.length;
    if (n === 0) return null;
    const ref = this.reference!;
    let c = this.cbpeCache;
    if (!c || c.referenceId !== ref.id || c.threshold !== threshold) {
      c = { referenceId: ref.id, threshold, rows: this.cbpeReference(threshold), fits: new Map() };
      this.cbpeCache = c;
    }
    if (c.rows.score.length === 0) {
      notes.push(
        'no label-free estimate: the labelled reference has no rows with a 0/1 label, a 0/1 prediction and a score',
      );
      return null;
    }
    const size = Math.min(n, c.rows.score.length / MIN_NOISE_CHUNKS);
    const chunk = size >= MIN_NOISE_CHUNK_ROWS ? 2 ** Math.floor(Math.log2(size)) : c.rows.score.length;
    let fit = c.fits.get(chunk);
    if (!fit) {
      try {
        fit = { model: fitCbpe(c.rows, { threshold, chunkSize: chunk }), problem: null };
      } catch (err) {
        fit = { model: null, problem: `no label-free estimate: ${(err as Error).message}` };
      }
      c.fits.set(chunk, fit);
    }
    if (!fit.model) {
      notes.push(fit.problem!);
      return null;
    }
    const model = { ...fit.model, bands: scaleBands(fit.model.bands, Math.sqrt(chunk / n)) };
    const estimate = estimatePerformance(model, Float64Array.from(score), Uint8Array.from(pred));
    if (ESTIMATED_METRICS.every((m) => estimate.bands[m] === null))
      notes.push(
        n < MIN_NOISE_CHUNK_ROWS
          ? `label-free estimate without a band: the window has ${n} scored rows, fewer than ${MIN_NOISE_CHUNK_ROWS}`
          : `label-free estimate without a band: the labelled reference has ${c.rows.score.length} scored rows, too few for ${MIN_NOISE_CHUNKS} chunks of ${MIN_NOISE_CHUNK_ROWS} rows`,
      );
    return estimate;
  }

  /** The labelled reference rows CBPE is fitted on: 0/1 label, 0/1 prediction (or score ≥ threshold), score. */
  private cbpeReference(threshold: number): { yTrue: Uint8Array; score: Float64Array; yPred: Uint8Array } {
    const outcomes = this.reference!.profile.outcomes!;
    const n = outcomes.label.length;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const encoded = encodeRows('binary', outcomeSource(outcomes), all, n, threshold);
    const yTrue: number[] = [];
    const score: number[] = [];
    const pred: number[] = [];
    for (const i of usableRows(encoded, all)) {
      const p = encoded.score![i]!;
      if (Number.isNaN(p)) continue;
      yTrue.push(encoded.truth[i]!);
      score.push(p);
      pred.push(encoded.pred[i]!);
    }
    return { yTrue: Uint8Array.from(yTrue), score: Float64Array.from(score), yPred: Uint8Array.from(pred) };
  }

  /** Fairness of the current window's predictions per protected attribute and intersection. */
  private evaluateFairness(
    task: Task | null,
    encoded: EncodedRows,
    slots: Int32Array,
    settings: EvaluationSettings,
    findings: Finding[],
    notes: string[],
  ): FairnessOutcome[] {
    const attributes = this.config.protected_attributes;
    const intersections = this.config.intersections;
    if (attributes.length === 0 && intersections.length === 0) return [];
    if (task !== null && task !== 'binary') {
      notes.push(
        `fairness needs a binary classifier (predicted positive = prediction 1); the task is ${task}`,
      );
      return [];
    }
    const { outcomes, missing } = windowFairness(this.window, slots, encoded, attributes, intersections, {
      minGroupSize: settings.minGroupSize,
      disparateImpact: settings.disparateImpact,
      maxCategories: this.maxCategories,
    });
    if (missing.length > 0)
      notes.push(`protected attributes not in the logged attributes of the window: ${missing.join(', ')}`);
    if (outcomes.length === 0 && slots.length > 0)
      notes.push('fairness not evaluated: no prediction in the window is 0 or 1');
    for (const o of outcomes) {
      const r = o.result;
      const excluded = Object.entries(r.excluded_groups);
      if (excluded.length > 0)
        notes.push(
          `fairness on ${o.attribute}: groups left out of the aggregates (fewer than ${settings.minGroupSize} rows): ${excluded.map(([g]) => `${g} (${r.groups[g]!.count})`).join(', ')}`,
        );
      if (o.labelled === 0)
        notes.push(
          `fairness on ${o.attribute}: no labels in the window, so no TPR/FPR (equalized odds, equal opportunity)`,
        );
      if (r.disparate_impact_passes === false) {
        // Info, not warning: a disparity is usually a standing property of the model rather than a change
        // in its health (the status stays about drift, performance and data); it is alerted on its own
        // (ModelFairnessViolation) and shown on the fairness dashboard.
        findings.push({
          type: 'fairness',
          severity: 'info',
          feature: o.attribute,
          metric: 'demographic_parity_ratio',
          window: 'current',
          value: r.demographic_parity_ratio,
          threshold: settings.disparateImpact,
          description:
            r.demographic_parity_ratio === null
              ? `no group of "${o.attribute}" is predicted positive: the demographic parity ratio is undefined and the four-fifths rule cannot pass`
              : `demographic parity ratio on "${o.attribute}" is ${r.demographic_parity_ratio.toFixed(3)}, below ${settings.disparateImpact} (four-fifths rule): selection rates ${selectionRates(r.groups, r.excluded_groups)}`,
        });
      }
    }
    return outcomes;
  }

  private retraining(sustained: number, findings: readonly Finding[]): Retraining {
    const reasons: string[] = [];
    if (this.datasetStreak >= sustained)
      reasons.push(`dataset drift sustained over ${this.datasetStreak} evaluations`);
    if (this.predictionStreak >= sustained)
      reasons.push(`prediction drift sustained over ${this.predictionStreak} evaluations`);
    const realised = findings.filter(
      (f) => f.type === 'performance_degradation' && !f.metric?.startsWith('estimated_'),
    );
    if (this.performanceStreak >= sustained)
      reasons.push(
        `performance degraded from the reference baseline over ${this.performanceStreak} evaluations (${[...new Set(realised.map((f) => f.metric))].join(', ')})`,
      );
    if (this.estimatedStreak >= sustained)
      reasons.push(
        `label-free performance estimate below its reference band over ${this.estimatedStreak} evaluations`,
      );
    const critical = this.performanceStreak >= sustained && realised.some((f) => f.severity === 'critical');
    return {
      recommended: reasons.length > 0,
      urgency: reasons.length >= 2 || critical ? 'high' : reasons.length === 1 ? 'medium' : 'low',
      reasons,
    };
  }
}

/** Standard deviations of sampling noise a change must exceed before it counts as degradation. */
const NOISE_SIGMAS = 3;
/** Reference chunks (at least) and rows per chunk (at least) the sampling noise is estimated from. */
const MIN_NOISE_CHUNKS = 8;
const MIN_NOISE_CHUNK_ROWS = 32;

/**
 * A `performance_degradation` finding when `metric` of the window is worse than the baseline by more
 * than `tolerance` relative to it (ECE: absolute), direction-aware, and by more than 3σ of the metric's
 * sampling noise at the window's size (`sigma`, from reference chunks; not applied when unknown), so a
 * noisy metric (recall of a rare class on a few hundred rows) does not flap. Critical when both limits
 * are exceeded twice over. A zero baseline gives no relative scale and is not compared.
 */
function degradation(
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
  s: EvaluationSettings,
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

/** Bands with their σ multiplied by `factor` (mean ± 3σ, clipped to [0, 1] as stats/estimation does). */
function scaleBands(bands: CbpeModel['bands'], factor: number): CbpeModel['bands'] {
  const out = {} as CbpeModel['bands'];
  for (const m of ESTIMATED_METRICS) {
    const b = bands[m];
    if (!b) {
      out[m] = null;
      continue;
    }
    const std = b.std * factor;
    out[m] = { ...b, std, lower: Math.max(0, b.mean - 3 * std), upper: Math.min(1, b.mean + 3 * std) };
  }
  return out;
}

function selectionRates(
  groups: Record<string, { selection_rate: number }>,
  excluded: Record<string, string>,
): string {
  return Object.entries(groups)
    .filter(([g]) => !(g in excluded))
    .map(([g, v]) => `${g} ${v.selection_rate.toFixed(3)}`)
    .join(', ');
}

function emptyColumn(profile: ColumnProfile, rows: number): CurrentColumn {
  return profile.type === 'numeric'
    ? { type: 'numeric', values: new Float64Array(rows).fill(Number.NaN) }
    : { type: 'categorical', counts: new Map(), missing: rows };
}

function formatScore(r: ColumnDriftResult): string {
  const op = r.direction === 'p_value' ? '<' : '≥';
  const label = r.direction === 'p_value' ? 'p-value' : 'score';
  return `${label} ${r.score === null ? 'n/a' : r.score.toPrecision(4)} ${op} ${r.threshold}`;
}

function qualityFindings(f: FeatureOutcome, s: EvaluationSettings, findings: Finding[]): void {
  const checks: [keyof DataQuality, number, string][] = [
    ['missing_share', s.missingShare, 'missing'],
    ['out_of_range_share', s.outOfRangeShare, 'outside the reference range'],
    ['unseen_category_share', s.unseenCategoryShare, 'categories unseen in the reference'],
  ];
  for (const [metric, threshold, what] of checks) {
    const value = f.quality[metric];
    if (value !== null && value > threshold) {
      findings.push({
        type: 'data_quality',
        severity: 'warning',
        feature: f.name,
        metric,
        value,
        threshold,
        description: `feature "${f.name}": ${(value * 100).toFixed(1)}% of values ${what} (limit ${(threshold * 100).toFixed(1)}%)`,
      });
    }
  }
}
