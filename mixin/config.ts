/**
 * Every threshold and duration the alert rules (and the dashboards' threshold lines) use, in one
 * place. Change a value here and run `npm run generate`: alert-rules/*.yml and
 * provisioning/dashboards/*.json are rewritten from it, and their summaries and descriptions quote
 * the new value. The exporter's own decisions (a feature drifted, dataset drift, retraining
 * recommended) are configured in the exporter (docs/configuration.md) and arrive as 0/1 gauges.
 */

/** A Prometheus duration such as "15m". */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

export const CONFIG = {
  drift: {
    /** How long a confirmed feature drift or dataset drift must last before it alerts. */
    for: '15m',
    /** Fleet-wide PSI of a feature over the last hour at or above this is a significant shift. */
    fleetPsi: 0.25,
    fleetPsiFor: '30m',
  },
  performance: {
    /** Realised accuracy/F1/ROC AUC below (1 - drop) x the 7-day baseline. */
    warningDrop: 0.1,
    criticalDrop: 0.2,
    /** Absolute ROC AUC floor for any binary classifier (0.5 is a coin toss). */
    rocAucFloor: 0.55,
    for: '30m',
  },
  fairness: {
    /** Four-fifths rule on the demographic parity ratio. */
    parityRatio: 0.8,
    /** Judged only when every group of the attribute has at least this many rows. */
    minGroupRows: 30,
    for: '30m',
  },
  dataQuality: {
    warning: { missing: 0.1, outOfRange: 0.05, unseenCategory: 0.05 },
    /** Any check at or above this share: the feature pipeline is probably broken. */
    critical: 0.5,
    for: '15m',
  },
  availability: {
    /** No prediction for this long (after traffic within `trafficLookback`). */
    noPredictionsFor: '15m',
    trafficLookback: '1d',
    /** Newest prediction older than this many seconds. */
    staleSeconds: 1800,
    staleFor: '5m',
  },
  exporter: {
    downFor: '5m',
    absentFor: '10m',
    evaluationErrorsFor: '15m',
    /** Last evaluation older than this many seconds. */
    stalledSeconds: 900,
    stalledFor: '5m',
  },
  retraining: { for: '30m' },
} as const satisfies Record<string, Record<string, unknown>>;

/** "15m" → "15 minutes" (for descriptions). */
export function spoken(d: Duration): string {
  const n = Number.parseFloat(d);
  const unit = { s: 'second', m: 'minute', h: 'hour', d: 'day' }[d.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Seconds → "30 minutes". */
export const spokenSeconds = (s: number): string => spoken(`${s / 60}m`);

/** 0.1 → "10%". */
export const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;

/** Minutes of a duration, for sums such as a rate window plus a `for:`. */
export const minutes = (d: Duration): number =>
  Number.parseFloat(d) * { s: 1 / 60, m: 1, h: 60, d: 1440 }[d.slice(-1) as 's' | 'm' | 'h' | 'd'];
