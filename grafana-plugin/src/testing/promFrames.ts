/**
 * Test fixtures: DataFrames shaped exactly as Grafana's Prometheus data source hands them to a panel.
 *
 * Time series format (the backend's `addMetadataToMultiFrame`, pkg/promlib/querydata/response.go):
 * one frame per series, fields `Time` (config.interval = step) and `Value` (labels = all Prometheus
 * labels including `__name__`, sorted as Go encodes maps). The legend decides `config.displayNameFromDS`
 * and `frame.name`: empty legend (Verbose) → `metric{a="b", …}`, `__auto` → none, `{{feature}}` → the
 * label value. With the `prometheusDataplane` toggle the value field is named after `__name__`.
 * meta: `timeseries-multi` (range) or `numeric-multi` (instant) with `custom.resultType`; the frontend's
 * transformV2 adds `preferredVisualisationType: 'graph'` and the first frame carries executedQueryString.
 *
 * Table format (the frontend's `transformDFToTable`, packages/grafana-prometheus/src/result_transformer.ts):
 * one frame per query: `Time`, one string column per label (union in first-seen order, each series' labels
 * sorted, `__name__` first; '' where a series lacks the label; config.filterable) and `Value` — named
 * `Value #<refId>` when more than one query is in table format.
 */
import { type DataFrame, DataFrameType, type Field, FieldType, type Labels } from '@grafana/data';

export type Point = [timeMs: number, value: number];

export interface SeriesSpec {
  /** Prometheus labels including `__name__`. */
  labels: Labels;
  points: Point[];
}

export interface QuerySpec {
  refId: string;
  expr: string;
  /** Range query step in ms (instant queries: 0 → meta numeric-multi). */
  stepMs?: number;
  instant?: boolean;
  /** '' (Verbose), '__auto' (Auto, Grafana's default) or a template such as '{{feature}}'. */
  legendFormat?: string;
  /** The `prometheusDataplane` feature toggle: value field named after `__name__`. */
  dataplane?: boolean;
}

function sortLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) {
    out[k] = labels[k]!;
  }
  return out;
}

/** The backend's getName(): legend → display name ('' when none). */
export function legendName(legendFormat: string | undefined, labels: Labels, expr: string): string {
  const name = labels.__name__ ?? '';
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .sort();
  let legend = rest.length === 0 ? (name ? name : '{}') : `${name}{${rest.join(', ')}}`;
  if (legendFormat === '__auto') {
    if (Object.keys(labels).length > 0) {
      legend = '';
    }
  } else if (legendFormat) {
    legend = legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, label: string) => labels[label] ?? '');
  }
  return legend === '{}' ? expr : legend;
}

/** Frames for one Prometheus query in "Time series" format (one frame per series). */
export function promTimeSeriesFrames(query: QuerySpec, series: readonly SeriesSpec[]): DataFrame[] {
  const instant = query.instant ?? false;
  const stepMs = query.stepMs ?? (instant ? 0 : 60_000);
  return series.map((s, i) => {
    const labels = sortLabels(s.labels);
    const display = legendName(query.legendFormat ?? '__auto', labels, query.expr);
    const time: Field = {
      name: 'Time',
      type: FieldType.time,
      config: { interval: stepMs },
      values: s.points.map((p) => p[0]),
    };
    const value: Field = {
      name: query.dataplane && labels.__name__ ? labels.__name__ : 'Value',
      type: FieldType.number,
      labels,
      config: display ? { displayNameFromDS: display } : {},
      values: s.points.map((p) => p[1]),
    };
    const frame: DataFrame = {
      refId: query.refId,
      meta: {
        type: instant ? DataFrameType.NumericMulti : DataFrameType.TimeSeriesMulti,
        typeVersion: [0, 1],
        custom: { resultType: instant ? 'vector' : 'matrix' },
        ...(i === 0 ? { executedQueryString: `Expr: ${query.expr}\nStep: ${stepMs / 1000}s` } : {}),
        preferredVisualisationType: 'graph',
      },
      fields: [time, value],
      length: s.points.length,
    };
    if (!query.dataplane && display) {
      frame.name = display;
    }
    return frame;
  });
}

/**
 * Frames for several queries in "Table" format: what transformDFToTable makes of the backend's
 * per-series frames (grouped by refId).
 */
export function promTableFrames(
  queries: ReadonlyArray<{ query: QuerySpec; series: readonly SeriesSpec[] }>,
): DataFrame[] {
  const valueName = (refId: string): string => (queries.length > 1 ? `Value #${refId}` : 'Value');
  return queries.map(({ query, series }) => {
    const perSeries = promTimeSeriesFrames(query, series);
    const labelFields: Field[] = [];
    for (const df of perSeries) {
      for (const label of Object.keys(df.fields[1]!.labels ?? {}).sort()) {
        if (!labelFields.some((l) => l.name === label)) {
          labelFields.push({ name: label, config: { filterable: true }, type: FieldType.string, values: [] });
        }
      }
    }
    const time: Field = { name: 'Time', type: FieldType.time, config: {}, values: [] };
    const value: Field = { name: valueName(query.refId), type: FieldType.number, config: {}, values: [] };
    for (const df of perSeries) {
      time.config.interval ??= df.fields[0]!.config.interval;
      const labels = df.fields[1]!.labels ?? {};
      for (const t of df.fields[0]!.values) {
        time.values.push(t);
      }
      for (const v of df.fields[1]!.values) {
        value.values.push(v);
        for (const lf of labelFields) {
          lf.values.push(Object.hasOwn(labels, lf.name) ? labels[lf.name] : '');
        }
      }
    }
    // transformDFToTable sorts by time when the concatenation is out of order
    const order = time.values.map((_, i) => i);
    order.sort((a, b) => (time.values[a] as number) - (time.values[b] as number));
    const reorder = (f: Field): Field => ({ ...f, values: order.map((i) => f.values[i]) });
    return {
      refId: query.refId,
      meta: { ...perSeries[0]?.meta, preferredVisualisationType: 'rawPrometheus' },
      fields: [time, ...labelFields, value].map(reorder),
      length: time.values.length,
    } as DataFrame;
  });
}
