/** modelwatch / Overview (modelwatch-overview). */
import {
  byName,
  dashboard,
  instant,
  modelLinks,
  range,
  stateTimelinePanel,
  statPanel,
  tablePanel,
  timeSeriesPanel,
  valueMap,
} from './lib';

export default dashboard({
  uid: 'modelwatch-overview',
  title: 'modelwatch / Overview',
  description: 'Every monitored model at a glance: health, traffic, drift, performance and firing alerts.',
  tags: ['modelwatch', 'overview'],
  from: 'now-6h',
  variables: [],
  panels: [
    statPanel({
      title: 'Models',
      description: 'Models with a health status on any exporter.',
      grid: [0, 0, 4, 4],
      unit: 'short',
      queries: [instant('count(modelwatch_model_status)')],
    }),
    statPanel({
      title: 'Critical',
      grid: [4, 0, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'red']],
      color: 'background',
      queries: [instant('count(modelwatch_model_status == 2) or vector(0)')],
    }),
    statPanel({
      title: 'Warning',
      grid: [8, 0, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      color: 'background',
      queries: [instant('count(modelwatch_model_status == 1) or vector(0)')],
    }),
    statPanel({
      title: 'Firing alerts',
      grid: [12, 0, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      color: 'background',
      queries: [instant('count(ALERTS{alertstate="firing"}) or vector(0)')],
    }),
    statPanel({
      title: 'Predictions / s',
      grid: [16, 0, 4, 4],
      unit: 'reqps',
      decimals: 1,
      sparkline: true,
      queries: [instant('sum(model:modelwatch_predictions:rate5m)')],
    }),
    statPanel({
      title: 'Exporters up',
      description: 'Scraped modelwatch exporters that answered the last scrape.',
      grid: [20, 0, 4, 4],
      unit: 'short',
      steps: ['red', [1, 'green']],
      queries: [instant('sum(up{job="modelwatch"})')],
    }),
    tablePanel({
      title: 'Models',
      description:
        "One row per model. ROC AUC is the worst realised value over the model's windows; estimated accuracy is the label-free estimate. Click a model to open its drift or performance dashboard.",
      grid: [0, 4, 24, 8],
      overrides: [
        byName('Model', [modelLinks()]),
        byName('Status', [
          {
            id: 'mappings',
            value: [
              {
                type: 'value',
                options: {
                  '0': { text: 'healthy', color: 'green', index: 0 },
                  '1': { text: 'warning', color: 'orange', index: 1 },
                  '2': { text: 'critical', color: 'red', index: 2 },
                },
              },
            ],
          },
          { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } },
        ]),
        byName('Predictions / s', [
          { id: 'unit', value: 'reqps' },
          { id: 'decimals', value: 1 },
        ]),
        byName('Drifted features', [
          { id: 'unit', value: 'percentunit' },
          { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
          { id: 'min', value: 0 },
          { id: 'max', value: 1 },
          {
            id: 'thresholds',
            value: {
              mode: 'absolute',
              steps: [
                { color: 'green', value: null },
                { color: 'orange', value: 0.25 },
                { color: 'red', value: 0.5 },
              ],
            },
          },
        ]),
        byName('ROC AUC', [{ id: 'decimals', value: 3 }]),
        byName('Estimated accuracy', [{ id: 'unit', value: 'percentunit' }]),
        byName('Retraining', [
          {
            id: 'mappings',
            value: [
              {
                type: 'value',
                options: {
                  '0': { text: 'no', color: 'green', index: 0 },
                  '1': { text: 'recommended', color: 'red', index: 1 },
                },
              },
            ],
          },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ]),
        byName('Last prediction', [
          { id: 'unit', value: 's' },
          { id: 'decimals', value: 0 },
        ]),
      ],
      sortBy: [],
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            indexByName: {},
            renameByName: {
              model: 'Model',
              'Value #A': 'Status',
              'Value #B': 'Predictions / s',
              'Value #C': 'Drifted features',
              'Value #D': 'ROC AUC',
              'Value #E': 'Estimated accuracy',
              'Value #F': 'Retraining',
              'Value #G': 'Last prediction',
              'Value #H': 'Firing alerts',
            },
          },
        },
      ],
      queries: [
        instant('max by (model) (modelwatch_model_status)', undefined, 'table'),
        instant('model:modelwatch_predictions:rate5m', undefined, 'table'),
        instant('max by (model) (modelwatch_dataset_drift_share_ratio)', undefined, 'table'),
        instant('min by (model) (modelwatch_model_roc_auc_ratio{segment=""})', undefined, 'table'),
        instant('min by (model) (modelwatch_estimated_accuracy_ratio{bound="estimate"})', undefined, 'table'),
        instant('max by (model) (modelwatch_retraining_recommended)', undefined, 'table'),
        instant('time() - max by (model) (modelwatch_last_prediction_timestamp_seconds)', undefined, 'table'),
        instant('count by (model) (ALERTS{alertstate="firing", model!=""})', undefined, 'table'),
      ],
    }),
    stateTimelinePanel({
      title: 'Model status',
      grid: [0, 12, 24, 6],
      steps: ['green', [1, 'orange'], [2, 'red']],
      mapping: valueMap({ '0': ['healthy', 'green'], '1': ['warning', 'orange'], '2': ['critical', 'red'] }),
      queries: [range('max by (model) (modelwatch_model_status)', '{{model}}')],
    }),
    timeSeriesPanel({
      title: 'Traffic',
      description: 'Predictions accepted per second, all replicas and model versions.',
      grid: [0, 18, 12, 8],
      unit: 'reqps',
      calcs: ['mean', 'lastNotNull'],
      queries: [range('sum by (model) (rate(modelwatch_predictions_total[$__rate_interval]))', '{{model}}')],
    }),
    timeSeriesPanel({
      title: 'Drifted share of features',
      description: 'Share of drifted features; dataset drift at 50% (dashed line).',
      grid: [12, 18, 12, 8],
      unit: 'percentunit',
      min: 0,
      max: 1,
      steps: ['green', [0.5, 'red']],
      thresholdsStyle: 'dashed',
      queries: [range('max by (model) (modelwatch_dataset_drift_share_ratio)', '{{model}}')],
    }),
    timeSeriesPanel({
      title: 'Realised ROC AUC',
      description: 'ROC AUC from predictions joined with delayed labels, per model and window.',
      grid: [0, 26, 12, 8],
      unit: 'short',
      decimals: 3,
      softMin: 0.5,
      softMax: 1,
      queries: [range('modelwatch_model_roc_auc_ratio{segment=""}', '{{model}} ({{window}})')],
    }),
    timeSeriesPanel({
      title: 'Estimated accuracy (label-free)',
      grid: [12, 26, 12, 8],
      unit: 'percentunit',
      softMin: 0.5,
      softMax: 1,
      queries: [range('modelwatch_estimated_accuracy_ratio{bound="estimate"}', '{{model}} ({{window}})')],
    }),
    tablePanel({
      title: 'Firing alerts',
      grid: [0, 34, 24, 8],
      overrides: [
        byName('severity', [
          {
            id: 'mappings',
            value: [
              {
                type: 'value',
                options: {
                  critical: { text: 'critical', color: 'red', index: 0 },
                  warning: { text: 'warning', color: 'orange', index: 1 },
                },
              },
            ],
          },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ]),
        byName('model', [modelLinks()]),
      ],
      sortBy: [{ displayName: 'severity', desc: false }],
      transformations: [
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true, Value: true, __name__: true, alertstate: true, job: true },
            indexByName: { alertname: 0, severity: 1, model: 2, category: 3 },
            renameByName: {},
          },
        },
      ],
      queries: [instant('ALERTS{alertstate="firing"}', undefined, 'table')],
    }),
  ],
});
