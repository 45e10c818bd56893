import { describe, expect, it } from 'vitest';

import type { SeriesSpec } from '../testing/promFrames';
import { buildScenario, scenarioFrames } from '../testing/scenario';
import { buildDriftModel, driftIntensity, exceedsThreshold, pickModel } from './drift';
import { framesToSeries } from './frames';

const T = 1_763_899_200_000;
const s = (metric: string, labels: Record<string, string>, value: number, time = T): SeriesSpec => ({
  labels: { __name__: `modelwatch_${metric}`, ...labels },
  points: [[time, value]],
});
const model = (specs: SeriesSpec[], options = {}) =>
  buildDriftModel(
    framesToSeries(
      // reuse the real frame shape: every spec as an instant query result in time series format
      specs.map((spec) => ({
        refId: 'A',
        fields: [
          { name: 'Time', type: 'time', config: {}, values: spec.points.map((p) => p[0]) },
          {
            name: 'Value',
            type: 'number',
            config: {},
            labels: spec.labels,
            values: spec.points.map((p) => p[1]),
          },
        ],
        length: spec.points.length,
      })) as never,
    ),
    options,
  );

const base = [
  s('feature_bin_ratio', { model: 'm', feature: 'age', bin: '30', dataset: 'reference' }, 0.5),
  s('feature_bin_ratio', { model: 'm', feature: 'age', bin: '+Inf', dataset: 'reference' }, 0.5),
  s('feature_bin_ratio', { model: 'm', feature: 'age', bin: '30', dataset: 'current' }, 0.2),
  s('feature_bin_ratio', { model: 'm', feature: 'age', bin: '+Inf', dataset: 'current' }, 0.8),
  s('feature_bin_ratio', { model: 'm', feature: 'city', bin: 'paris', dataset: 'reference' }, 1),
  s('feature_bin_ratio', { model: 'm', feature: 'city', bin: 'paris', dataset: 'current' }, 1),
  s('feature_drift_score', { model: 'm', feature: 'age', method: 'ks' }, 0.001),
  s('feature_drift_threshold', { model: 'm', feature: 'age', method: 'ks' }, 0.05),
  s('feature_drift_p_value', { model: 'm', feature: 'age', method: 'ks' }, 0.001),
  s('feature_drift_score', { model: 'm', feature: 'city', method: 'jensenshannon' }, 0.02),
  s('feature_drift_threshold', { model: 'm', feature: 'city', method: 'jensenshannon' }, 0.1),
  s('reference_rows', { model: 'm' }, 5000),
  s('window_rows', { model: 'm', window: 'current' }, 1200),
  s('window_min_rows', { model: 'm' }, 500),
];

describe('drift direction', () => {
  it('p-value tests drift below the threshold, distances at or above it', () => {
    expect(exceedsThreshold(0.01, 0.05, 'lower')).toBe(true);
    expect(exceedsThreshold(0.05, 0.05, 'lower')).toBe(false);
    expect(exceedsThreshold(0.1, 0.1, 'higher')).toBe(true);
    expect(exceedsThreshold(0.09, 0.1, 'higher')).toBe(false);
  });
  it('intensity is 1 at the threshold and grows with drift for both directions', () => {
    expect(driftIntensity(0.05, 0.05, 'lower')).toBeCloseTo(1);
    expect(driftIntensity(0.0025, 0.05, 'lower')).toBeCloseTo(2);
    expect(driftIntensity(1, 0.05, 'lower')).toBe(0);
    expect(driftIntensity(0, 0.05, 'lower')).toBeGreaterThan(100);
    expect(driftIntensity(0.2, 0.1, 'higher')).toBeCloseTo(2);
  });
});

describe('buildDriftModel', () => {
  it('joins distributions, score, threshold and p-value per feature', () => {
    const m = model(base);
    expect(m.model).toBe('m');
    expect(m.blocking).toBeUndefined();
    expect(m.notices).toEqual([]);
    expect(m.features.map((f) => f.name)).toEqual(['age', 'city']);
    const age = m.features[0]!;
    expect(age).toMatchObject({
      kind: 'quantile',
      method: 'ks',
      score: 0.001,
      threshold: 0.05,
      pValue: 0.001,
      direction: 'lower',
      exceeded: true,
      verdict: 'drifted',
      thresholdDefaulted: false,
    });
    expect(age.bins.map((b) => [b.label, b.reference, b.current])).toEqual([
      ['< 30', 0.5, 0.2],
      ['≥ 30', 0.5, 0.8],
    ]);
    const city = m.features[1]!;
    expect(city).toMatchObject({ kind: 'categorical', direction: 'higher', exceeded: false, verdict: 'ok' });
    expect(m.referenceRows).toBe(5000);
    expect(m.windowRows).toBe(1200);
    expect(m.windowMinRows).toBe(500);
    expect(m.driftedCount).toBe(1);
  });

  it('distance tests drift at score ≥ threshold (psi 0.1 vs 0.1 is drift)', () => {
    const m = model([
      s('feature_drift_score', { model: 'm', feature: 'x', method: 'psi' }, 0.1),
      s('feature_drift_threshold', { model: 'm', feature: 'x', method: 'psi' }, 0.1),
    ]);
    expect(m.features[0]).toMatchObject({ verdict: 'drifted', exceeded: true, direction: 'higher' });
  });

  it('a p-value of 0.2 is no drift for ks, but a score of 0.2 is drift for psi', () => {
    const m = model([
      s('feature_drift_score', { model: 'm', feature: 'a', method: 'ks' }, 0.2),
      s('feature_drift_threshold', { model: 'm', feature: 'a', method: 'ks' }, 0.05),
      s('feature_drift_score', { model: 'm', feature: 'b', method: 'psi' }, 0.2),
      s('feature_drift_threshold', { model: 'm', feature: 'b', method: 'psi' }, 0.1),
    ]);
    expect(m.features.map((f) => [f.name, f.verdict])).toEqual([
      ['b', 'drifted'],
      ['a', 'ok'],
    ]);
  });

  it('the exporter flag wins; past-threshold but unconfirmed is pending', () => {
    const m = model([
      s('feature_drift_score', { model: 'm', feature: 'a', method: 'psi' }, 0.3),
      s('feature_drift_threshold', { model: 'm', feature: 'a', method: 'psi' }, 0.1),
      s('feature_drifted', { model: 'm', feature: 'a' }, 0),
      s('feature_drift_score', { model: 'm', feature: 'b', method: 'psi' }, 0.05),
      s('feature_drift_threshold', { model: 'm', feature: 'b', method: 'psi' }, 0.1),
      s('feature_drifted', { model: 'm', feature: 'b' }, 1),
    ]);
    expect(m.features.map((f) => [f.name, f.verdict])).toEqual([
      ['b', 'drifted'],
      ['a', 'pending'],
    ]);
    expect(m.pendingCount).toBe(1);
  });

  it('sorts drifted first, then by how far past the threshold, then by name', () => {
    const m = model([
      s('feature_drift_score', { model: 'm', feature: 'mild', method: 'psi' }, 0.12),
      s('feature_drift_threshold', { model: 'm', feature: 'mild', method: 'psi' }, 0.1),
      s('feature_drift_score', { model: 'm', feature: 'strong', method: 'ks' }, 1e-9),
      s('feature_drift_threshold', { model: 'm', feature: 'strong', method: 'ks' }, 0.05),
      s('feature_drift_score', { model: 'm', feature: 'calm', method: 'psi' }, 0.01),
      s('feature_drift_threshold', { model: 'm', feature: 'calm', method: 'psi' }, 0.1),
      s('feature_bin_ratio', { model: 'm', feature: 'nodata', bin: 'a', dataset: 'reference' }, 1),
    ]);
    expect(m.features.map((f) => f.name)).toEqual(['strong', 'mild', 'calm', 'nodata']);
    expect(m.features[3]!.verdict).toBe('unknown');
  });

  it('uses the default threshold when the threshold series is missing and says so', () => {
    const m = model([s('feature_drift_score', { model: 'm', feature: 'a', method: 'wasserstein' }, 0.15)]);
    expect(m.features[0]).toMatchObject({ threshold: 0.1, thresholdDefaulted: true, verdict: 'drifted' });
  });

  it('treats a custom test whose score equals its p-value as a p-value test', () => {
    const m = model([
      s('feature_drift_score', { model: 'm', feature: 'a', method: 'anderson' }, 0.01),
      s('feature_drift_p_value', { model: 'm', feature: 'a', method: 'anderson' }, 0.01),
      s('feature_drift_threshold', { model: 'm', feature: 'a', method: 'anderson' }, 0.05),
    ]);
    expect(m.features[0]).toMatchObject({ direction: 'lower', verdict: 'drifted' });
    const configured = model(
      [
        s('feature_drift_score', { model: 'm', feature: 'a', method: 'anderson' }, 0.01),
        s('feature_drift_threshold', { model: 'm', feature: 'a', method: 'anderson' }, 0.05),
      ],
      { lowerIsDriftMethods: ['anderson'] },
    );
    expect(configured.features[0]!.direction).toBe('lower');
  });

  it('keeps the newest sample when a metric comes as a range query', () => {
    const m = model([
      {
        labels: { __name__: 'modelwatch_feature_drift_score', model: 'm', feature: 'a', method: 'psi' },
        points: [
          [T, 0.5],
          [T + 60_000, 0.05],
        ],
      },
    ]);
    expect(m.features[0]!.score).toBe(0.05);
  });

  it('ignores window_rows of other windows', () => {
    const m = model([...base, s('window_rows', { model: 'm', window: '1h' }, 3)]);
    expect(m.windowRows).toBe(1200);
  });
});

describe('empty and partial data', () => {
  it('no modelwatch data at all', () => {
    const m = model([]);
    expect(m.blocking?.code).toBe('no-data');
  });

  it('no reference uploaded: window rows exported but no reference_rows', () => {
    const m = model([
      s('window_rows', { model: 'm', window: 'current' }, 800),
      s('window_min_rows', { model: 'm' }, 500),
    ]);
    expect(m.blocking).toMatchObject({ code: 'no-reference', title: 'No reference uploaded for m' });
  });

  it('window below minimum size: warning, reference still shown', () => {
    const scenario = buildScenario({
      features: 3,
      windowRows: 120,
      windowMinRows: 1000,
      withholdCurrent: true,
    });
    const m = buildDriftModel(framesToSeries(scenarioFrames(scenario)));
    expect(m.blocking).toBeUndefined();
    expect(m.notices.map((n) => n.code)).toEqual(['window-too-small']);
    expect(m.notices[0]!.title).toBe('Window below minimum size: 120 of 1,000 rows');
    expect(m.features).toHaveLength(3);
    expect(m.features.every((f) => f.bins.every((b) => b.current === null && b.reference !== null))).toBe(
      true,
    );
    expect(m.features.every((f) => f.verdict === 'unknown')).toBe(true);
  });

  it('empty window', () => {
    const m = model([
      ...base.filter((x) => x.labels.__name__ !== 'modelwatch_window_rows'),
      s('window_rows', { model: 'm', window: 'current' }, 0),
    ]);
    expect(m.notices.map((n) => n.code)).toContain('window-empty');
  });

  it('missing queries are named', () => {
    const onlyScores = model(base.filter((x) => x.labels.__name__ === 'modelwatch_feature_drift_score'));
    expect(onlyScores.notices.map((n) => n.code)).toEqual(['no-bins']);
    const onlyBins = model(base.filter((x) => x.labels.__name__ === 'modelwatch_feature_bin_ratio'));
    expect(onlyBins.notices.map((n) => n.code)).toEqual(['no-scores']);
  });
});

describe('model selection', () => {
  it('uses the requested model and reports one without data', () => {
    expect(pickModel(['a', 'b'], 'b')).toEqual({ model: 'b' });
    expect(pickModel(['a', 'b'], '{c,b}')).toEqual({ model: 'b' });
    expect(pickModel(['a', 'b'], 'c').notice?.code).toBe('no-model-data');
  });
  it('falls back to the first model with a notice when the variable is unset', () => {
    expect(pickModel(['a'], '$model')).toEqual({ model: 'a' });
    expect(pickModel(['b', 'a'].sort(), '')).toMatchObject({
      model: 'a',
      notice: { code: 'multiple-models' },
    });
  });
  it('filters the series to the model', () => {
    const two = [
      s('feature_drift_score', { model: 'a', feature: 'x', method: 'psi' }, 0.5),
      s('feature_drift_score', { model: 'b', feature: 'y', method: 'psi' }, 0.01),
    ];
    expect(model(two, { model: 'b' }).features.map((f) => f.name)).toEqual(['y']);
  });
});

describe('whole scenario through both Prometheus formats', () => {
  const scenario = buildScenario({ features: 12 });
  const variants = {
    'time series': scenarioFrames(scenario),
    table: scenarioFrames(scenario, { format: 'table' }),
    'time series, dataplane, legend {{feature}}': scenarioFrames(scenario, {
      dataplane: true,
      legendFormat: '{{feature}}',
    }),
    'time series, verbose legend': scenarioFrames(scenario, { legendFormat: '' }),
  };
  const results = Object.fromEntries(
    Object.entries(variants).map(([name, frames]) => [
      name,
      buildDriftModel(framesToSeries(frames), { model: 'credit-risk' }),
    ]),
  );

  it.each(Object.keys(variants))('%s gives the same model', (name) => {
    const m = results[name]!;
    const reference = results['time series']!;
    expect(m.blocking).toBeUndefined();
    expect(m.notices).toEqual([]);
    expect(m.features.map((f) => [f.name, f.verdict, f.method, f.score, f.threshold])).toEqual(
      reference.features.map((f) => [f.name, f.verdict, f.method, f.score, f.threshold]),
    );
    expect(m.features.map((f) => f.bins)).toEqual(reference.features.map((f) => f.bins));
    expect(m.referenceRows).toBe(50_000);
    expect(m.windowRows).toBe(12_480);
  });

  it('has drifted features first and every kind of bins', () => {
    const m = results.table!;
    const verdicts = m.features.map((f) => f.verdict);
    expect(verdicts.indexOf('ok')).toBeGreaterThan(verdicts.lastIndexOf('drifted'));
    expect(m.driftedCount).toBeGreaterThan(0);
    expect(new Set(m.features.map((f) => f.kind))).toEqual(new Set(['quantile', 'categorical', 'discrete']));
    for (const f of m.features) {
      const sumRef = f.bins.reduce((a, b) => a + (b.reference ?? 0), 0);
      expect(sumRef).toBeCloseTo(1, 6);
    }
  });
});
