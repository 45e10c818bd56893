/**
 * Test support: Prometheus HTTP API responses (`/api/v1/query`, `/api/v1/query_range`) turned into the
 * DataFrames Grafana's Prometheus data source hands a panel, so a browser test can feed the panel what a
 * real Prometheus returned.
 *
 * What Grafana does, in two steps (checked against grafana/grafana: pkg/promlib and
 * packages/grafana-prometheus/src/result_transformer.ts):
 * 1. Backend (promlib `converter` + `querydata/response.go`): every series of a vector, matrix or scalar
 *    result becomes one frame `Time` + `Value` (labels on the value field); the legend sets the frame name
 *    and `displayNameFromDS`; `Time.config.interval` is the query's step; the first frame of a query carries
 *    `executedQueryString`. A query without any series still yields one empty frame for its refId.
 * 2. Frontend (`transformV2`): the frames of targets with `format: "table"` are merged per refId into one
 *    table frame (`transformDFToTable`); every other frame gets `preferredVisualisationType: "graph"`.
 *    Order: the time series frames first, then the table frames.
 * The frame shapes themselves are built by ./promFrames (promTimeSeriesFrames, promTableFrames); the API
 * side (response types, values, query types) is ./prometheusApi.
 */
import type { DataFrame } from '@grafana/data';

import { type PromTargetResult, promResultSeries, targetQueryType } from './prometheusApi';
import { promTableFrames, promTimeSeriesFrames, type QuerySpec, type SeriesSpec } from './promFrames';

function querySpec(r: PromTargetResult): QuerySpec {
  return {
    refId: r.target.refId,
    expr: r.target.expr,
    instant: targetQueryType(r.target) === 'instant',
    stepMs: r.stepMs,
    legendFormat: r.target.legendFormat ?? '',
  };
}

function formatStep(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The frame the backend returns for a query without series (metadata only). */
function emptyFrame(r: PromTargetResult): DataFrame {
  return {
    refId: r.target.refId,
    fields: [],
    length: 0,
    meta: {
      typeVersion: [0, 0],
      executedQueryString: `Expr: ${r.target.expr}\nStep: ${formatStep(r.stepMs)}`,
      preferredVisualisationType: 'graph',
    },
  };
}

/**
 * The DataFrames a panel receives for these targets, given what Prometheus returned for each.
 * Heatmap-format targets are not supported (the drift panel does not use them).
 */
export function grafanaPrometheusFrames(results: readonly PromTargetResult[]): DataFrame[] {
  const seriesFrames: DataFrame[] = [];
  const tables: Array<{ query: QuerySpec; series: SeriesSpec[] }> = [];
  const emptyTables: DataFrame[] = [];
  for (const r of results) {
    if (r.target.format === 'heatmap') {
      throw new Error(`target ${r.target.refId}: heatmap format is not supported`);
    }
    const series = promResultSeries(r.data);
    if (r.target.format === 'table') {
      tables.push({ query: querySpec(r), series });
      if (series.length === 0) {
        emptyTables.push(emptyFrame(r));
      }
      continue;
    }
    seriesFrames.push(
      ...(series.length === 0 ? [emptyFrame(r)] : promTimeSeriesFrames(querySpec(r), series)),
    );
  }
  // transformDFToTable hands back a single empty frame unchanged …
  if (tables.length === 1 && emptyTables.length === 1) {
    return [...seriesFrames, ...emptyTables];
  }
  // … and otherwise keeps the empty frame's metadata on that query's (row-less) table.
  const tableFrames = (tables.length > 0 ? promTableFrames(tables) : []).map((frame) => {
    const empty = emptyTables.find((e) => e.refId === frame.refId);
    return empty
      ? { ...frame, meta: { ...empty.meta, preferredVisualisationType: 'rawPrometheus' as const } }
      : frame;
  });
  return [...seriesFrames, ...tableFrames];
}
