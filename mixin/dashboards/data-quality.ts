/** modelwatch / Data quality (modelwatch-data-quality). */

import { CONFIG, percent } from '../config';
import {
  barGaugePanel,
  dashboard,
  instant,
  labelVariable,
  modelVariable,
  range,
  type Steps,
  statPanel,
  timeSeriesPanel,
} from './lib';

const DQ = CONFIG.dataQuality;

/** The three checks: title, family, warning threshold, the y-axis soft maximum, what the share is. */
const CHECKS = [
  {
    title: 'Missing share',
    worst: 'Worst missing share',
    family: 'modelwatch_feature_missing_ratio',
    warning: DQ.warning.missing,
    softMax: 0.2,
    what: 'Share of current-window rows where the feature is missing',
  },
  {
    title: 'Out-of-range share',
    worst: 'Worst out-of-range share',
    family: 'modelwatch_feature_out_of_range_ratio',
    warning: DQ.warning.outOfRange,
    softMax: 0.1,
    what: 'Share of current numeric values outside the reference [min, max]',
  },
  {
    title: 'Unseen-category share',
    worst: 'Worst unseen-category share',
    family: 'modelwatch_feature_unseen_category_ratio',
    warning: DQ.warning.unseenCategory,
    softMax: 0.1,
    what: 'Share of current categorical values absent from the reference',
  },
] as const;

const steps = (warning: number): Steps => ['green', [warning, 'orange'], [DQ.critical, 'red']];
const selected = (family: string) => `${family}{model="$model", feature=~"$feature"}`;

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
    ...CHECKS.map((c, i) =>
      statPanel({
        title: c.worst,
        grid: [6 * i, 0, 6, 4],
        unit: 'percentunit',
        steps: steps(c.warning),
        queries: [instant(`max(${selected(c.family)})`)],
      }),
    ),
    statPanel({
      title: 'Features over a warning threshold',
      description: 'Feature/check pairs over the ModelDataQualityDegraded warning thresholds.',
      grid: [18, 0, 6, 4],
      unit: 'short',
      steps: ['green', [1, 'orange']],
      queries: [
        instant(
          `count(\n${CHECKS.map((c) => `    ${c.family}{model="$model"} > ${c.warning}`).join('\n  or\n')}\n) or vector(0)`,
        ),
      ],
    }),
    ...CHECKS.map((c, i) =>
      timeSeriesPanel({
        title: c.title,
        description: `${c.what} (warning above ${percent(c.warning)}).`,
        grid: [8 * i, 4, 8, 8],
        unit: 'percentunit',
        min: 0,
        softMax: c.softMax,
        steps: steps(c.warning),
        thresholdsStyle: 'dashed',
        queries: [range(selected(c.family), '{{feature}}')],
      }),
    ),
    barGaugePanel({
      title: 'Missing share by feature (now)',
      grid: [0, 12, 12, 8],
      unit: 'percentunit',
      steps: steps(DQ.warning.missing),
      queries: [instant(selected('modelwatch_feature_missing_ratio'), '{{feature}}')],
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
