import { FieldConfigProperty, PanelPlugin } from '@grafana/data';

import { DriftPanel } from './components/DriftPanel';
import { DEFAULT_OPTIONS, type DriftPanelOptions } from './types';

// biome-ignore lint/correctness/useHookAtTopLevel: PanelPlugin.useFieldConfig is a builder method, not a React hook
export const plugin = new PanelPlugin<DriftPanelOptions>(DriftPanel)
  // The panel reads Prometheus series by metric name; unit, min/max, thresholds etc. do not apply.
  .useFieldConfig({ disableStandardOptions: Object.values(FieldConfigProperty) })
  .setPanelOptions((builder) =>
    builder
      .addRadio({
        path: 'mode',
        name: 'View',
        description: 'What the panel shows when the dashboard opens (viewers can switch in the panel).',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.mode,
        settings: {
          options: [
            { value: 'grid', label: 'Features', description: 'Small multiples, drifted features first' },
            { value: 'focus', label: 'Focus', description: 'One feature with axes and details' },
            {
              value: 'timeline',
              label: 'Over time',
              description: 'Heatmap of drift per feature over the time range',
            },
          ],
        },
      })
      .addRadio({
        path: 'chartStyle',
        name: 'Distribution style',
        description:
          'Reference and current side by side, or the current distribution as a step line over the reference.',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.chartStyle,
        settings: {
          options: [
            { value: 'bars', label: 'Bars' },
            { value: 'step', label: 'Step overlay' },
          ],
        },
      })
      .addRadio({
        path: 'sortBy',
        name: 'Sort features',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.sortBy,
        settings: {
          options: [
            {
              value: 'drift',
              label: 'Drift first',
              description: 'Drifted, then unconfirmed, by distance past the threshold',
            },
            { value: 'name', label: 'Name' },
          ],
        },
      })
      .addBooleanSwitch({
        path: 'showOnlyDrifted',
        name: 'Only drifted features',
        description: 'Hide features within their threshold.',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.showOnlyDrifted,
      })
      .addSliderInput({
        path: 'minCardWidth',
        name: 'Minimum card width',
        description: 'Small multiples get as many columns of at least this width as the panel holds.',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.minCardWidth,
        settings: { min: 160, max: 600, step: 10 },
      })
      .addNumberInput({
        path: 'maxCategories',
        name: 'Categories per card',
        description:
          'Categorical features with more categories show the largest ones and merge the rest into "other".',
        category: ['Display'],
        defaultValue: DEFAULT_OPTIONS.maxCategories,
        settings: { min: 2, max: 100, integer: true },
      })
      .addTextInput({
        path: 'model',
        name: 'Model',
        description:
          'Model to show, normally the dashboard variable. Empty: the only (or first) model in the data.',
        category: ['Data'],
        defaultValue: DEFAULT_OPTIONS.model,
        settings: { placeholder: '$model' },
      })
      .addTextInput({
        path: 'feature',
        name: 'Focus feature',
        description:
          'Feature opened in the Focus view (a variable such as $feature works). Empty: the most drifted.',
        category: ['Data'],
        defaultValue: DEFAULT_OPTIONS.feature,
        settings: { placeholder: '$feature' },
      })
      .addRadio({
        path: 'categoryOrder',
        name: 'Category order',
        description: 'Order of categorical bins. Numeric bins are always in numeric order.',
        category: ['Data'],
        defaultValue: DEFAULT_OPTIONS.categoryOrder,
        settings: {
          options: [
            { value: 'name', label: 'Name' },
            { value: 'reference', label: 'Reference share' },
          ],
        },
      })
      .addTextInput({
        path: 'lowerIsDriftMethods',
        name: 'p-value tests',
        description:
          'Tests whose score is a p-value: drift when score < threshold. All other tests drift when score ≥ threshold. Add custom tests registered in the exporter here.',
        category: ['Data'],
        defaultValue: DEFAULT_OPTIONS.lowerIsDriftMethods,
      })
      .addBooleanSwitch({
        path: 'showDashboardLinks',
        name: 'Link to drift dashboard',
        description: 'Link each feature to the drift dashboard with var-model and var-feature set.',
        category: ['Links'],
        defaultValue: DEFAULT_OPTIONS.showDashboardLinks,
      })
      .addTextInput({
        path: 'dashboardUid',
        name: 'Drift dashboard uid',
        category: ['Links'],
        defaultValue: DEFAULT_OPTIONS.dashboardUid,
        showIf: (options) => options.showDashboardLinks,
      }),
  );
