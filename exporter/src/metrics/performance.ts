/**
 * Performance and estimation: realised metrics per performance window (and per segment) from
 * predictions joined with delayed labels, the baseline on the labelled reference, label coverage, and
 * the label-free estimates with their bands.
 */
import type { MetricValues, PerformanceMetric } from '../evaluate/performance';
import type { EstimatedMetric } from '../stats/estimation';
import { type Collector, family, type HandlesOf, type Labels, setFinite } from './family';

const PERF_LABELS = ['model', 'window', 'segment'] as const;

const perf = <N extends string>(name: N, what: string) =>
  family(
    'gauge',
    name,
    PERF_LABELS,
    `${what} over the window, from predictions joined with delayed feedback. window: a performance window name, "current" (the drift window) or "reference" (baseline on the labelled reference); per-segment series carry segment="<attribute>=<value>".`,
  );
const estimated = <N extends string>(name: N, what: string) =>
  family(
    'gauge',
    name,
    ['model', 'window', 'bound'],
    `Label-free estimate of ${what} (confidence-based); bound="estimate", "lower" or "upper" (reference mean ± 3 sigma).`,
  );

export const PERFORMANCE_FAMILIES = [
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
] as const;

type H = HandlesOf<typeof PERFORMANCE_FAMILIES>;

/** Realised performance metric → its gauge (MSE is not exported: RMSE is). */
const realised = (h: H) =>
  [
    ['accuracy', h.modelwatch_model_accuracy_ratio],
    ['precision', h.modelwatch_model_precision_ratio],
    ['recall', h.modelwatch_model_recall_ratio],
    ['f1', h.modelwatch_model_f1_ratio],
    ['roc_auc', h.modelwatch_model_roc_auc_ratio],
    ['log_loss', h.modelwatch_model_log_loss],
    ['brier', h.modelwatch_model_brier_score],
    ['ece', h.modelwatch_model_calibration_error_ratio],
    ['mae', h.modelwatch_model_mae],
    ['rmse', h.modelwatch_model_rmse],
    ['r2', h.modelwatch_model_r2],
    ['mape', h.modelwatch_model_mape_ratio],
  ] as const satisfies readonly (readonly [PerformanceMetric, unknown])[];

/** Estimated metric → its gauge. */
const estimates = (h: H) =>
  [
    ['accuracy', h.modelwatch_estimated_accuracy_ratio],
    ['precision', h.modelwatch_estimated_precision_ratio],
    ['recall', h.modelwatch_estimated_recall_ratio],
    ['f1', h.modelwatch_estimated_f1_ratio],
    ['roc_auc', h.modelwatch_estimated_roc_auc_ratio],
  ] as const satisfies readonly (readonly [EstimatedMetric, unknown])[];

export const performance: Collector<H> = {
  name: 'performance',

  model(h, monitor) {
    const model = monitor.name;
    const perf = monitor.latest?.performance;
    if (!perf) return;
    const gauges = realised(h);
    const write = (labels: Labels<(typeof PERF_LABELS)[number]>, values: MetricValues | null) => {
      if (!values) return;
      for (const [metric, gauge] of gauges) setFinite(gauge, labels, values[metric]);
    };
    for (const w of perf.windows) {
      const window = w.window;
      setFinite(h.modelwatch_label_coverage_ratio, { model, window }, w.coverage);
      write({ model, window }, w.metrics);
      for (const s of w.segments) write({ model, window, segment: s.segment }, s.metrics);
    }
    if (perf.baseline) write({ model, window: 'reference' }, perf.baseline.metrics);
    const estimate = perf.estimate;
    if (estimate) {
      for (const [metric, gauge] of estimates(h)) {
        setFinite(gauge, { model, window: 'current', bound: 'estimate' }, estimate[metric]);
        setFinite(gauge, { model, window: 'current', bound: 'lower' }, estimate.bands[metric]?.lower);
        setFinite(gauge, { model, window: 'current', bound: 'upper' }, estimate.bands[metric]?.upper);
      }
    }
  },
};
