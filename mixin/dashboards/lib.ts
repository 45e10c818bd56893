/**
 * Shared builders for the provisioned dashboards, on Grafana's Foundation SDK: one data source, one
 * query shape, and a builder per panel kind (stat, time series, table, bar gauge, state timeline,
 * heatmap, row, the modelwatch drift panel) that fixes the look every dashboard shares and takes only
 * what differs between panels. `dashboard()` adds the shared annotation, links and refresh, and
 * numbers the panels in layout order.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { DriftPanelOptions } from '../../grafana-plugin/src/types';

/** The Prometheus data source every panel, query, variable and annotation uses (provisioning/grafana/datasources). */
export const DATASOURCE = { type: 'prometheus', uid: 'modelwatch-prometheus' } as const;

// Queries ----------------------------------------------------------------------------------------

export interface Query {
  expr: string;
  legend?: string;
  /** Instant query (the latest value) instead of a range query. */
  instant?: boolean;
  format?: 'table' | 'heatmap';
}

/** A range query, drawn over time. */
export const range = (expr: string, legend?: string, format?: Query['format']): Query => ({
  expr,
  legend,
  format,
});
/** An instant query: the latest value only. */
export const instant = (expr: string, legend?: string, format?: Query['format']): Query => ({
  expr,
  legend,
  instant: true,
  format,
});

function target(q: Query, i: number): prometheus.DataqueryBuilder {
  const t = new prometheus.DataqueryBuilder()
    .datasource(DATASOURCE)
    .refId(String.fromCharCode(65 + i))
    .editorMode(prometheus.QueryEditorMode.Code)
    .expr(q.expr);
  if (q.legend !== undefined) t.legendFormat(q.legend);
  if (q.instant) t.instant();
  else t.range();
  if (q.format)
    t.format(q.format === 'table' ? prometheus.PromQueryFormat.Table : prometheus.PromQueryFormat.Heatmap);
  return t;
}

/** p50, p95 and p99 over time of a histogram's `_bucket` series (a selector), summed over the rest. */
export const quantiles = (buckets: string): Query[] =>
  [0.5, 0.95, 0.99].map((q) =>
    range(
      `histogram_quantile(${q}, sum by (le) (rate(${buckets}[$__rate_interval])))`,
      `p${Math.round(q * 100)}`,
    ),
  );

// Field settings ---------------------------------------------------------------------------------

/** Threshold steps: a base colour, then [from value, colour] pairs. */
export type Steps = [base: string, ...steps: [number, string][]];

export function thresholds(steps: Steps): dash.ThresholdsConfigBuilder {
  const [base, ...rest] = steps;
  return new dash.ThresholdsConfigBuilder()
    .mode(dash.ThresholdsMode.Absolute)
    .steps([{ color: base, value: null }, ...rest.map(([value, color]) => ({ color, value }))]);
}

/** Value → [text, colour] display mapping. */
export function valueMap(values: Record<string, [text: string, color: string]>): dash.ValueMap {
  const options: Record<string, dash.ValueMappingResult> = {};
  Object.entries(values).forEach(([value, [text, color]], index) => {
    options[value] = { text, color, index };
  });
  return { type: dash.MappingType.ValueToText, options };
}

const colorMode = (mode: string) => new dash.FieldColorBuilder().mode(mode as dash.FieldColorModeId);

export type Grid = [x: number, y: number, w: number, h: number];
const gridPos = ([x, y, w, h]: Grid) => ({ x, y, w, h });

/** What every panel has: a title, an optional description, a place and its queries. */
export interface PanelSpec {
  title: string;
  description?: string;
  grid: Grid;
  queries: Query[];
}

interface PanelLike<B> {
  title(t: string): B;
  description(d: string): B;
  datasource(d: typeof DATASOURCE): B;
  gridPos(g: { x: number; y: number; w: number; h: number }): B;
  withTarget(t: prometheus.DataqueryBuilder): B;
}

function base<B extends PanelLike<B>>(panel: B, spec: PanelSpec): B {
  panel.title(spec.title);
  if (spec.description !== undefined) panel.description(spec.description);
  panel.datasource(DATASOURCE).gridPos(gridPos(spec.grid));
  spec.queries.forEach((q, i) => {
    panel.withTarget(target(q, i));
  });
  return panel;
}

/** Data links from a model name to its drift and performance dashboards (Grafana's `${...}` variables). */
export function modelLinks(): dash.DynamicConfigValue {
  const link = (title: string, uid: string) => ({
    title: `${title} of $\{__value.raw}`,
    url: `/d/${uid}?var-model=$\{__value.raw}&$\{__url_time_range}`,
  });
  return {
    id: 'links',
    value: [link('Drift', 'modelwatch-drift'), link('Performance', 'modelwatch-performance')],
  };
}

// Panels -----------------------------------------------------------------------------------------

export interface StatSpec extends PanelSpec {
  unit: string;
  decimals?: number;
  steps?: Steps;
  mapping?: dash.ValueMap;
  color?: 'value' | 'background';
  /** Draw the value's history behind it. */
  sparkline?: boolean;
  /** Show the series name instead of the value. */
  nameOnly?: boolean;
}

export function statPanel(spec: StatSpec): stat.PanelBuilder {
  const p = base(new stat.PanelBuilder(), spec)
    .unit(spec.unit)
    .colorScheme(colorMode('thresholds'))
    .thresholds(thresholds(spec.steps ?? ['green']))
    .mappings(spec.mapping ? [spec.mapping] : [])
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
    .colorMode(
      spec.color === 'background' ? common.BigValueColorMode.Background : common.BigValueColorMode.Value,
    )
    .graphMode(spec.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto)
    .textMode(spec.nameOnly ? common.BigValueTextMode.Name : common.BigValueTextMode.Auto)
    .showPercentChange(false)
    .wideLayout(true);
  if (spec.decimals !== undefined) p.decimals(spec.decimals);
  return p;
}

export interface TimeSeriesSpec extends PanelSpec {
  unit: string;
  min?: number;
  max?: number;
  decimals?: number;
  softMin?: number;
  softMax?: number;
  /** Threshold steps and how they are drawn (default: not drawn). */
  steps?: Steps;
  thresholdsStyle?: 'dashed' | 'line+area';
  fillOpacity?: number;
  stacked?: boolean;
  logScale?: boolean;
  /** Legend as a list instead of a table. */
  listLegend?: boolean;
  calcs?: string[];
  overrides?: Override[];
}

export interface Override {
  matcher: { id: string; options: string };
  properties: dash.DynamicConfigValue[];
}
export const byName = (name: string, properties: dash.DynamicConfigValue[]): Override => ({
  matcher: { id: 'byName', options: name },
  properties,
});
export const byRegexp = (regexp: string, properties: dash.DynamicConfigValue[]): Override => ({
  matcher: { id: 'byRegexp', options: regexp },
  properties,
});

export function timeSeriesPanel(spec: TimeSeriesSpec): timeseries.PanelBuilder {
  const p = base(new timeseries.PanelBuilder(), spec).unit(spec.unit);
  {
    if (spec.min !== undefined) p.min(spec.min);
    if (spec.max !== undefined) p.max(spec.max);
    if (spec.decimals !== undefined) p.decimals(spec.decimals);
    p.colorScheme(colorMode('palette-classic'))
      .drawStyle(common.GraphDrawStyle.Line)
      .lineWidth(1)
      .fillOpacity(spec.fillOpacity ?? 0)
      .showPoints(common.VisibilityMode.Never)
      .spanNulls(false)
      .axisPlacement(common.AxisPlacement.Auto);
    if (spec.softMin !== undefined) p.axisSoftMin(spec.softMin);
    if (spec.softMax !== undefined) p.axisSoftMax(spec.softMax);
    const scale = new common.ScaleDistributionConfigBuilder();
    if (spec.logScale) scale.type(common.ScaleDistribution.Log).log(10);
    else scale.type(common.ScaleDistribution.Linear);
    p.scaleDistribution(scale)
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(
          (spec.thresholdsStyle ?? 'off') as common.GraphThresholdsStyleMode,
        ),
      )
      .stacking(
        new common.StackingConfigBuilder()
          .mode(spec.stacked ? common.StackingMode.Normal : common.StackingMode.None)
          .group('A'),
      )
      .thresholds(thresholds(spec.steps ?? ['green']))
      .mappings([]);
  }
  for (const o of spec.overrides ?? []) p.withOverride(o);
  return p
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(spec.listLegend ? common.LegendDisplayMode.List : common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(spec.calcs ?? ['lastNotNull']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
}

export interface BarGaugeSpec extends PanelSpec {
  unit: string;
  decimals?: number;
  steps: Steps;
  /** A continuous colour scheme instead of the threshold colours. */
  gradient?: string;
}

export function barGaugePanel(spec: BarGaugeSpec): bargauge.PanelBuilder {
  const p = base(new bargauge.PanelBuilder(), spec).unit(spec.unit).min(0).max(1);
  if (spec.decimals !== undefined) p.decimals(spec.decimals);
  return p
    .colorScheme(colorMode(spec.gradient ?? 'thresholds'))
    .thresholds(thresholds(spec.steps))
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
    .showUnfilled(true)
    .valueMode(common.BarGaugeValueMode.Color)
    .namePlacement(common.BarGaugeNamePlacement.Auto)
    .sizing(common.BarGaugeSizing.Auto)
    .minVizHeight(16)
    .maxVizHeight(300);
}

export interface StateTimelineSpec extends PanelSpec {
  steps: Steps;
  mapping: dash.ValueMap;
}

export function stateTimelinePanel(spec: StateTimelineSpec): statetimeline.PanelBuilder {
  return base(new statetimeline.PanelBuilder(), spec)
    .colorScheme(colorMode('thresholds'))
    .thresholds(thresholds(spec.steps))
    .mappings([spec.mapping])
    .fillOpacity(80)
    .lineWidth(0)
    .mergeValues(true)
    .showValue(common.VisibilityMode.Never)
    .alignValue(common.TimelineValueAlignment.Left)
    .rowHeight(0.9)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Single)
        .sort(common.SortOrder.None),
    );
}

export interface TableSpec extends PanelSpec {
  overrides: Override[];
  sortBy?: { displayName: string; desc: boolean }[];
  transformations: dash.DataTransformerConfig[];
}

export function tablePanel(spec: TableSpec): table.PanelBuilder {
  const p = base(new table.PanelBuilder(), spec)
    .align(common.FieldTextAlignment.Auto)
    .cellOptions({ type: 'auto' } as common.TableCellOptions)
    .inspect(false)
    .thresholds(thresholds(['green']))
    .mappings([]);
  for (const o of spec.overrides) p.withOverride(o);
  for (const t of spec.transformations) p.withTransformation(t);
  p.showHeader(true)
    .cellHeight(common.TableCellHeight.Sm)
    .footer(new common.TableFooterOptionsBuilder().show(false).reducer(['sum']).countRows(false).fields([]));
  if (spec.sortBy !== undefined)
    p.sortBy(
      spec.sortBy.map((s) =>
        new common.TableSortByFieldStateBuilder().displayName(s.displayName).desc(s.desc),
      ),
    );
  return p;
}

/** A latency-style heatmap of histogram buckets (`format: heatmap` queries). */
export function heatmapPanel(spec: PanelSpec & { unit: string }): heatmap.PanelBuilder {
  return base(new heatmap.PanelBuilder(), spec)
    .scaleDistribution(new common.ScaleDistributionConfigBuilder().type(common.ScaleDistribution.Linear))
    .calculate(false)
    .cellGap(1)
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .fill('dark-orange')
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64)
        .reverse(false),
    )
    .yAxis(
      new heatmap.YAxisConfigBuilder()
        .axisPlacement(common.AxisPlacement.Left)
        .unit(spec.unit)
        .reverse(false),
    )
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Auto))
    .showLegend()
    .tooltip(
      new heatmap.HeatmapTooltipBuilder()
        .mode(common.TooltipDisplayMode.Single)
        .yHistogram(false)
        .showColorScale(false),
    )
    .filterValues(new heatmap.FilterValueRangeBuilder().le(1e-9))
    .exemplarsColor('rgba(255,0,255,0.7)')
    .cellValues(new heatmap.CellValuesBuilder().unit('short'))
    .showValue(common.VisibilityMode.Never);
}

/** The modelwatch drift panel plugin (grafana-plugin/). */
export function driftPanel(spec: PanelSpec & { options: Partial<DriftPanelOptions> }): dash.PanelBuilder {
  return base(new dash.PanelBuilder().type('modelwatch-drift-panel'), spec)
    .options(spec.options)
    .fieldConfig({ defaults: {}, overrides: [] });
}

/** A section header; a collapsed row carries its panels. */
export function row(title: string, y: number, collapsed?: PanelBuilderAny[]): dash.RowBuilder {
  const r = new dash.RowBuilder(title).gridPos({ x: 0, y, w: 24, h: 1 }).collapsed(collapsed !== undefined);
  for (const p of collapsed ?? []) r.withPanel(p);
  return r;
}

// Variables and the dashboard ----------------------------------------------------------------------

/** A variable listing label values from a Prometheus query. */
export function labelVariable(
  name: string,
  label: string,
  query: string,
  opts: { multi?: boolean } = {},
): dash.QueryVariableBuilder {
  const v = new dash.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .definition(query)
    .query({ query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .refresh(dash.VariableRefresh.OnTimeRangeChanged)
    .sort(dash.VariableSort.AlphabeticalAsc)
    .regex('')
    .hide(dash.VariableHide.DontHide)
    .multi(opts.multi ?? false)
    .includeAll(opts.multi ?? false)
    .options([]);
  if (opts.multi) v.allValue('.+').current({ selected: true, text: ['All'], value: ['$__all'] });
  else v.current({} as dash.VariableOption);
  return v;
}

/** The model picker of the per-model dashboards. */
export const modelVariable = () =>
  labelVariable('model', 'Model', 'label_values(modelwatch_model_status, model)');

export type PanelBuilderAny = cog.Builder<dash.Panel>;
export type Item = PanelBuilderAny | dash.RowBuilder;

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  from: string;
  variables?: dash.QueryVariableBuilder[];
  panels: Item[];
}

/** A provisioned dashboard: shared settings, the critical-alerts annotation, links to the others. */
export function dashboard(spec: DashboardSpec): dash.Dashboard {
  const d = new dash.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .fiscalYearStartMonth(0)
    .tooltip(dash.DashboardCursorSync.Crosshair)
    .liveNow(false)
    .refresh('30s')
    .version(1)
    .weekStart('')
    .timezone('browser')
    .time({ from: spec.from, to: 'now' })
    .annotation(
      new dash.AnnotationQueryBuilder()
        .builtIn(1)
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .name('Annotations & Alerts')
        .type('dashboard'),
    )
    .annotation(
      new dash.AnnotationQueryBuilder()
        .datasource(DATASOURCE)
        .enable(true)
        .hide(false)
        .iconColor('red')
        .name('Critical alerts')
        .expr('ALERTS{alertstate="firing", severity="critical"}')
        .step('60s')
        .titleFormat('{{alertname}}')
        .textFormat('{{model}} {{feature}}')
        .useValueForTime(false),
    )
    .link(
      new dash.DashboardLinkBuilder('modelwatch')
        .type(dash.DashboardLinkType.Dashboards)
        .tags(['modelwatch'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .icon('external link')
        .targetBlank(false)
        .tooltip('')
        .url(''),
    )
    .variables(spec.variables ?? []);
  for (const item of spec.panels) {
    if (item instanceof dash.RowBuilder) d.withRow(item);
    else d.withPanel(item);
  }
  const built = d.build();
  built.schemaVersion = 39;
  built.timepicker = {};
  // The SDK places annotation toggles and links in the controls menu by default (Grafana 12); the
  // dashboards keep them in the bar, where Grafana 11 puts them.
  for (const a of built.annotations?.list ?? []) delete a.placement;
  for (const l of built.links ?? []) delete l.placement;
  let id = 0;
  const number = (panels: { id?: number; panels?: unknown[] }[]) => {
    for (const p of panels) {
      p.id = ++id;
      if (p.panels) number(p.panels as { id?: number }[]);
    }
  };
  number(built.panels as { id?: number; panels?: unknown[] }[]);
  return built;
}
