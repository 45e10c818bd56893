/** modelwatch / Drift (modelwatch-drift). */

import { BUILTIN_DRIFT_TESTS } from '../../exporter/src/stats/registry';
import { CONFIG } from '../config';
import {
  byRegexp,
  dashboard,
  driftPanel,
  instant,
  labelVariable,
  modelVariable,
  range,
  stateTimelinePanel,
  statPanel,
  timeSeriesPanel,
  valueMap,
} from './lib';

/** Tests whose score is a p-value, from the drift-test registry. */
const P_VALUE_TESTS = BUILTIN_DRIFT_TESTS.filter((t) => t.direction === 'p_value')
  .map((t) => t.name)
  .join('|');

export default dashboard({
  uid: 'modelwatch-drift',
  title: 'modelwatch / Drift',
  description:
    'Data and prediction drift of one model: per-feature distributions, scores, p-values, fleet-wide PSI.',
  tags: ['modelwatch', 'drift'],
  from: 'now-6h',
  variables: [
    modelVariable(),
    labelVariable(
      'feature',
      'Feature',
      'label_values(modelwatch_feature_drift_score{model="$model"}, feature)',
      { multi: true },
    ),
  ],
  panels: [
    driftPanel({
      title: 'Feature distributions: current window vs reference',
      description:
        'Per feature: reference and current bin shares, drift score against its threshold (score over time from the range query B), and whether the current window has enough rows for a verdict. Series are matched by metric name, so the queries stay plain selectors.',
      grid: [0, 0, 24, 14],
      options: {
        mode: 'grid',
        chartStyle: 'bars',
        model: '$model',
        feature: '',
        sortBy: 'drift',
        showOnlyDrifted: false,
        showDashboardLinks: true,
        dashboardUid: 'modelwatch-drift',
      },
      queries: [
        instant('modelwatch_feature_bin_ratio{model="$model"}'),
        range('modelwatch_feature_drift_score{model="$model"}'),
        instant('modelwatch_feature_drift_threshold{model="$model"}'),
        instant('modelwatch_feature_drifted{model="$model"}'),
        instant('modelwatch_reference_rows{model="$model"}'),
        instant('modelwatch_window_rows{model="$model"}'),
        instant('modelwatch_window_min_rows{model="$model"}'),
        instant('modelwatch_feature_drift_p_value{model="$model"}'),
      ],
    }),
    statPanel({
      title: 'Dataset drift',
      grid: [0, 14, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'red']],
      mapping: valueMap({ '0': ['no drift', 'green'], '1': ['drift', 'red'] }),
      color: 'background',
      queries: [instant('modelwatch_dataset_drift{model="$model"}')],
    }),
    statPanel({
      title: 'Drifted share',
      grid: [4, 14, 4, 4],
      unit: 'percentunit',
      steps: ['green', [0.25, 'orange'], [0.5, 'red']],
      sparkline: true,
      queries: [instant('modelwatch_dataset_drift_share_ratio{model="$model"}')],
    }),
    statPanel({
      title: 'Drifted features',
      grid: [8, 14, 4, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      queries: [instant('sum(modelwatch_feature_drifted{model="$model"})')],
    }),
    statPanel({
      title: 'Current window rows',
      description: 'Rows in the current drift window (all replicas).',
      grid: [12, 14, 4, 4],
      unit: 'short',
      queries: [instant('sum(modelwatch_window_rows{model="$model", window="current"})')],
    }),
    statPanel({
      title: 'Minimum rows for a verdict',
      grid: [16, 14, 4, 4],
      unit: 'short',
      queries: [instant('max(modelwatch_window_min_rows{model="$model"})')],
    }),
    statPanel({
      title: 'Reference rows',
      grid: [20, 14, 4, 4],
      unit: 'short',
      queries: [instant('max(modelwatch_reference_rows{model="$model"})')],
    }),
    timeSeriesPanel({
      title: 'Drift score per feature',
      description:
        'Score of the test used per feature (for ks/chisquare/ztest the score is a p-value: drift below the threshold). Thresholds dashed.',
      grid: [0, 18, 12, 8],
      unit: 'short',
      overrides: [
        byRegexp('/threshold$/', [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.lineWidth', value: 1 },
        ]),
      ],
      queries: [
        range(
          'modelwatch_feature_drift_score{model="$model", feature=~"$feature"}',
          '{{feature}} ({{method}})',
        ),
        range(
          'modelwatch_feature_drift_threshold{model="$model", feature=~"$feature"}',
          '{{feature}} threshold',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'p-value per feature',
      description:
        'For tests with a p-value (ks, chisquare, ztest), with the level in force ("threshold"): drift below it. Calibrated decisions test at the level the false-alarm budget gives (docs/detection.md); the threshold rule at 0.05.',
      grid: [12, 18, 12, 8],
      unit: 'short',
      logScale: true,
      queries: [
        range(
          'modelwatch_feature_drift_p_value{model="$model", feature=~"$feature"}',
          '{{feature}} ({{method}})',
        ),
        range(
          `modelwatch_feature_drift_threshold{model="$model", feature=~"$feature", method=~"${P_VALUE_TESTS}"}`,
          '{{feature}} threshold',
        ),
      ],
    }),
    stateTimelinePanel({
      title: 'Drifted features',
      grid: [0, 26, 12, 8],
      steps: ['green', [1, 'red']],
      mapping: valueMap({ '0': ['stable', 'green'], '1': ['drifted', 'red'] }),
      queries: [range('modelwatch_feature_drifted{model="$model", feature=~"$feature"}', '{{feature}}')],
    }),
    timeSeriesPanel({
      title: 'Fleet-wide PSI (1h, all replicas)',
      description:
        'PSI of the last hour of traffic of all replicas merged, from the per-bin counters (recording rule model_feature:modelwatch_feature_psi:fleet1h). 0.1: moderate shift, 0.25: significant.',
      grid: [12, 26, 12, 8],
      unit: 'short',
      steps: ['green', [0.1, 'orange'], [CONFIG.drift.fleetPsi, 'red']],
      thresholdsStyle: 'dashed',
      queries: [
        range(
          'model_feature:modelwatch_feature_psi:fleet1h{model="$model", feature=~"$feature"}',
          '{{feature}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Prediction drift',
      description:
        'Drift of the model output (score or predicted label) vs reference, with the threshold in force.',
      grid: [0, 34, 8, 8],
      unit: 'short',
      queries: [
        range('modelwatch_prediction_drift_score{model="$model"}', '{{method}}'),
        range('modelwatch_prediction_drift_threshold{model="$model"}', '{{method}} threshold in force'),
      ],
    }),
    timeSeriesPanel({
      title: 'Multivariate drift',
      description:
        'mmd: MMD²; classifier: domain-classifier ROC AUC (0.5 = indistinguishable). Only when configured.',
      grid: [8, 34, 8, 8],
      unit: 'short',
      queries: [
        range('modelwatch_multivariate_drift_score{model="$model"}', '{{method}}'),
        range('modelwatch_multivariate_drift_p_value{model="$model"}', '{{method}} p-value'),
      ],
    }),
    timeSeriesPanel({
      title: 'Drifted share over time',
      grid: [16, 34, 8, 8],
      unit: 'percentunit',
      min: 0,
      max: 1,
      steps: ['green', [0.5, 'red']],
      thresholdsStyle: 'dashed',
      queries: [range('modelwatch_dataset_drift_share_ratio{model="$model"}', 'drifted share')],
    }),
  ],
});
