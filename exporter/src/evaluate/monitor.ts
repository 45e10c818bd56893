/**
 * One monitored model: its in-memory window, its reference, and the evaluation that compares them.
 * `evaluate` is synchronous and pure apart from the monitor's own streak counters; it returns a
 * plain result object that the metrics collectors and the API read.
 */
import type { ModelConfig } from '../config/schema';
import type { ReferenceProfile } from '../reference/profile';
import { adjustPValues, type DatasetDriftSummary, datasetDrift, driftColumn } from '../stats/drift';
import {
  type MultivariateDriftReport,
  type MultivariateFeature,
  multivariateDrift,
} from '../stats/multivariate';
import { type DataQuality, dataQuality } from '../stats/quality';
import type { ColumnDriftResult, ColumnProfile, ColumnType, CurrentColumn } from '../stats/types';
import type { LogRow } from '../store/reader';
import type { StoredReference } from '../store/references';
import { type BinIndexer, binIndexer } from './bins';
import { type Finding, type HealthReport, type Retraining, statusOf } from './report';
import type { Telemetry } from './telemetry';
import { ColumnarWindow, currentColumn, type WindowSpec } from './window';

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
  report: HealthReport;
}

export type ActiveReference = StoredReference<ReferenceProfile>;

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

  constructor(
    readonly name: string,
    public config: ModelConfig,
    capacity: number,
    private readonly telemetry: Telemetry,
    /** Cap on bins per categorical feature in metrics (the rest is `__other__`). */
    readonly maxCategories = 50,
  ) {
    this.window = new ColumnarWindow(capacity);
    this.refreshTypes();
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
  }

  private refreshTypes(): void {
    const types = new Map<string, ColumnType>();
    if (this.reference)
      for (const [name, p] of Object.entries(this.reference.profile.features)) types.set(name, p.type);
    for (const [name, f] of Object.entries(this.config.features)) if (f.type) types.set(name, f.type);
    this.types = types;
  }

  append(row: LogRow): void {
    this.window.append(row, (feature) => this.types.get(feature));
    if (row.ts > this.lastPredictionTs) this.lastPredictionTs = row.ts;
    this.telemetry.prediction(this.name, row.model_version, row.latency_seconds);
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

  evaluate(now: number, settings: EvaluationSettings): ModelEvaluation {
    const started = performance.now();
    const slots = this.window.select(settings.window, now);
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
      const current = currentColumn(this.window.features, name, slots) ?? emptyColumn(profile, slots.length);
      const own = this.config.features[name];
      const result = driftColumn(profile, current, {
        method: own?.method ?? this.config.drift?.method ?? settings.method,
        threshold: own?.threshold ?? this.config.drift?.threshold ?? settings.threshold,
        minRows,
        referenceRows: ref!.rows,
      });
      features.push({ name, result, drifted: null, quality: dataQuality(profile, current) });
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
      } else {
        multivariate = this.multivariateDrift(ref, slots);
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

    const report: HealthReport = {
      model: this.name,
      status: statusOf(findings),
      evaluated_at: now,
      window: { rows: slots.length, from_ts: span.from, to_ts: span.to },
      findings,
      retraining: this.retraining(settings.sustainedEvaluations),
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
      report,
    };
    this.latest = evaluation;
    return evaluation;
  }

  /** Numeric features of the reference's row sample against the same columns of the window. */
  private multivariateDrift(ref: ActiveReference, slots: Int32Array): MultivariateDriftReport | null {
    const sample = ref.profile.numericRows;
    if (!sample || sample.rows.length === 0) return null;
    const features: MultivariateFeature[] = [];
    sample.features.forEach((name, j) => {
      const current = currentColumn(this.window.features, name, slots);
      if (current?.type !== 'numeric') return;
      const reference = Float64Array.from(sample.rows, (row) =>
        typeof row[j] === 'number' ? row[j]! : Number.NaN,
      );
      features.push({ name, reference, current: current.values });
    });
    return multivariateDrift(features);
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

  private retraining(sustained: number): Retraining {
    const reasons: string[] = [];
    if (this.datasetStreak >= sustained)
      reasons.push(`dataset drift sustained over ${this.datasetStreak} evaluations`);
    if (this.predictionStreak >= sustained)
      reasons.push(`prediction drift sustained over ${this.predictionStreak} evaluations`);
    return {
      recommended: reasons.length > 0,
      urgency: reasons.length >= 2 ? 'high' : reasons.length === 1 ? 'medium' : 'low',
      reasons,
    };
  }
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
