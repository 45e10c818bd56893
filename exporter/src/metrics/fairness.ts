/** Fairness: parity differences and ratios per protected attribute, and the per-group rates. */
import { type Collector, family, type HandlesOf, setFinite } from './family';

export const FAIRNESS_FAMILIES = [
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
] as const;

export const fairness: Collector<HandlesOf<typeof FAIRNESS_FAMILIES>> = {
  name: 'fairness',

  model(h, monitor) {
    const model = monitor.name;
    for (const { attribute, result: r } of monitor.latest?.fairness ?? []) {
      const labels = { model, attribute };
      setFinite(h.modelwatch_fairness_demographic_parity_difference, labels, r.demographic_parity_difference);
      setFinite(h.modelwatch_fairness_demographic_parity_ratio, labels, r.demographic_parity_ratio);
      setFinite(h.modelwatch_fairness_equalized_odds_difference, labels, r.equalized_odds_difference);
      setFinite(h.modelwatch_fairness_equalized_odds_ratio, labels, r.equalized_odds_ratio);
      setFinite(h.modelwatch_fairness_equal_opportunity_difference, labels, r.equal_opportunity_difference);
      setFinite(h.modelwatch_fairness_equal_opportunity_ratio, labels, r.equal_opportunity_ratio);
      for (const [group, g] of Object.entries(r.groups)) {
        const gl = { model, attribute, group };
        setFinite(h.modelwatch_group_rows, gl, g.count);
        setFinite(h.modelwatch_group_selection_rate_ratio, gl, g.selection_rate);
        setFinite(h.modelwatch_group_true_positive_rate_ratio, gl, g.tpr);
        setFinite(h.modelwatch_group_false_positive_rate_ratio, gl, g.fpr);
      }
    }
  },
};
