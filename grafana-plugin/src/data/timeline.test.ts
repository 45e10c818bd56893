import { describe, expect, it } from 'vitest';

import { buildScenario, scenarioFrames } from '../testing/scenario';
import { buildDriftModel } from './drift';
import { framesToSeries } from './frames';
import { buildTimeline, columnStart, estimateStep } from './timeline';

const T = 1_763_899_200_000;

function modelOf(points: Array<[number, number]>, method = 'psi', threshold = 0.1) {
  return buildDriftModel(
    framesToSeries([
      {
        refId: 'B',
        fields: [
          { name: 'Time', type: 'time', config: {}, values: points.map((p) => p[0]) },
          {
            name: 'Value',
            type: 'number',
            config: {},
            labels: { __name__: 'modelwatch_feature_drift_score', model: 'm', feature: 'f', method },
            values: points.map((p) => p[1]),
          },
        ],
        length: points.length,
      },
      {
        refId: 'C',
        fields: [
          { name: 'Time', type: 'time', config: {}, values: [T] },
          {
            name: 'Value',
            type: 'number',
            config: {},
            labels: { __name__: 'modelwatch_feature_drift_threshold', model: 'm', feature: 'f', method },
            values: [threshold],
          },
        ],
        length: 1,
      },
    ] as never),
  );
}

describe('buildTimeline', () => {
  it('one column per step when it fits', () => {
    const pts: Array<[number, number]> = [0, 1, 2, 3].map((i) => [T + i * 60_000, 0.05 * i]);
    const tl = buildTimeline(modelOf(pts), { from: T, to: T + 240_000, maxColumns: 1000 });
    expect(tl.columns).toBe(4);
    expect(Array.from(tl.rows[0]!.scores)).toEqual([0, 0.05, 0.1, 0.15000000000000002]);
    expect(tl.rows[0]!.exceededColumns).toBe(2);
    expect(Array.from(tl.rows[0]!.intensity).map((x) => Number(x.toFixed(2)))).toEqual([0, 0.5, 1, 1.5]);
    expect(columnStart(tl, 2)).toBe(T + 120_000);
  });

  it('keeps the worst score per column when squeezed (max for distances, min for p-values)', () => {
    const pts: Array<[number, number]> = [0, 1, 2, 3].map((i) => [
      T + i * 60_000,
      [0.01, 0.2, 0.03, 0.04][i]!,
    ]);
    const tl = buildTimeline(modelOf(pts), { from: T, to: T + 240_000, maxColumns: 2 });
    expect(Array.from(tl.rows[0]!.scores)).toEqual([0.2, 0.04]);
    const p = buildTimeline(modelOf(pts, 'ks', 0.05), { from: T, to: T + 240_000, maxColumns: 2 });
    expect(Array.from(p.rows[0]!.scores)).toEqual([0.01, 0.03]);
    expect(p.rows[0]!.exceededColumns).toBe(2);
  });

  it('leaves gaps as NaN and ignores samples outside the range', () => {
    const pts: Array<[number, number]> = [
      [T - 60_000, 9],
      [T, 0.1],
      [T + 180_000, 0.2],
    ];
    const tl = buildTimeline(modelOf(pts), { from: T, to: T + 240_000, maxColumns: 100 });
    expect(tl.columns).toBe(4);
    const scores = Array.from(tl.rows[0]!.scores);
    expect(scores[0]).toBe(0.1);
    expect(scores[1]).toBeNaN();
    expect(scores[3]).toBe(0.2);
  });

  it('estimates the step from the samples', () => {
    expect(estimateStep([[0, 30, 60, 120]])).toBe(30);
    expect(estimateStep([[5]])).toBe(0);
  });

  it('reports instant scores (one sample per series)', () => {
    const tl = buildTimeline(modelOf([[T, 0.2]]), { maxColumns: 10 });
    expect(tl.maxSamples).toBe(1);
  });

  it('7 days × 50 features at a 10 minute step fits the width and keeps feature order', () => {
    const now = T;
    const scenario = buildScenario({ features: 50, bins: 20, now, rangeMs: 7 * 86_400_000, stepMs: 600_000 });
    const model = buildDriftModel(framesToSeries(scenarioFrames(scenario, { stepMs: 600_000 })));
    const tl = buildTimeline(model, { from: now - 7 * 86_400_000, to: now, maxColumns: 600 });
    expect(tl.rows).toHaveLength(50);
    expect(tl.columns).toBe(600);
    expect(tl.rows.map((r) => r.feature)).toEqual(model.features.map((f) => f.name));
    expect(tl.rows.filter((r) => r.verdict === 'drifted').every((r) => r.exceededColumns > 0)).toBe(true);
  });
});
