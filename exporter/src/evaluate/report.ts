/** The health report (docs/api.md#health-report) and how findings become a status and a retraining recommendation. */

export type Status = 'healthy' | 'warning' | 'critical';
export type Severity = 'info' | 'warning' | 'critical';
export type FindingType =
  | 'data_drift'
  | 'prediction_drift'
  | 'performance_degradation'
  | 'fairness'
  | 'data_quality'
  | 'stale';

export interface Finding {
  type: FindingType;
  severity: Severity;
  /** The feature, or for fairness findings the protected attribute ("a&b" for an intersection). */
  feature?: string;
  metric?: string;
  /** Performance and fairness findings: the window they were measured on ("current", "24h", …). */
  window?: string;
  value: number | null;
  threshold: number | null;
  description: string;
}

export interface Retraining {
  recommended: boolean;
  urgency: 'low' | 'medium' | 'high';
  reasons: string[];
}

export interface HealthReport {
  model: string;
  status: Status;
  evaluated_at: number;
  window: { rows: number; from_ts: number | null; to_ts: number | null };
  findings: Finding[];
  retraining: Retraining;
  /** The reference compared against (null when none is set: drift is not evaluated). */
  reference: { name: string; rows: number; created_at: number } | null;
  /** Why some checks gave no verdict (no reference, window below minimum size…). */
  notes: string[];
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function statusOf(findings: readonly Finding[]): Status {
  let worst = 0;
  for (const f of findings) worst = Math.max(worst, RANK[f.severity]);
  return worst === 2 ? 'critical' : worst === 1 ? 'warning' : 'healthy';
}

/** `model_status` gauge value (docs/metrics.md): 0 healthy, 1 warning, 2 critical. */
export function statusValue(status: Status): number {
  return status === 'critical' ? 2 : status === 'warning' ? 1 : 0;
}
