/** modelwatch / Performance (modelwatch-performance). */
import {
  barGaugePanel,
  byName,
  dashboard,
  type Grid,
  instant,
  modelVariable,
  quantiles,
  range,
  row,
  statPanel,
  timeSeriesPanel,
  valueMap,
} from './lib';

const HIDDEN = { legend: true, tooltip: false, viz: false };
const BLUE = { mode: 'fixed', fixedColor: 'blue' };

/**
 * A realised metric (needs labels) against its label-free estimate, drawn dashed, and the estimate's
 * expected band (reference mean ± 3σ) as a shaded area between the `upper band` and `lower band` series.
 */
function realisedVsEstimated(title: string, metric: string, grid: Grid, unit = 'percentunit') {
  const what = /^[A-Z0-9 ]+$/.test(title) ? title : title.toLowerCase(); // acronyms keep their case
  const estimate = (bound: string) =>
    `modelwatch_estimated_${metric}_ratio{model="$model", bound="${bound}"}`;
  return timeSeriesPanel({
    title,
    description: `Realised ${what} (needs labels) against the label-free estimate and its expected band (reference mean ± 3σ). An estimate below the band fires ModelEstimatedPerformanceDegraded.`,
    grid,
    unit,
    decimals: 3,
    overrides: [
      byName('upper band', [
        { id: 'custom.fillBelowTo', value: 'lower band' },
        { id: 'custom.lineWidth', value: 0 },
        { id: 'custom.fillOpacity', value: 15 },
        { id: 'color', value: BLUE },
        { id: 'custom.hideFrom', value: HIDDEN },
      ]),
      byName('lower band', [
        { id: 'custom.lineWidth', value: 0 },
        { id: 'color', value: BLUE },
        { id: 'custom.hideFrom', value: HIDDEN },
      ]),
      byName('estimated', [
        { id: 'color', value: BLUE },
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      ]),
    ],
    queries: [
      range(`modelwatch_model_${metric}_ratio{model="$model", segment=""}`, 'realised ({{window}})'),
      range(estimate('estimate'), 'estimated'),
      range(estimate('upper'), 'upper band'),
      range(estimate('lower'), 'lower band'),
    ],
  });
}

export default dashboard({
  uid: 'modelwatch-performance',
  title: 'modelwatch / Performance',
  description:
    'Realised performance from delayed labels, label-free estimates with their bands, label coverage and segments.',
  tags: ['modelwatch', 'performance'],
  from: 'now-24h',
  variables: [modelVariable()],
  panels: [
    statPanel({
      title: 'Label coverage',
      description:
        'Share of predictions in the window that already have their label (lowest window). Realised metrics are noisy when it is low.',
      grid: [0, 0, 4, 4],
      unit: 'percentunit',
      steps: ['red', [0.2, 'orange'], [0.5, 'green']],
      queries: [instant('min(modelwatch_label_coverage_ratio{model="$model"})')],
    }),
    statPanel({
      title: 'Predictions / s',
      grid: [4, 0, 4, 4],
      unit: 'reqps',
      decimals: 1,
      sparkline: true,
      queries: [instant('model:modelwatch_predictions:rate5m{model="$model"}')],
    }),
    statPanel({
      title: 'Labels / s',
      grid: [8, 0, 4, 4],
      unit: 'reqps',
      decimals: 1,
      sparkline: true,
      queries: [instant('model:modelwatch_feedback:rate5m{model="$model"}')],
    }),
    statPanel({
      title: 'Status',
      grid: [12, 0, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'orange'], [2, 'red']],
      mapping: valueMap({ '0': ['healthy', 'green'], '1': ['warning', 'orange'], '2': ['critical', 'red'] }),
      color: 'background',
      queries: [instant('max(modelwatch_model_status{model="$model"})')],
    }),
    statPanel({
      title: 'Retraining',
      grid: [16, 0, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      mapping: valueMap({ '0': ['not needed', 'green'], '1': ['recommended', 'red'] }),
      color: 'background',
      queries: [instant('max(modelwatch_retraining_recommended{model="$model"})')],
    }),
    statPanel({
      title: 'Retraining requests (range)',
      grid: [20, 0, 4, 4],
      unit: 'short',
      decimals: 0,
      queries: [instant('sum(increase(modelwatch_retraining_requests_total{model="$model"}[$__range]))')],
    }),
    row('Realised vs estimated', 4),
    realisedVsEstimated('Accuracy', 'accuracy', [0, 5, 12, 8]),
    realisedVsEstimated('ROC AUC', 'roc_auc', [12, 5, 12, 8], 'none'),
    realisedVsEstimated('F1', 'f1', [0, 13, 12, 8]),
    realisedVsEstimated('Precision', 'precision', [12, 13, 12, 8]),
    realisedVsEstimated('Recall', 'recall', [0, 21, 12, 8]),
    timeSeriesPanel({
      title: 'Log loss, Brier score, calibration error',
      description: 'Lower is better.',
      grid: [12, 21, 12, 8],
      unit: 'short',
      decimals: 3,
      queries: [
        range('modelwatch_model_log_loss{model="$model", segment=""}', 'log loss ({{window}})'),
        range('modelwatch_model_brier_score{model="$model", segment=""}', 'Brier ({{window}})'),
        range('modelwatch_model_calibration_error_ratio{model="$model", segment=""}', 'ECE ({{window}})'),
      ],
    }),
    row('Labels', 29),
    timeSeriesPanel({
      title: 'Label coverage',
      grid: [0, 30, 12, 8],
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: [range('modelwatch_label_coverage_ratio{model="$model"}', '{{window}}')],
    }),
    timeSeriesPanel({
      title: 'Predictions and labels',
      grid: [12, 30, 12, 8],
      unit: 'reqps',
      queries: [
        range('sum(rate(modelwatch_predictions_total{model="$model"}[$__rate_interval]))', 'predictions'),
        range('sum(rate(modelwatch_feedback_total{model="$model"}[$__rate_interval]))', 'labels'),
      ],
    }),
    row('Segments', 38),
    barGaugePanel({
      title: 'Accuracy by segment',
      grid: [0, 39, 8, 8],
      unit: 'percentunit',
      steps: ['red', [0.7, 'orange'], [0.85, 'green']],
      queries: [
        instant('modelwatch_model_accuracy_ratio{model="$model", segment!=""}', '{{segment}} ({{window}})'),
      ],
    }),
    barGaugePanel({
      title: 'ROC AUC by segment',
      grid: [8, 39, 8, 8],
      unit: 'none',
      decimals: 3,
      steps: ['red', [0.6, 'orange'], [0.75, 'green']],
      queries: [
        instant('modelwatch_model_roc_auc_ratio{model="$model", segment!=""}', '{{segment}} ({{window}})'),
      ],
    }),
    timeSeriesPanel({
      title: 'F1 by segment',
      grid: [16, 39, 8, 8],
      unit: 'percentunit',
      queries: [range('modelwatch_model_f1_ratio{model="$model", segment!=""}', '{{segment}} ({{window}})')],
    }),
    row('Serving latency', 47),
    timeSeriesPanel({
      title: 'Prediction latency (as logged)',
      description: 'Model serving latency logged with each prediction (latency_seconds).',
      grid: [0, 48, 24, 8],
      unit: 's',
      queries: [...quantiles('modelwatch_prediction_latency_seconds_bucket{model="$model"}')],
    }),
    row('Regression models', 64, [
      timeSeriesPanel({
        title: 'MAE and RMSE',
        grid: [0, 56, 8, 8],
        unit: 'short',
        queries: [
          range('modelwatch_model_mae{model="$model", segment=""}', 'MAE ({{window}})'),
          range('modelwatch_model_rmse{model="$model", segment=""}', 'RMSE ({{window}})'),
        ],
      }),
      timeSeriesPanel({
        title: 'R²',
        grid: [8, 56, 8, 8],
        unit: 'short',
        decimals: 3,
        queries: [range('modelwatch_model_r2{model="$model", segment=""}', '{{window}}')],
      }),
      timeSeriesPanel({
        title: 'MAPE',
        grid: [16, 56, 8, 8],
        unit: 'percentunit',
        queries: [range('modelwatch_model_mape_ratio{model="$model", segment=""}', '{{window}}')],
      }),
    ]),
  ],
});
