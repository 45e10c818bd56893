import { FieldType, toDataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import { promTableFrames, promTimeSeriesFrames, type SeriesSpec } from '../testing/promFrames';
import { framesToSeries, latest, toSampleValue } from './frames';

const T0 = 1_763_899_200_000;

const binSeries: SeriesSpec[] = [
  {
    labels: {
      __name__: 'modelwatch_feature_bin_ratio',
      model: 'm',
      feature: 'age',
      bin: '30',
      dataset: 'reference',
    },
    points: [[T0, 0.5]] as Array<[number, number]>,
  },
  {
    labels: {
      __name__: 'modelwatch_feature_bin_ratio',
      model: 'm',
      feature: 'age',
      bin: '+Inf',
      dataset: 'reference',
    },
    points: [[T0, 0.5]] as Array<[number, number]>,
  },
];
const rowSeries: SeriesSpec[] = [
  {
    labels: { __name__: 'modelwatch_reference_rows', model: 'm' },
    points: [[T0, 5000]] as Array<[number, number]>,
  },
  {
    labels: { __name__: 'modelwatch_window_rows', model: 'm', window: 'current' },
    points: [[T0, 120]] as Array<[number, number]>,
  },
];

describe('fixtures are shaped like the Prometheus data source', () => {
  it('time series format: one frame per series, Time + Value with labels', () => {
    const frames = promTimeSeriesFrames({ refId: 'A', expr: 'x', instant: true }, binSeries);
    expect(frames).toHaveLength(2);
    const f = frames[0]!;
    expect(f.refId).toBe('A');
    expect(f.meta?.type).toBe('numeric-multi');
    expect(f.fields.map((x) => [x.name, x.type])).toEqual([
      ['Time', FieldType.time],
      ['Value', FieldType.number],
    ]);
    expect(Object.keys(f.fields[1]!.labels!)).toEqual(['__name__', 'bin', 'dataset', 'feature', 'model']);
    // legend Auto with labels: no display name from the data source
    expect(f.fields[1]!.config.displayNameFromDS).toBeUndefined();
  });

  it('legend formats set displayNameFromDS and the frame name like the backend', () => {
    const verbose = promTimeSeriesFrames({ refId: 'A', expr: 'x', legendFormat: '' }, binSeries)[0]!;
    expect(verbose.fields[1]!.config.displayNameFromDS).toBe(
      'modelwatch_feature_bin_ratio{bin="30", dataset="reference", feature="age", model="m"}',
    );
    const custom = promTimeSeriesFrames(
      { refId: 'A', expr: 'x', legendFormat: '{{feature}} {{bin}}' },
      binSeries,
    )[0]!;
    expect(custom.fields[1]!.config.displayNameFromDS).toBe('age 30');
    expect(custom.name).toBe('age 30');
  });

  it('table format: Time, sorted label columns with __name__, Value #refId', () => {
    const [a, d] = promTableFrames([
      { query: { refId: 'A', expr: 'x', instant: true }, series: binSeries },
      { query: { refId: 'D', expr: 'y', instant: true }, series: rowSeries },
    ]);
    expect(a!.fields.map((f) => f.name)).toEqual([
      'Time',
      '__name__',
      'bin',
      'dataset',
      'feature',
      'model',
      'Value #A',
    ]);
    expect(d!.fields.map((f) => f.name)).toEqual(['Time', '__name__', 'model', 'window', 'Value #D']);
    // the reference_rows series has no window label: '' in that row
    expect(d!.fields[3]!.values).toEqual(['', 'current']);
    const single = promTableFrames([{ query: { refId: 'A', expr: 'x', instant: true }, series: binSeries }]);
    expect(single[0]!.fields.at(-1)!.name).toBe('Value');
  });
});

describe('framesToSeries', () => {
  it('reads time series frames and takes the metric from __name__', () => {
    const series = framesToSeries(promTimeSeriesFrames({ refId: 'A', expr: 'x', instant: true }, binSeries));
    expect(series).toHaveLength(2);
    expect(series[0]).toEqual({
      metric: 'modelwatch_feature_bin_ratio',
      labels: { bin: '30', dataset: 'reference', feature: 'age', model: 'm' },
      times: [T0],
      values: [0.5],
      refId: 'A',
    });
  });

  it('reads table frames row by row, dropping empty label cells', () => {
    const frames = promTableFrames([
      { query: { refId: 'A', expr: 'x', instant: true }, series: binSeries },
      { query: { refId: 'D', expr: 'y', instant: true }, series: rowSeries },
    ]);
    const series = framesToSeries(frames);
    expect(series).toHaveLength(4);
    const ref = series.find((s) => s.metric === 'modelwatch_reference_rows')!;
    expect(ref.labels).toEqual({ model: 'm' });
    expect(ref.values).toEqual([5000]);
    expect(ref.refId).toBe('D');
    const inf = series.find((s) => s.labels.bin === '+Inf')!;
    expect(inf.refId).toBe('A');
  });

  it('groups table rows of a range query into one series per label set, in time order', () => {
    const pts: Array<[number, number]> = [
      [T0, 0.1],
      [T0 + 60_000, 0.2],
      [T0 + 120_000, 0.3],
    ];
    const frames = promTableFrames([
      {
        query: { refId: 'B', expr: 'x' },
        series: [
          {
            labels: { __name__: 'modelwatch_feature_drift_score', model: 'm', feature: 'a', method: 'psi' },
            points: pts,
          },
          {
            labels: { __name__: 'modelwatch_feature_drift_score', model: 'm', feature: 'b', method: 'psi' },
            points: pts,
          },
        ],
      },
    ]);
    const series = framesToSeries(frames);
    expect(series).toHaveLength(2);
    expect(series[0]!.times).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(series[0]!.values).toEqual([0.1, 0.2, 0.3]);
  });

  it('names the metric from the dataplane field name, the legend or the frame name when __name__ is gone', () => {
    const dataplane = promTimeSeriesFrames({ refId: 'A', expr: 'x', dataplane: true }, binSeries);
    expect(dataplane[0]!.fields[1]!.name).toBe('modelwatch_feature_bin_ratio');
    expect(framesToSeries(dataplane)[0]!.metric).toBe('modelwatch_feature_bin_ratio');

    const aggregated = toDataFrame({
      refId: 'B',
      fields: [
        { name: 'Time', type: FieldType.time, values: [T0] },
        {
          name: 'Value',
          type: FieldType.number,
          values: [0.3],
          labels: { feature: 'age', model: 'm', method: 'psi' },
          config: { displayNameFromDS: 'modelwatch_feature_drift_score' },
        },
      ],
    });
    expect(framesToSeries([aggregated])[0]!.metric).toBe('modelwatch_feature_drift_score');
  });

  it('ignores frames without numbers and keeps unknown metrics unnamed', () => {
    const strings = toDataFrame({ fields: [{ name: 'msg', type: FieldType.string, values: ['x'] }] });
    const other = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [T0] },
        { name: 'Value', type: FieldType.number, values: [1], labels: { job: 'x' } },
      ],
    });
    const series = framesToSeries([strings, other]);
    expect(series).toHaveLength(1);
    expect(series[0]!.metric).toBeUndefined();
  });

  it('parses Prometheus sample strings and special values', () => {
    expect(toSampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(toSampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(toSampleValue('NaN')).toBeNaN();
    expect(toSampleValue('0.25')).toBe(0.25);
    expect(toSampleValue('abc')).toBeNull();
    expect(toSampleValue(null)).toBeNull();
    expect(latest({ metric: 'x', labels: {}, times: [1, 2, 3], values: [1, 2, Number.NaN] })).toEqual({
      time: 2,
      value: 2,
    });
    expect(latest({ metric: 'x', labels: {}, times: [1], values: [null] })).toBeUndefined();
  });
});
