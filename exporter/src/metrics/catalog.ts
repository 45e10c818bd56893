/**
 * Every metric family the exporter exposes, in one place. Registration (metrics/registry.ts),
 * the metrics reference (docs/metrics.md) and the dashboard/alert checks all read this list, so a
 * family cannot be queried by a dashboard without being defined here. Names follow DESIGN.md §7.
 */
import { LABEL_REJECT_REASONS, LATENCY_BUCKETS } from '../evaluate/telemetry';
import { REJECT_REASONS } from '../ingest/errors';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  /** Full name including the `modelwatch_` prefix (counters include `_total`). */
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** Histogram bucket upper bounds (seconds). */
  buckets?: readonly number[];
  /** Set while the exporter does not fill the family yet (registered, with HELP, but no series). */
  pending?: string;
}

const PERF_LABELS = ['model', 'window', 'segment'] as const;

function family(
  kind: MetricKind,
  name: string,
  labels: readonly string[],
  help: string,
  buckets?: readonly number[],
): MetricFamily {
  return buckets
    ? { name: `modelwatch_${name}`, kind, help, labels, buckets }
    : { name: `modelwatch_${name}`, kind, help, labels };
}

const perf = (name: string, what: string): MetricFamily =>
  family(
    'gauge',
    name,
    PERF_LABELS,
    `${what} over the window, from predictions joined with delayed feedback. window: a performance window name, "current" (the drift window) or "reference" (baseline on the labelled reference); per-segment series carry segment="<attribute>=<value>".`,
  );
const estimated = (name: string, what: string): MetricFamily =>
  family(
    'gauge',
    name,
    ['model', 'window', 'bound'],
    `Label-free estimate of ${what} (confidence-based); bound="estimate", "lower" or "upper" (reference mean ± 3 sigma).`,
  );

export const CATALOG: readonly MetricFamily[] = [
  // Ingest and traffic
  family(
    'counter',
    'predictions_total',
    ['model', 'model_version'],
    'Predictions accepted into the log (idempotent re-sends are not counted twice).',
  ),
  family('counter', 'feedback_total', ['model'], 'Ground-truth labels accepted (corrections included).'),
  family(
    'counter',
    'feedback_orphaned_total',
    ['model'],
    'Labels that arrived for a prediction not in the window; held (at most 100k per model) and joined if the prediction arrives.',
  ),
  family(
    'gauge',
    'feedback_pending_labels',
    ['model'],
    'Labels currently held for predictions not (yet) in the window.',
  ),
  family(
    'counter',
    'feedback_rejected_total',
    ['model', 'reason'],
    `Labels left out of performance, each counted once, by reason (${LABEL_REJECT_REASONS.join(', ')}).`,
  ),
  family(
    'counter',
    'ingest_rejected_total',
    ['reason'],
    `Write requests rejected, by reason (${REJECT_REASONS.join(', ')}).`,
  ),
  family(
    'gauge',
    'last_prediction_timestamp_seconds',
    ['model'],
    'Unix time of the newest prediction seen for the model.',
  ),
  family(
    'histogram',
    'prediction_latency_seconds',
    ['model'],
    'Model serving latency as logged with each prediction.',
    LATENCY_BUCKETS,
  ),
  family(
    'gauge',
    'window_rows',
    ['model', 'window'],
    'Rows in the evaluation window: window="current" for drift, performance windows by name (a window covers at most the rows the in-memory ring holds).',
  ),
  family(
    'gauge',
    'window_min_rows',
    ['model'],
    'Minimum rows the current window needs before drift verdicts are given.',
  ),
  family(
    'gauge',
    'reference_rows',
    ['model'],
    'Rows in the active reference profile (absent when no reference is set).',
  ),

  // Drift
  family(
    'gauge',
    'feature_drift_score',
    ['model', 'feature', 'method'],
    'Drift score of the feature, current window vs reference, for the test used (a p-value for ks/chisquare/ztest).',
  ),
  family(
    'gauge',
    'feature_drift_p_value',
    ['model', 'feature', 'method'],
    'p-value of the feature drift test, for tests that have one.',
  ),
  family(
    'gauge',
    'feature_drift_threshold',
    ['model', 'feature', 'method'],
    'Threshold the drift score is compared against.',
  ),
  family(
    'gauge',
    'feature_drifted',
    ['model', 'feature'],
    '1 when the feature is drifted (confirmed over the configured number of evaluations), else 0.',
  ),
  family(
    'gauge',
    'dataset_drift_share_ratio',
    ['model'],
    'Share of features drifted in the current window (0-1).',
  ),
  family(
    'gauge',
    'dataset_drift',
    ['model'],
    '1 when the drifted share reaches the dataset drift threshold, else 0.',
  ),
  family(
    'gauge',
    'prediction_drift_score',
    ['model', 'method'],
    'Drift score of the model output (score or predicted label) vs reference.',
  ),
  family(
    'gauge',
    'multivariate_drift_score',
    ['model', 'method'],
    'Multivariate drift over the numeric features together (method="mmd": unbiased MMD^2; method="classifier": cross-validated ROC AUC of a reference-vs-current classifier, 0.5 = no drift).',
  ),
  family(
    'gauge',
    'multivariate_drift_p_value',
    ['model', 'method'],
    'Permutation p-value of the multivariate MMD test (method="mmd").',
  ),
  family(
    'gauge',
    'feature_bin_ratio',
    ['model', 'feature', 'bin', 'dataset'],
    'Share of the feature values falling in the bin (dataset="reference" or "current"); bin is the upper edge, "+Inf", or the category.',
  ),
  family(
    'counter',
    'feature_bin_observations_total',
    ['model', 'feature', 'bin'],
    'Observations of the feature per reference bin since start (mergeable across replicas for fleet-wide PSI).',
  ),
  family(
    'counter',
    'cardinality_limited_total',
    ['model', 'kind'],
    'Values the cardinality guards dropped or folded into "__other__" since start, by kind: model (predictions of models beyond limits.max_models, stored but not monitored; model="__other__"), model_version (beyond limits.max_model_versions), feature and attribute (values of columns beyond limits.max_features), category (new values once a column holds 10,000 distinct ones).',
  ),

  // Performance (realised) and label-free estimates
  perf('model_accuracy_ratio', 'Accuracy'),
  perf('model_precision_ratio', 'Precision (positive label 1; macro for multiclass)'),
  perf('model_recall_ratio', 'Recall (positive label 1; macro for multiclass)'),
  perf('model_f1_ratio', 'F1 (positive label 1; macro for multiclass)'),
  perf('model_roc_auc_ratio', 'ROC AUC'),
  perf('model_log_loss', 'Log loss'),
  perf('model_brier_score', 'Brier score'),
  perf('model_calibration_error_ratio', 'Expected calibration error (10 bins)'),
  perf('model_mae', 'Mean absolute error'),
  perf('model_rmse', 'Root mean squared error'),
  perf('model_r2', 'Coefficient of determination R^2'),
  perf('model_mape_ratio', 'Mean absolute percentage error (as a ratio)'),
  family(
    'gauge',
    'label_coverage_ratio',
    ['model', 'window'],
    'Share of predictions in the window that have received their label (window as for the model_* performance families).',
  ),
  estimated('estimated_accuracy_ratio', 'accuracy'),
  estimated('estimated_precision_ratio', 'precision'),
  estimated('estimated_recall_ratio', 'recall'),
  estimated('estimated_f1_ratio', 'F1'),
  estimated('estimated_roc_auc_ratio', 'ROC AUC'),

  // Fairness
  family(
    'gauge',
    'fairness_demographic_parity_difference',
    ['model', 'attribute'],
    'Max minus min selection rate (predicted positive = prediction 1) across the groups of the attribute in the current window; groups below thresholds.min_group_size rows are left out; attribute="a&b" for an intersection.',
  ),
  family(
    'gauge',
    'fairness_demographic_parity_ratio',
    ['model', 'attribute'],
    'Min over max selection rate across groups (absent when undefined).',
  ),
  family(
    'gauge',
    'fairness_equalized_odds_difference',
    ['model', 'attribute'],
    'Larger of the TPR and FPR differences across groups.',
  ),
  family(
    'gauge',
    'fairness_equalized_odds_ratio',
    ['model', 'attribute'],
    'Smaller of the TPR and FPR ratios across groups (absent when undefined).',
  ),
  family(
    'gauge',
    'fairness_equal_opportunity_difference',
    ['model', 'attribute'],
    'Max minus min TPR across groups.',
  ),
  family(
    'gauge',
    'fairness_equal_opportunity_ratio',
    ['model', 'attribute'],
    'Min over max TPR across groups (absent when undefined).',
  ),
  family(
    'gauge',
    'group_selection_rate_ratio',
    ['model', 'attribute', 'group'],
    'Share of the group predicted positive (prediction 1) in the current window; group is the value ("a|b" for an intersection), at most limits.max_categories per attribute with the rest as "__other__", "(missing)" without a value.',
  ),
  family(
    'gauge',
    'group_true_positive_rate_ratio',
    ['model', 'attribute', 'group'],
    'True positive rate of the group over its labelled rows (absent without labels).',
  ),
  family(
    'gauge',
    'group_false_positive_rate_ratio',
    ['model', 'attribute', 'group'],
    'False positive rate of the group over its labelled rows (absent without labels).',
  ),
  family(
    'gauge',
    'group_rows',
    ['model', 'attribute', 'group'],
    'Rows of the group in the current window (groups below thresholds.min_group_size are reported but left out of the fairness_* aggregates).',
  ),

  // Data quality
  family(
    'gauge',
    'feature_missing_ratio',
    ['model', 'feature'],
    'Share of current-window rows where the feature is missing.',
  ),
  family(
    'gauge',
    'feature_out_of_range_ratio',
    ['model', 'feature'],
    'Share of current numeric values outside the reference [min, max].',
  ),
  family(
    'gauge',
    'feature_unseen_category_ratio',
    ['model', 'feature'],
    'Share of current categorical values absent from the reference.',
  ),

  // Status and retraining
  family('gauge', 'model_status', ['model'], 'Health of the model: 0 healthy, 1 warning, 2 critical.'),
  family('gauge', 'retraining_recommended', ['model'], '1 when retraining is recommended, else 0.'),
  family(
    'counter',
    'retraining_requests_total',
    ['model'],
    'Retraining requests recorded (API calls and recommendations).',
  ),

  // Exporter health
  family(
    'histogram',
    'evaluation_duration_seconds',
    [],
    'Wall time of one model evaluation (read new rows, drift, findings).',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ),
  family(
    'gauge',
    'last_evaluation_timestamp_seconds',
    ['model'],
    'Unix time of the last completed evaluation of the model.',
  ),
  family('counter', 'evaluation_errors_total', ['model'], 'Evaluations that failed.'),
  family(
    'histogram',
    'http_request_duration_seconds',
    ['route', 'method', 'code'],
    'HTTP requests served by the exporter.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ),
  family('gauge', 'database_size_bytes', [], 'Size of the SQLite database file including its WAL.'),
  family(
    'counter',
    'webhook_alerts_ignored_total',
    ['reason'],
    'Firing alerts the Alertmanager webhook did not turn into a retraining request: unknown_model (a model the exporter neither monitors nor is configured with), no_model (no valid model label).',
  ),
  family(
    'counter',
    'write_errors_total',
    ['what', 'reason'],
    'Writes besides ingest that failed on the writer thread: what is history, retrain, reference or retention; reason is the SQLite error code (SQLITE_FULL: disk full).',
  ),
  family(
    'gauge',
    'window_memory_bytes',
    ['model'],
    "Memory the model's in-memory window takes (slots allocated x bytes per slot); it grows with the rows held, and all models together stay within limits.max_window_bytes.",
  ),
  family('gauge', 'build_info', ['version'], 'Always 1; the version label carries the exporter version.'),
];

export const CATALOG_BY_NAME: ReadonlyMap<string, MetricFamily> = new Map(CATALOG.map((f) => [f.name, f]));
