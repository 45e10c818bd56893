/**
 * Findings of the drift verdict and of staleness, the retraining recommendation, and the health report
 * (docs/api.md#health-report) assembled from an evaluation's findings and notes. Pure functions: the streaks they read
 * are owned by the verdicts (drift, performance, estimate).
 */
import type { ColumnDriftResult } from '../stats/types';
import type { DriftVerdictResult } from './drift-verdict';
import { qualityFindings } from './quality';
import { type Finding, type HealthReport, type Retraining, statusOf } from './report';
import type { ActiveReference, EvaluationSettings } from './settings';

/**
 * Per feature its drift finding (when confirmed drifted) and its data-quality findings, then dataset
 * drift, then (confirmed) prediction drift.
 */
export function driftFindings(
  drift: DriftVerdictResult,
  settings: Pick<
    EvaluationSettings,
    'datasetDriftShare' | 'missingShare' | 'outOfRangeShare' | 'unseenCategoryShare'
  >,
): Finding[] {
  const findings: Finding[] = [];
  for (const f of drift.features) {
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
    findings.push(...qualityFindings(f.name, f.quality, settings));
  }
  const dataset = drift.dataset;
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
  const prediction = drift.prediction;
  if (prediction && drift.predictionDrifted) {
    findings.push({
      type: 'prediction_drift',
      severity: 'warning',
      metric: prediction.test ?? undefined,
      value: prediction.score,
      threshold: prediction.threshold,
      description: `model output drifted: ${prediction.test} ${formatScore(prediction)}`,
    });
  }
  return findings;
}

/** A `stale` warning when the newest prediction is older than `staleAfter` seconds (none before the first). */
export function staleFinding(now: number, lastPredictionTs: number, staleAfter: number): Finding | null {
  if (!(lastPredictionTs > 0 && now - lastPredictionTs > staleAfter)) return null;
  const age = now - lastPredictionTs;
  return {
    type: 'stale',
    severity: 'warning',
    metric: 'seconds_since_last_prediction',
    value: age,
    threshold: staleAfter,
    description: `no prediction for ${Math.round(age)} s`,
  };
}

/** Consecutive evaluations with each kind of sustained problem (read from the verdicts). */
export interface Streaks {
  dataset: number;
  prediction: number;
  /** Realised (label-based) performance degradation. */
  performance: number;
  /** Label-free estimate below its band. */
  estimated: number;
}

/**
 * Retraining is recommended once a problem has lasted `sustained` evaluations; urgency is high with
 * two or more such problems, or a critical realised degradation among them.
 */
export function retraining(streaks: Streaks, sustained: number, findings: readonly Finding[]): Retraining {
  const reasons: string[] = [];
  if (streaks.dataset >= sustained)
    reasons.push(`dataset drift sustained over ${streaks.dataset} evaluations`);
  if (streaks.prediction >= sustained)
    reasons.push(`prediction drift sustained over ${streaks.prediction} evaluations`);
  const realised = findings.filter(
    (f) => f.type === 'performance_degradation' && !f.metric?.startsWith('estimated_'),
  );
  if (streaks.performance >= sustained)
    reasons.push(
      `performance degraded from the reference baseline over ${streaks.performance} evaluations (${[...new Set(realised.map((f) => f.metric))].join(', ')})`,
    );
  if (streaks.estimated >= sustained)
    reasons.push(
      `label-free performance estimate below its reference band over ${streaks.estimated} evaluations`,
    );
  const critical = streaks.performance >= sustained && realised.some((f) => f.severity === 'critical');
  return {
    recommended: reasons.length > 0,
    urgency: reasons.length >= 2 || critical ? 'high' : reasons.length === 1 ? 'medium' : 'low',
    reasons,
  };
}

/** The health report of one evaluation. */
export function healthReport(input: {
  model: string;
  now: number;
  window: HealthReport['window'];
  findings: Finding[];
  notes: string[];
  streaks: Streaks;
  sustained: number;
  reference: ActiveReference | null;
}): HealthReport {
  const { findings, reference: ref } = input;
  return {
    model: input.model,
    status: statusOf(findings),
    evaluated_at: input.now,
    window: input.window,
    findings,
    retraining: retraining(input.streaks, input.sustained, findings),
    reference: ref ? { name: ref.name, rows: ref.rows, created_at: ref.created_at } : null,
    notes: input.notes,
  };
}

function formatScore(r: ColumnDriftResult): string {
  const op = r.direction === 'p_value' ? '<' : '≥';
  const label = r.direction === 'p_value' ? 'p-value' : 'score';
  return `${label} ${r.score === null ? 'n/a' : r.score.toPrecision(4)} ${op} ${r.threshold}`;
}
