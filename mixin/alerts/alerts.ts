/**
 * The alerting rules (alert-rules/modelwatch.alerts.yml), with every threshold and `for:` from
 * config.ts. Every alert carries severity (warning: Slack; critical: PagerDuty and Slack, see
 * alert-rules/alertmanager.yml), category (a critical alert inhibits the warnings of the same model
 * and category), summary, description and a runbook_url into docs/runbooks.md; alerts that should
 * start the retraining pipeline also carry action="retrain".
 */
import { CONFIG, type Duration, minutes, percent, spoken, spokenSeconds } from '../config';

export const ALERTS_HEADER = `modelwatch alerting rules. Generated from mixin/alerts/alerts.ts by npm run generate: edit there.

Every alert carries:
  severity   warning (Slack) | critical (PagerDuty + Slack), see alert-rules/alertmanager.yml
  category   drift | performance | fairness | data_quality | availability | exporter | retraining;
             a critical alert inhibits the warnings of the same model and category
  summary, description, runbook_url (a section of docs/runbooks.md)
Alerts that should start the retraining pipeline also carry action="retrain".

Every threshold and for: duration is in mixin/config.ts. The exporter runs under job="modelwatch"
(provisioning/prometheus/prometheus.yml).`;

export interface AlertRule {
  /** A comment written above the rule. */
  comment?: string;
  alert: string;
  expr: string;
  for: Duration;
  severity: 'warning' | 'critical';
  category:
    | 'drift'
    | 'performance'
    | 'fairness'
    | 'data_quality'
    | 'availability'
    | 'exporter'
    | 'retraining';
  action?: 'retrain';
  summary: string;
  description: string;
}

export interface AlertGroup {
  name: string;
  rules: AlertRule[];
}

const { drift, performance, fairness, dataQuality: dq, availability, exporter, retraining } = CONFIG;

/** `label_replace(<expr>, "<label>", "<value>", "", "")` for each [value, expr], joined with `or`. */
function labelledUnion(label: string, parts: [value: string, expr: string][], inline: boolean): string {
  if (inline)
    return parts.map(([value, e]) => `label_replace(${e}, "${label}", "${value}", "", "")`).join('\n  or\n');
  return parts
    .map(([value, e]) => `label_replace(\n  ${e.replace(/\n/g, '\n  ')},\n  "${label}", "${value}", "", "")`)
    .join('\n  or\n');
}

const REALISED = ['accuracy', 'f1', 'roc_auc'] as const;

function performanceDrop(severity: AlertRule['severity'], drop: number): AlertRule {
  const factor = Math.round((1 - drop) * 100) / 100;
  return {
    alert: 'ModelPerformanceDegraded',
    expr: labelledUnion(
      'metric',
      REALISED.map((m) => [
        m,
        `modelwatch_model_${m}_ratio{segment=""}\n  < ${factor} * instance_model_window:modelwatch_model_${m}_ratio:baseline7d`,
      ]),
      false,
    ),
    for: performance.for,
    severity,
    category: 'performance',
    summary: `{{ $labels.metric }} of model {{ $labels.model }} dropped by more than ${percent(drop)}`,
    description: `Realised {{ $labels.metric }} of model {{ $labels.model }} (window {{ $labels.window }}) is {{ $value | printf "%.3f" }}, more than ${percent(drop)} below its 7-day baseline.`,
  };
}

function dataQualityCheck(
  severity: AlertRule['severity'],
  op: '>' | '>=',
  limits: { missing: number; outOfRange: number; unseenCategory: number },
  consequence: string,
): AlertRule {
  return {
    alert: 'ModelDataQualityDegraded',
    expr: labelledUnion(
      'check',
      [
        ['missing', `modelwatch_feature_missing_ratio ${op} ${limits.missing}`],
        ['out_of_range', `modelwatch_feature_out_of_range_ratio ${op} ${limits.outOfRange}`],
        ['unseen_category', `modelwatch_feature_unseen_category_ratio ${op} ${limits.unseenCategory}`],
      ],
      true,
    ),
    for: dq.for,
    severity,
    category: 'data_quality',
    summary:
      'Feature {{ $labels.feature }} of model {{ $labels.model }}: {{ $value | humanizePercentage }} {{ $labels.check }}',
    description: `{{ $value | humanizePercentage }} of the current values of feature {{ $labels.feature }} of model {{ $labels.model }} are {{ $labels.check }}${consequence}`,
  };
}

/** Minutes of the rate window of model:modelwatch_predictions:rate5m (rules.ts). */
const RATE_MINUTES = 5;

export const ALERT_GROUPS: AlertGroup[] = [
  {
    name: 'modelwatch.drift',
    rules: [
      {
        alert: 'ModelFeatureDrift',
        expr: 'modelwatch_feature_drifted == 1',
        for: drift.for,
        severity: 'warning',
        category: 'drift',
        summary: 'Feature {{ $labels.feature }} of model {{ $labels.model }} has drifted',
        description: `The distribution of feature {{ $labels.feature }} in the current window of model {{ $labels.model }} differs from the reference profile (confirmed drift for ${spoken(drift.for)}).`,
      },
      {
        alert: 'ModelDatasetDrift',
        expr: 'modelwatch_dataset_drift == 1',
        for: drift.for,
        severity: 'critical',
        category: 'drift',
        summary: 'Dataset drift on model {{ $labels.model }}',
        description: `The share of drifted features of model {{ $labels.model }} has reached the dataset drift threshold for ${spoken(drift.for)}: the model sees a different population than it was trained and validated on.`,
      },
      {
        alert: 'ModelFleetFeaturePSIHigh',
        expr: `model_feature:modelwatch_feature_psi:fleet1h >= ${drift.fleetPsi}`,
        for: drift.fleetPsiFor,
        severity: 'warning',
        category: 'drift',
        summary:
          'Fleet-wide PSI of feature {{ $labels.feature }} of model {{ $labels.model }} is {{ $value | printf "%.2f" }}',
        description: `The population stability index of feature {{ $labels.feature }}, computed over the last hour of traffic of all replicas of model {{ $labels.model }}, is {{ $value | printf "%.3f" }} (significant shift: >= ${drift.fleetPsi}).`,
      },
      {
        comment:
          "The exporter's own verdict (calibrated or threshold rule, after confirmations), as for features;\nthe score is kept for the method label and the value in the description.",
        alert: 'ModelPredictionDrift',
        expr: 'modelwatch_prediction_drift_score\n  and on (job, instance, model)\n(modelwatch_prediction_drifted == 1)',
        for: drift.for,
        severity: 'warning',
        category: 'drift',
        summary: 'Prediction drift on model {{ $labels.model }}',
        description: `The distribution of the outputs of model {{ $labels.model }} differs from the reference ({{ $labels.method }} score {{ $value | printf "%.3g" }}) for ${spoken(drift.for)}.`,
      },
    ],
  },
  {
    name: 'modelwatch.performance',
    rules: [
      performanceDrop('warning', performance.warningDrop),
      performanceDrop('critical', performance.criticalDrop),
      {
        comment: 'Absolute floor that holds for any binary classifier: ROC AUC near 0.5 is a coin toss.',
        alert: 'ModelPerformanceBelowFloor',
        expr: `modelwatch_model_roc_auc_ratio{segment=""} < ${performance.rocAucFloor}`,
        for: performance.for,
        severity: 'critical',
        category: 'performance',
        summary: 'ROC AUC of model {{ $labels.model }} is {{ $value | printf "%.3f" }}',
        description: `Realised ROC AUC of model {{ $labels.model }} (window {{ $labels.window }}) is {{ $value | printf "%.3f" }}, below the absolute floor of ${performance.rocAucFloor}: the model ranks barely better than chance.`,
      },
      {
        comment: 'Label-free estimate below the lower band (reference mean - 3 sigma) the exporter exports.',
        alert: 'ModelEstimatedPerformanceDegraded',
        expr: labelledUnion(
          'metric',
          REALISED.map((m) => [
            m,
            `modelwatch_estimated_${m}_ratio{bound="estimate"}\n  < ignoring (bound) modelwatch_estimated_${m}_ratio{bound="lower"}`,
          ]),
          false,
        ),
        for: performance.for,
        severity: 'warning',
        category: 'performance',
        summary: 'Estimated {{ $labels.metric }} of model {{ $labels.model }} is below its expected band',
        description: `The label-free estimate of {{ $labels.metric }} of model {{ $labels.model }} (window {{ $labels.window }}) is {{ $value | printf "%.3f" }}, below the lower bound of the band seen on the reference data, for ${spoken(performance.for)}.`,
      },
    ],
  },
  {
    name: 'modelwatch.fairness',
    rules: [
      {
        comment: `Four-fifths rule; only judged when every group of the attribute has at least ${fairness.minGroupRows} rows.`,
        alert: 'ModelFairnessViolation',
        expr: `modelwatch_fairness_demographic_parity_ratio < ${fairness.parityRatio}\n  and on (instance, job, model, attribute)\n(min by (instance, job, model, attribute) (modelwatch_group_rows) >= ${fairness.minGroupRows})`,
        for: fairness.for,
        severity: 'critical',
        category: 'fairness',
        summary:
          'Demographic parity ratio of model {{ $labels.model }} on {{ $labels.attribute }} is {{ $value | printf "%.2f" }}',
        description: `The lowest selection rate across groups of {{ $labels.attribute }} is {{ $value | humanizePercentage }} of the highest for model {{ $labels.model }}, below the four-fifths (${fairness.parityRatio}) rule, for ${spoken(fairness.for)}.`,
      },
    ],
  },
  {
    name: 'modelwatch.data_quality',
    rules: [
      dataQualityCheck(
        'warning',
        '>',
        dq.warning,
        ` (warning above ${percent(dq.warning.missing)} missing, ${percent(dq.warning.outOfRange)} out of range or unseen), for ${spoken(dq.for)}.`,
      ),
      dataQualityCheck(
        'critical',
        '>=',
        { missing: dq.critical, outOfRange: dq.critical, unseenCategory: dq.critical },
        ': the feature pipeline is probably broken.',
      ),
    ],
  },
  {
    name: 'modelwatch.availability',
    rules: [
      {
        comment: `Had traffic within the last day, none for the last ${minutes(availability.noPredictionsFor) + RATE_MINUTES} minutes (5m rate + ${availability.noPredictionsFor} for).`,
        alert: 'ModelNoPredictions',
        expr: `model:modelwatch_predictions:rate5m == 0\n  and on (model)\n(sum by (model) (increase(modelwatch_predictions_total[${availability.trafficLookback}])) > 0)`,
        for: availability.noPredictionsFor,
        severity: 'critical',
        category: 'availability',
        summary: 'Model {{ $labels.model }} receives no predictions',
        description: `No prediction of model {{ $labels.model }} has reached the exporter for ${minutes(availability.noPredictionsFor) + RATE_MINUTES} minutes although it had traffic within the last day.`,
      },
      {
        alert: 'ModelPredictionsStale',
        expr: `time() - max by (model) (modelwatch_last_prediction_timestamp_seconds) > ${availability.staleSeconds}`,
        for: availability.staleFor,
        severity: 'warning',
        category: 'availability',
        summary: 'Newest prediction of model {{ $labels.model }} is {{ $value | humanizeDuration }} old',
        description: `The newest prediction the exporter has seen for model {{ $labels.model }} is {{ $value | humanizeDuration }} old (more than ${spokenSeconds(availability.staleSeconds)}): drift, performance and fairness panels show stale data.`,
      },
    ],
  },
  {
    name: 'modelwatch.exporter',
    rules: [
      {
        alert: 'ModelwatchExporterDown',
        expr: 'up{job="modelwatch"} == 0',
        for: exporter.downFor,
        severity: 'critical',
        category: 'exporter',
        summary: 'modelwatch exporter {{ $labels.instance }} is down',
        description: `Prometheus cannot scrape the modelwatch exporter at {{ $labels.instance }} for ${spoken(exporter.downFor)}: no model metric from it is current and no alert about its models can fire.`,
      },
      {
        alert: 'ModelwatchExporterAbsent',
        expr: 'absent(up{job="modelwatch"})',
        for: exporter.absentFor,
        severity: 'critical',
        category: 'exporter',
        summary: 'No modelwatch exporter is scraped',
        description: `Prometheus has no target for job="modelwatch" for ${spoken(exporter.absentFor)} (service discovery or configuration problem): model monitoring is blind.`,
      },
      {
        alert: 'ModelwatchEvaluationFailing',
        expr: `increase(modelwatch_evaluation_errors_total[${exporter.evaluationErrorsFor}]) > 0`,
        for: exporter.evaluationErrorsFor,
        severity: 'warning',
        category: 'exporter',
        summary: 'Evaluations of model {{ $labels.model }} are failing',
        description: `The exporter {{ $labels.instance }} recorded {{ $value | printf "%.0f" }} failed evaluations of model {{ $labels.model }} in the last ${spoken(exporter.evaluationErrorsFor)}, for ${spoken(exporter.evaluationErrorsFor)}.`,
      },
      {
        alert: 'ModelwatchEvaluationStalled',
        expr: `time() - modelwatch_last_evaluation_timestamp_seconds > ${exporter.stalledSeconds}`,
        for: exporter.stalledFor,
        severity: 'critical',
        category: 'exporter',
        summary: 'Model {{ $labels.model }} has not been evaluated for {{ $value | humanizeDuration }}',
        description: `The last completed evaluation of model {{ $labels.model }} on {{ $labels.instance }} is {{ $value | humanizeDuration }} old (more than ${spokenSeconds(exporter.stalledSeconds)}): every drift, performance and fairness metric of the model is frozen.`,
      },
    ],
  },
  {
    name: 'modelwatch.retraining',
    rules: [
      {
        comment: `Routed to the retraining pipeline's webhook (action="retrain") as well as to Slack.`,
        alert: 'ModelRetrainingRecommended',
        expr: 'modelwatch_retraining_recommended == 1',
        for: retraining.for,
        severity: 'warning',
        category: 'retraining',
        action: 'retrain',
        summary: 'Retraining recommended for model {{ $labels.model }}',
        description: `The exporter has recommended retraining model {{ $labels.model }} for ${spoken(retraining.for)} (see GET /api/v1/models/{{ $labels.model }}/status for the reasons and urgency).`,
      },
    ],
  },
];
