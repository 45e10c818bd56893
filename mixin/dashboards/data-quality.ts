/** modelwatch / Data quality (modelwatch-data-quality). */

import { CONFIG } from '../config';
import {
  barGaugePanel,
  dashboard,
  instant,
  labelVariable,
  modelVariable,
  range,
  statPanel,
  timeSeriesPanel,
} from './lib';

const DQ = CONFIG.dataQuality;

export default dashboard({
  uid: 'modelwatch-data-quality',
  title: 'modelwatch / Data quality',
  description: 'Missing values, out-of-range values and unseen categories per feature in the current window.',
  tags: ['modelwatch', 'data-quality'],
  from: 'now-6h',
  variables: [
    modelVariable(),
    labelVariable(
      'feature',
      'Feature',
      'label_values(modelwatch_feature_missing_ratio{model="$model"}, feature)',
      { multi: true },
    ),
  ],
  panels: [
    statPanel({
      title: 'Worst missing share',
      grid: [0, 0, 6, 4],
      unit: 'percentunit',
      steps: ['green', [DQ.warning.missing, 'orange'], [DQ.critical, 'red']],
      queries: [instant('max(modelwatch_feature_missing_ratio{model="$model", feature=~"$feature"})')],
    }),
    statPanel({
      title: 'Worst out-of-range share',
      grid: [6, 0, 6, 4],
      unit: 'percentunit',
      steps: ['green', [DQ.warning.outOfRange, 'orange'], [DQ.critical, 'red']],

      queries: [instant('max(modelwatch_feature_out_of_range_ratio{model="$model", feature=~"$feature"})')],
    }),
    statPanel({
      title: 'Worst unseen-category share',
      grid: [12, 0, 6, 4],
      unit: 'percentunit',
      steps: ['green', [DQ.warning.unseenCategory, 'orange'], [DQ.critical, 'red']],

      queries: [
        instant('max(modelwatch_feature_unseen_category_ratio{model="$model", feature=~"$feature"})'),
      ],
    }),
    statPanel({
      title: 'Features over a warning threshold',
      description: 'Feature/check pairs over the ModelDataQualityDegraded warning thresholds.',
      grid: [18, 0, 6, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      queries: [
        instant(
          'count(\n    modelwatch_feature_missing_ratio{model="$model"} > 0.1\n  or\n    modelwatch_feature_out_of_range_ratio{model="$model"} > 0.05\n  or\n    modelwatch_feature_unseen_category_ratio{model="$model"} > 0.05\n) or vector(0)',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Missing share',
      description: 'Share of current-window rows where the feature is missing (warning above 10%).',
      grid: [0, 4, 8, 8],
      unit: 'percentunit',
      min: 0,
      softMax: 0.2,
      steps: ['green', [DQ.warning.missing, 'orange'], [DQ.critical, 'red']],
      thresholdsStyle: 'dashed',
      queries: [
        range('modelwatch_feature_missing_ratio{model="$model", feature=~"$feature"}', '{{feature}}'),
      ],
    }),
    timeSeriesPanel({
      title: 'Out-of-range share',
      description: 'Share of current numeric values outside the reference [min, max] (warning above 5%).',
      grid: [8, 4, 8, 8],
      unit: 'percentunit',
      min: 0,
      softMax: 0.1,
      steps: ['green', [DQ.warning.outOfRange, 'orange'], [DQ.critical, 'red']],

      thresholdsStyle: 'dashed',
      queries: [
        range('modelwatch_feature_out_of_range_ratio{model="$model", feature=~"$feature"}', '{{feature}}'),
      ],
    }),
    timeSeriesPanel({
      title: 'Unseen-category share',
      description: 'Share of current categorical values absent from the reference (warning above 5%).',
      grid: [16, 4, 8, 8],
      unit: 'percentunit',
      min: 0,
      softMax: 0.1,
      steps: ['green', [DQ.warning.unseenCategory, 'orange'], [DQ.critical, 'red']],

      thresholdsStyle: 'dashed',
      queries: [
        range('modelwatch_feature_unseen_category_ratio{model="$model", feature=~"$feature"}', '{{feature}}'),
      ],
    }),
    barGaugePanel({
      title: 'Missing share by feature (now)',
      grid: [0, 12, 12, 8],
      unit: 'percentunit',
      steps: ['green', [DQ.warning.missing, 'orange'], [DQ.critical, 'red']],
      queries: [
        instant('modelwatch_feature_missing_ratio{model="$model", feature=~"$feature"}', '{{feature}}'),
      ],
    }),
    timeSeriesPanel({
      title: 'Rows in the windows',
      description: 'Shares from few rows are noisy; drift verdicts wait for the minimum.',
      grid: [12, 12, 12, 8],
      unit: 'short',
      queries: [
        range('modelwatch_window_rows{model="$model"}', '{{window}}'),
        range('modelwatch_window_min_rows{model="$model"}', 'minimum for drift verdicts'),
      ],
    }),
  ],
});
