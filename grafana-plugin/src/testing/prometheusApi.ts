/**
 * Test support: the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`) as Grafana's Prometheus
 * data source reads it — response types, sample values, times, and how a saved panel target is run.
 * No runtime dependency on @grafana/* (usable in Node tests); ./prometheusFrames builds the DataFrames.
 */
import type { Labels } from '@grafana/data';

import type { Point, SeriesSpec } from './promFrames';

/** A sample as the API encodes it: Unix seconds (with a fraction) and the value as a string. */
export type PromApiSample = [seconds: number, value: string];

export type PromQueryData =
  | { resultType: 'vector'; result: Array<{ metric: Labels; value: PromApiSample }> }
  | { resultType: 'matrix'; result: Array<{ metric: Labels; values: PromApiSample[] }> }
  | { resultType: 'scalar'; result: PromApiSample }
  | { resultType: 'string'; result: PromApiSample };

/** The JSON body of a query API response. */
export interface PromApiResponse {
  status: 'success' | 'error';
  data?: PromQueryData;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** A Prometheus panel target as saved in dashboard JSON: the properties that decide the frames. */
export interface PromTarget {
  refId: string;
  expr: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  /** Absent or '' is "Verbose" (metric{labels}); '__auto' is "Auto"; otherwise a `{{label}}` template. */
  legendFormat?: string;
}

/** One executed target: the API's `data` and the step Grafana used for it. */
export interface PromTargetResult {
  target: PromTarget;
  data: PromQueryData;
  /** The calculated step in ms (Grafana computes one for instant queries too). */
  stepMs: number;
}

/**
 * The query type Grafana runs for a target: instant when `instant` is set, otherwise range (older
 * dashboards with neither flag run as range queries).
 */
export function targetQueryType(target: PromTarget): 'instant' | 'range' {
  return target.instant ? 'instant' : 'range';
}

/** A sample value as Go's strconv.ParseFloat reads what Prometheus writes: decimals, "NaN", "+Inf", "-Inf". */
export function parsePromValue(text: string): number {
  const t = text.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) {
    return Number.POSITIVE_INFINITY;
  }
  if (/^-inf(inity)?$/i.test(t)) {
    return Number.NEGATIVE_INFINITY;
  }
  if (/^nan$/i.test(t)) {
    return Number.NaN;
  }
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) {
    throw new Error(`not a Prometheus sample value: ${JSON.stringify(text)}`);
  }
  return n;
}

/** Unix seconds with a fraction (API) → Unix milliseconds (frames). */
export function promTimeToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

function point([seconds, value]: PromApiSample): Point {
  return [promTimeToMs(seconds), parsePromValue(value)];
}

/** The series of a query result, in the order Prometheus returned them. */
export function promResultSeries(data: PromQueryData): SeriesSpec[] {
  switch (data.resultType) {
    case 'vector':
      return data.result.map((s) => ({ labels: { ...s.metric }, points: [point(s.value)] }));
    case 'matrix':
      return data.result.map((s) => ({ labels: { ...s.metric }, points: s.values.map(point) }));
    case 'scalar':
      return [{ labels: {}, points: [point(data.result)] }];
    default:
      throw new Error(`result type ${data.resultType} is not a numeric result`);
  }
}

/** The `data` of a successful API response; throws with Prometheus' error otherwise. */
export function promResponseData(body: PromApiResponse): PromQueryData {
  if (body.status !== 'success' || !body.data) {
    throw new Error(`Prometheus query failed: ${body.errorType ?? 'error'}: ${body.error ?? 'no data'}`);
  }
  return body.data;
}
