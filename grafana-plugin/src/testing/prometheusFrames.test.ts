import { FieldType } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import { framesToSeries } from '../data/frames';
import {
  type PromApiResponse,
  type PromQueryData,
  parsePromValue,
  promResponseData,
  promResultSeries,
  promTimeToMs,
  targetQueryType,
} from './prometheusApi';
import { grafanaPrometheusFrames } from './prometheusFrames';

// Trimmed from what Prometheus 2.42 returned for the demo (`modelwatch demo` scraped every second).
const T = 1795433506.902;
const INSTANCE = { instance: '127.0.0.1:38259', job: 'modelwatch' };
const binRatio: PromApiResponse = {
  status: 'success',
  data: {
    resultType: 'vector',
    result: [
      {
        metric: {
          __name__: 'modelwatch_feature_bin_ratio',
          bin: '+Inf',
          dataset: 'current',
          feature: 'age',
          ...INSTANCE,
          model: 'credit-risk',
        },
        value: [T, '0.22663139329805995'],
      },
      {
        metric: {
          __name__: 'modelwatch_feature_bin_ratio',
          bin: '13411.800000000003',
          dataset: 'reference',
          feature: 'credit_amount',
          ...INSTANCE,
          model: 'credit-risk',
        },
        value: [T, '0.1'],
      },
    ],
  },
};
const verdicts: PromQueryData = {
  resultType: 'vector',
  result: [
    {
      metric: { __name__: 'modelwatch_feature_drifted', feature: 'age', ...INSTANCE, model: 'credit-risk' },
      value: [T, '1'],
    },
    {
      metric: {
        __name__: 'modelwatch_feature_drift_p_value',
        feature: 'x',
        method: 'ks',
        model: 'credit-risk',
      },
      value: [T, 'NaN'],
    },
  ],
};
const scores: PromQueryData = {
  resultType: 'matrix',
  result: [
    {
      metric: {
        __name__: 'modelwatch_feature_drift_score',
        feature: 'age',
        ...INSTANCE,
        method: 'wasserstein',
        model: 'credit-risk',
      },
      values: [
        [1795433500, '0.05'],
        [1795433501, '0.21'],
        [1795433503, '+Inf'],
      ],
    },
  ],
};
const empty: PromQueryData = { resultType: 'vector', result: [] };

const A = {
  refId: 'A',
  expr: 'modelwatch_feature_bin_ratio{model="credit-risk"}',
  instant: true,
  range: false,
};
const B = { refId: 'B', expr: 'modelwatch_feature_drift_score{model="credit-risk"}', range: true };
const C = {
  refId: 'C',
  expr: 'modelwatch_feature_drifted{model="credit-risk"}',
  instant: true,
  range: false,
};

describe('Prometheus API values and times', () => {
  it('reads sample strings as Go does, including NaN and ±Inf', () => {
    expect(parsePromValue('0.22663139329805995')).toBe(0.22663139329805995);
    expect(parsePromValue('1e-7')).toBe(1e-7);
    expect(parsePromValue('NaN')).toBeNaN();
    expect(parsePromValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePromValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(() => parsePromValue('')).toThrow(/sample value/);
    expect(() => parsePromValue('abc')).toThrow(/sample value/);
  });

  it('turns fractional seconds into whole milliseconds', () => {
    expect(promTimeToMs(T)).toBe(1795433506902);
    expect(promTimeToMs(1795433500)).toBe(1795433500000);
  });

  it('keeps the series in the order Prometheus returned them; scalars have no labels', () => {
    const series = promResultSeries(promResponseData(binRatio));
    expect(series.map((s) => s.labels.feature)).toEqual(['age', 'credit_amount']);
    expect(series[0]!.points).toEqual([[1795433506902, 0.22663139329805995]]);
    expect(promResultSeries({ resultType: 'scalar', result: [T, '3'] })).toEqual([
      { labels: {}, points: [[1795433506902, 3]] },
    ]);
    expect(() => promResultSeries({ resultType: 'string', result: [T, 'x'] })).toThrow(/not a numeric/);
  });

  it('reports Prometheus errors', () => {
    expect(() =>
      promResponseData({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }),
    ).toThrow('Prometheus query failed: bad_data: parse error at char 3');
  });

  it('runs targets with neither flag as range queries (older dashboards)', () => {
    expect(targetQueryType({ refId: 'A', expr: 'x' })).toBe('range');
    expect(targetQueryType({ refId: 'A', expr: 'x', instant: true, range: false })).toBe('instant');
    expect(targetQueryType(B)).toBe('range');
  });
});

describe('time series format (the provisioned drift dashboard)', () => {
  const frames = grafanaPrometheusFrames([
    { target: A, data: promResponseData(binRatio), stepMs: 1000 },
    { target: B, data: scores, stepMs: 1000 },
    { target: C, data: verdicts, stepMs: 1000 },
  ]);

  it('one frame per series: Time (interval = step) and Value with every Prometheus label', () => {
    expect(frames.map((f) => f.refId)).toEqual(['A', 'A', 'B', 'C', 'C']);
    const f = frames[0]!;
    expect(f.fields.map((x) => [x.name, x.type])).toEqual([
      ['Time', FieldType.time],
      ['Value', FieldType.number],
    ]);
    expect(f.fields[0]!.values).toEqual([1795433506902]);
    expect(f.fields[0]!.config.interval).toBe(1000);
    expect(f.fields[1]!.values).toEqual([0.22663139329805995]);
    // labels as Go encodes a map: sorted, __name__ first, job and instance from the scrape included
    expect(Object.keys(f.fields[1]!.labels!)).toEqual([
      '__name__',
      'bin',
      'dataset',
      'feature',
      'instance',
      'job',
      'model',
    ]);
  });

  it('no legend format is "Verbose": frame name and displayNameFromDS are metric{labels}', () => {
    const name =
      'modelwatch_feature_bin_ratio{bin="+Inf", dataset="current", feature="age", instance="127.0.0.1:38259", job="modelwatch", model="credit-risk"}';
    expect(frames[0]!.name).toBe(name);
    expect(frames[0]!.fields[1]!.config.displayNameFromDS).toBe(name);
  });

  it('instant queries are numeric-multi (vector), range queries timeseries-multi (matrix)', () => {
    expect(frames[0]!.meta).toMatchObject({
      type: 'numeric-multi',
      custom: { resultType: 'vector' },
      preferredVisualisationType: 'graph',
      executedQueryString: `Expr: ${A.expr}\nStep: 1s`,
    });
    // executedQueryString only on the first frame of a query
    expect(frames[1]!.meta?.executedQueryString).toBeUndefined();
    const b = frames[2]!;
    expect(b.meta).toMatchObject({ type: 'timeseries-multi', custom: { resultType: 'matrix' } });
    expect(b.fields[0]!.values).toEqual([1795433500000, 1795433501000, 1795433503000]);
    expect(b.fields[1]!.values).toEqual([0.05, 0.21, Number.POSITIVE_INFINITY]);
    expect(b.length).toBe(3);
  });

  it('a query without series still has a frame for its refId, without fields', () => {
    const out = grafanaPrometheusFrames([{ target: C, data: empty, stepMs: 15_000 }]);
    expect(out).toEqual([
      {
        refId: 'C',
        fields: [],
        length: 0,
        meta: {
          typeVersion: [0, 0],
          executedQueryString: `Expr: ${C.expr}\nStep: 15s`,
          preferredVisualisationType: 'graph',
        },
      },
    ]);
  });

  it('legend formats: Auto gives no name, a template gives the label values', () => {
    const auto = grafanaPrometheusFrames([
      { target: { ...A, legendFormat: '__auto' }, data: promResponseData(binRatio), stepMs: 1000 },
    ]);
    expect(auto[0]!.name).toBeUndefined();
    expect(auto[0]!.fields[1]!.config.displayNameFromDS).toBeUndefined();
    const custom = grafanaPrometheusFrames([
      {
        target: { ...A, legendFormat: '{{feature}} {{bin}}' },
        data: promResponseData(binRatio),
        stepMs: 1000,
      },
    ]);
    expect(custom[1]!.name).toBe('credit_amount 13411.800000000003');
  });

  it('the panel reads back every series, metric, label and value', () => {
    const series = framesToSeries(frames);
    expect(series).toHaveLength(5);
    expect(series[0]).toMatchObject({
      metric: 'modelwatch_feature_bin_ratio',
      labels: { feature: 'age', bin: '+Inf', dataset: 'current', model: 'credit-risk', ...INSTANCE },
      times: [1795433506902],
      values: [0.22663139329805995],
      refId: 'A',
    });
    expect(series[4]!.metric).toBe('modelwatch_feature_drift_p_value');
    expect(series[4]!.values[0]).toBeNaN();
  });
});

describe('table format (the README variant)', () => {
  it('merges each table query into one frame: Time, label columns, Value #refId; series frames first', () => {
    const frames = grafanaPrometheusFrames([
      { target: { ...A, format: 'table' }, data: promResponseData(binRatio), stepMs: 1000 },
      { target: B, data: scores, stepMs: 1000 },
      { target: { ...C, format: 'table' }, data: verdicts, stepMs: 1000 },
    ]);
    expect(frames.map((f) => f.refId)).toEqual(['B', 'A', 'C']);
    const a = frames[1]!;
    expect(a.fields.map((f) => f.name)).toEqual([
      'Time',
      '__name__',
      'bin',
      'dataset',
      'feature',
      'instance',
      'job',
      'model',
      'Value #A',
    ]);
    expect(a.meta?.preferredVisualisationType).toBe('rawPrometheus');
    expect(a.fields.find((f) => f.name === 'bin')!.values).toEqual(['+Inf', '13411.800000000003']);
    // C: the p-value series has no instance/job, so those cells are ''
    const c = frames[2]!;
    expect(c.fields.find((f) => f.name === 'job')!.values).toEqual(['modelwatch', '']);
    expect(c.fields.at(-1)!.name).toBe('Value #C');
    expect(c.fields.at(-1)!.values[1]).toBeNaN();
    expect(framesToSeries(frames).map((s) => [s.refId, s.metric, s.labels.feature])).toEqual([
      ['B', 'modelwatch_feature_drift_score', 'age'],
      ['A', 'modelwatch_feature_bin_ratio', 'age'],
      ['A', 'modelwatch_feature_bin_ratio', 'credit_amount'],
      ['C', 'modelwatch_feature_drifted', 'age'],
      ['C', 'modelwatch_feature_drift_p_value', 'x'],
    ]);
  });

  it('one table query is named Value; an empty one alone is handed back as the empty frame', () => {
    const one = grafanaPrometheusFrames([
      { target: { ...A, format: 'table' }, data: promResponseData(binRatio), stepMs: 1000 },
    ]);
    expect(one[0]!.fields.at(-1)!.name).toBe('Value');
    const none = grafanaPrometheusFrames([{ target: { ...C, format: 'table' }, data: empty, stepMs: 1000 }]);
    expect(none).toHaveLength(1);
    expect(none[0]!.fields).toEqual([]);
    const mixed = grafanaPrometheusFrames([
      { target: { ...A, format: 'table' }, data: promResponseData(binRatio), stepMs: 1000 },
      { target: { ...C, format: 'table' }, data: empty, stepMs: 1000 },
    ]);
    expect(mixed[1]!.length).toBe(0);
    expect(mixed[1]!.fields.map((f) => f.name)).toEqual(['Time', 'Value #C']);
    expect(mixed[1]!.meta?.executedQueryString).toBe(`Expr: ${C.expr}\nStep: 1s`);
  });
});
