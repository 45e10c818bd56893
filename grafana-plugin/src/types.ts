import type { CategoryOrder } from './data/bins';
import { DEFAULT_LOWER_IS_DRIFT_METHODS } from './data/metrics';

export type ViewMode = 'grid' | 'focus' | 'timeline';
export type ChartStyle = 'bars' | 'step';
export type SortBy = 'drift' | 'name';

export interface DriftPanelOptions {
  /** View shown when the dashboard loads: small multiples, one feature, or drift over time. */
  mode: ViewMode;
  /** Reference vs current as side-by-side bars or as a step overlay on the same bins. */
  chartStyle: ChartStyle;
  /** The model to show; normally the dashboard variable ($model). */
  model: string;
  /** Feature opened in focus mode (may be a variable such as $feature); empty = the most drifted. */
  feature: string;
  sortBy: SortBy;
  showOnlyDrifted: boolean;
  /** Smallest width of a small-multiples card in pixels (columns follow the panel width). */
  minCardWidth: number;
  /** Categories drawn per small multiple before the rest are merged into "other". */
  maxCategories: number;
  categoryOrder: CategoryOrder;
  /** Tests whose score is a p-value (drift when score < threshold). */
  lowerIsDriftMethods: string;
  showDashboardLinks: boolean;
  /** uid of the per-feature drift dashboard (variables var-model and var-feature). */
  dashboardUid: string;
}

export const DEFAULT_OPTIONS: DriftPanelOptions = {
  mode: 'grid',
  chartStyle: 'bars',
  model: '$model',
  feature: '',
  sortBy: 'drift',
  showOnlyDrifted: false,
  minCardWidth: 240,
  maxCategories: 12,
  categoryOrder: 'name',
  lowerIsDriftMethods: DEFAULT_LOWER_IS_DRIFT_METHODS.join(', '),
  showDashboardLinks: true,
  dashboardUid: 'modelwatch-drift',
};
