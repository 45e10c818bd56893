/** modelwatch / Fairness (modelwatch-fairness). */

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

const F = CONFIG.fairness;

/** The family's series of the selected model and attributes. */
const selected = (family: string) => `${family}{model="$model", attribute=~"$attribute"}`;

export default dashboard({
  uid: 'modelwatch-fairness',
  title: 'modelwatch / Fairness',
  description:
    'Group rates and parity metrics (Fairlearn definitions) per protected attribute, against the four-fifths rule.',
  tags: ['modelwatch', 'fairness'],
  from: 'now-24h',
  variables: [
    modelVariable(),
    labelVariable(
      'attribute',
      'Protected attribute',
      'label_values(modelwatch_group_rows{model="$model"}, attribute)',
      { multi: true },
    ),
  ],
  panels: [
    statPanel({
      title: 'Worst demographic parity ratio',
      description: `Min/max selection rate over the groups of the selected attributes. Four-fifths rule: at least ${F.parityRatio}.`,
      grid: [0, 0, 6, 4],
      unit: 'short',
      decimals: 2,
      steps: ['red', [F.parityRatio, 'green']],
      color: 'background',
      queries: [instant(`min(${selected('modelwatch_fairness_demographic_parity_ratio')})`)],
    }),
    statPanel({
      title: 'Worst equalized odds difference',
      grid: [6, 0, 6, 4],
      unit: 'short',
      decimals: 3,
      steps: ['green', [0.1, 'orange'], [0.2, 'red']],
      queries: [instant(`max(${selected('modelwatch_fairness_equalized_odds_difference')})`)],
    }),
    statPanel({
      title: 'Worst equal opportunity difference',
      grid: [12, 0, 6, 4],
      unit: 'short',
      decimals: 3,
      steps: ['green', [0.1, 'orange'], [0.2, 'red']],
      queries: [instant(`max(${selected('modelwatch_fairness_equal_opportunity_difference')})`)],
    }),
    statPanel({
      title: 'Smallest group (rows)',
      description: `Fewer than ${F.minGroupRows} rows in any group: ModelFairnessViolation does not judge the attribute.`,
      grid: [18, 0, 6, 4],
      unit: 'short',
      steps: ['orange', [F.minGroupRows, 'green']],
      queries: [instant(`min(${selected('modelwatch_group_rows')})`)],
    }),
    timeSeriesPanel({
      title: `Demographic parity ratio (threshold ${F.parityRatio})`,
      description: `Min over max selection rate across groups; the red area is below the four-fifths (${F.parityRatio}) rule.`,
      grid: [0, 4, 12, 8],
      unit: 'none',
      min: 0,
      max: 1,
      decimals: 2,
      steps: ['red', [F.parityRatio, 'transparent']],
      thresholdsStyle: 'line+area',
      queries: [range(selected('modelwatch_fairness_demographic_parity_ratio'), '{{attribute}}')],
    }),
    timeSeriesPanel({
      title: `Equalized odds and equal opportunity ratios (threshold ${F.parityRatio})`,
      grid: [12, 4, 12, 8],
      unit: 'none',
      min: 0,
      max: 1,
      decimals: 2,
      steps: ['red', [F.parityRatio, 'transparent']],
      thresholdsStyle: 'line+area',
      queries: [
        range(selected('modelwatch_fairness_equalized_odds_ratio'), 'equalized odds {{attribute}}'),
        range(selected('modelwatch_fairness_equal_opportunity_ratio'), 'equal opportunity {{attribute}}'),
      ],
    }),
    timeSeriesPanel({
      title: 'Parity differences',
      description: 'Max minus min across groups (0 = parity).',
      grid: [0, 12, 24, 8],
      unit: 'short',
      min: 0,
      decimals: 3,
      queries: [
        range(
          selected('modelwatch_fairness_demographic_parity_difference'),
          'demographic parity {{attribute}}',
        ),
        range(selected('modelwatch_fairness_equalized_odds_difference'), 'equalized odds {{attribute}}'),
        range(
          selected('modelwatch_fairness_equal_opportunity_difference'),
          'equal opportunity {{attribute}}',
        ),
      ],
    }),
    ...(
      [
        ['Selection rate by group', 'modelwatch_group_selection_rate_ratio'],
        ['True positive rate by group', 'modelwatch_group_true_positive_rate_ratio'],
        ['False positive rate by group', 'modelwatch_group_false_positive_rate_ratio'],
      ] as const
    ).map(([title, family], i) =>
      barGaugePanel({
        title,
        ...(i === 0 ? { description: 'Share of the group predicted positive (current window).' } : {}),
        grid: [8 * i, 20, 8, 8],
        unit: 'percentunit',
        steps: ['green'],
        gradient: 'continuous-BlPu',
        queries: [instant(selected(family), '{{attribute}} = {{group}}')],
      }),
    ),
    timeSeriesPanel({
      title: 'Selection rate by group over time',
      grid: [0, 28, 12, 8],
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: [range(selected('modelwatch_group_selection_rate_ratio'), '{{attribute}} = {{group}}')],
    }),
    timeSeriesPanel({
      title: 'Rows per group',
      grid: [12, 28, 12, 8],
      unit: 'short',
      steps: ['orange', [F.minGroupRows, 'transparent']],
      thresholdsStyle: 'dashed',
      queries: [range(selected('modelwatch_group_rows'), '{{attribute}} = {{group}}')],
    }),
  ],
});
