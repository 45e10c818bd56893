/** Data quality: missing values, numeric values outside the reference range, unseen categories. */
import { type Collector, family, type HandlesOf, setFinite } from './family';

export const QUALITY_FAMILIES = [
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
] as const;

export const quality: Collector<HandlesOf<typeof QUALITY_FAMILIES>> = {
  name: 'quality',

  model(h, monitor) {
    const model = monitor.name;
    for (const { name: feature, quality: q } of monitor.latest?.features ?? []) {
      setFinite(h.modelwatch_feature_missing_ratio, { model, feature }, q.missing_share);
      setFinite(h.modelwatch_feature_out_of_range_ratio, { model, feature }, q.out_of_range_share);
      setFinite(h.modelwatch_feature_unseen_category_ratio, { model, feature }, q.unseen_category_share);
    }
  },
};
