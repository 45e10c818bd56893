import { type DataFrame, type Field, FieldType } from '@grafana/data';

import { isKnownMetric } from './metrics';

/**
 * One Prometheus series as the panel sees it, whatever shape the data source delivered it in.
 * `labels` never contains `__name__`: the metric name is in `metric`.
 */
export interface PromSeries {
  metric: string | undefined;
  labels: Record<string, string>;
  /** Unix milliseconds, ascending as delivered. */
  times: number[];
  /** Sample values; null where the frame had no value. NaN and ±Infinity are kept. */
  values: Array<number | null>;
  refId?: string;
}

const VALUE_FIELD = /^Value(?: #(.+))?$/;
const INFINITY = /^[+-]?inf(?:inity)?$/i;

/** A sample as it may arrive in a field: number, null, or a Prometheus sample string ("+Inf", "NaN", "0.25"). */
export function toSampleValue(value: unknown): number | null {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (INFINITY.test(text)) {
      return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (text === '') {
      return null;
    }
    const n = Number(text);
    return Number.isNaN(n) && text.toLowerCase() !== 'nan' ? null : n;
  }
  return null;
}

/**
 * The metric a number field carries. The `__name__` label first (plain selectors keep it); when a query
 * dropped it (aggregations, `legendFormat`), a known metric name given as the legend, the frame name, or
 * the field name (Grafana's dataplane mode names the value field after the metric) is accepted.
 */
function metricOf(
  frame: DataFrame,
  field: Field,
  labels: Record<string, string> | undefined,
): string | undefined {
  const fromLabel = labels?.__name__;
  if (fromLabel) {
    return fromLabel;
  }
  for (const candidate of [field.config?.displayNameFromDS, frame.name, field.name]) {
    if (isKnownMetric(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function withoutName(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (labels) {
    for (const [k, v] of Object.entries(labels)) {
      if (k !== '__name__') {
        out[k] = String(v);
      }
    }
  }
  return out;
}

function timeFieldOf(frame: DataFrame): Field | undefined {
  return frame.fields.find((f) => f.type === FieldType.time) ?? frame.fields.find((f) => f.name === 'Time');
}

/**
 * A "table" frame is what Grafana's Prometheus data source makes of a query with Format = Table:
 * one frame per query with `Time`, one string column per label (sorted, `__name__` included) and
 * `Value` (or `Value #<refId>` when several table queries run). Each row is one sample.
 */
function isTableFrame(frame: DataFrame): boolean {
  return frame.fields.some((f) => f.type === FieldType.string);
}

function fromTableFrame(frame: DataFrame): PromSeries[] {
  const time = timeFieldOf(frame);
  const labelFields = frame.fields.filter((f) => f.type === FieldType.string);
  const valueFields = frame.fields.filter((f) => f.type === FieldType.number);
  const byKey = new Map<string, PromSeries>();
  const length = frame.length ?? time?.values.length ?? valueFields[0]?.values.length ?? 0;

  for (const valueField of valueFields) {
    const refFromName = VALUE_FIELD.exec(valueField.name)?.[1];
    const refId = refFromName ?? frame.refId;
    for (let row = 0; row < length; row++) {
      const value = toSampleValue(valueField.values[row]);
      if (value === null) {
        continue; // merged tables leave holes where a series has no sample
      }
      const rowLabels: Record<string, string> = {};
      for (const lf of labelFields) {
        const v = lf.values[row];
        // transformDFToTable writes '' for labels a series does not have
        if (v !== undefined && v !== null && v !== '') {
          rowLabels[lf.name] = String(v);
        }
      }
      const labels = { ...withoutName(valueField.labels), ...rowLabels };
      const metric = metricOf(frame, valueField, { ...valueField.labels, ...rowLabels });
      delete labels.__name__;
      const key = `${refId ?? ''}\u0000${metric ?? ''}\u0000${labelKey(labels)}`;
      let series = byKey.get(key);
      if (!series) {
        series = { metric, labels, times: [], values: [], ...(refId ? { refId } : {}) };
        byKey.set(key, series);
      }
      series.times.push(Number(time?.values[row] ?? 0));
      series.values.push(value);
    }
  }
  for (const s of byKey.values()) {
    sortByTime(s);
  }
  return [...byKey.values()];
}

function fromTimeSeriesFrame(frame: DataFrame): PromSeries[] {
  const time = timeFieldOf(frame);
  const out: PromSeries[] = [];
  for (const field of frame.fields) {
    if (field.type !== FieldType.number) {
      continue;
    }
    const n = field.values.length;
    const times: number[] = new Array(n);
    const values: Array<number | null> = new Array(n);
    for (let i = 0; i < n; i++) {
      times[i] = Number(time?.values[i] ?? i);
      values[i] = toSampleValue(field.values[i]);
    }
    out.push({
      metric: metricOf(frame, field, field.labels),
      labels: withoutName(field.labels),
      times,
      values,
      ...(frame.refId ? { refId: frame.refId } : {}),
    });
  }
  return out;
}

function sortByTime(s: PromSeries): void {
  for (let i = 1; i < s.times.length; i++) {
    if (s.times[i]! < s.times[i - 1]!) {
      const order = s.times.map((_, j) => j).sort((a, b) => s.times[a]! - s.times[b]!);
      s.times = order.map((j) => s.times[j]!);
      s.values = order.map((j) => s.values[j]!);
      return;
    }
  }
}

/** A stable key for a label set (sorted `k=v` pairs). */
export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/**
 * Normalise the frames of a panel query result into series. Accepts both shapes Grafana's Prometheus
 * data source produces — time series (one frame per series: `Time` + `Value` with `labels`) and table
 * (one frame per query: `Time`, label columns, `Value #A`) — and wide frames made by transformations.
 */
export function framesToSeries(frames: readonly DataFrame[]): PromSeries[] {
  const out: PromSeries[] = [];
  for (const frame of frames) {
    if (!frame.fields.some((f) => f.type === FieldType.number)) {
      continue;
    }
    out.push(...(isTableFrame(frame) ? fromTableFrame(frame) : fromTimeSeriesFrame(frame)));
  }
  return out;
}

/** The newest finite sample of a series, with its time. */
export function latest(series: PromSeries): { time: number; value: number } | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const v = series.values[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) {
      return { time: series.times[i] ?? 0, value: v };
    }
  }
  return undefined;
}
