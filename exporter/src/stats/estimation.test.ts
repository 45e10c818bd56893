import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CbpeModel,
  ESTIMATED_METRICS,
  estimatePerformance,
  estimateRocAuc,
  expectedConfusion,
  fitCbpe,
  fitIsotonic,
  metricsFromExpectedConfusion,
  predictIsotonic,
} from './estimation';
import { mulberry32 } from './multivariate';
import { binaryClassificationMetrics, LabelError, rocAuc } from './performance';

// Golden vectors from test/golden/generate_performance.py: sklearn IsotonicRegression and NannyML's
// CBPE formulas in numpy.
interface Golden {
  isotonic: {
    name: string;
    x: number[];
    y: number[];
    weight: number[] | null;
    t: number[];
    expected: {
      x_thresholds: number[];
      y_thresholds: number[];
      x_min: number;
      x_max: number;
      predictions: number[];
    };
  }[];
  cbpe: {
    name: string;
    score: number[];
    y_pred: number[];
    reference_score?: number[];
    reference_y_true?: number[];
    expected: Record<string, number | null>;
  }[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/performance.json', import.meta.url), 'utf8'),
) as Golden;

let maxRelError = 0;
function expectClose(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(typeof actual, what).toBe('number');
  const a = actual as number;
  const err = a === expected ? 0 : Math.abs(a - expected) / Math.max(Math.abs(a), Math.abs(expected));
  maxRelError = Math.max(maxRelError, err);
  expect(err, `${what}: ${a} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}
function expectAllClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length, `${what}.length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i]!, `${what}[${i}]`);
}
afterAll(() => {
  if (process.env.GOLDEN_REPORT) console.log(`estimation: max relative error vs golden ${maxRelError}`);
});

/** A stream where `trueProbability` is P(y = 1) and the model reports `score(trueProbability)`. */
function simulate(
  random: () => number,
  n: number,
  trueProbability: (u: number) => number,
  score: (q: number) => number = (q) => q,
): { score: Float64Array; yTrue: Uint8Array; q: Float64Array } {
  const s = new Float64Array(n);
  const y = new Uint8Array(n);
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    q[i] = trueProbability(random());
    s[i] = score(q[i]!);
    y[i] = random() < q[i]! ? 1 : 0;
  }
  return { score: s, yTrue: y, q };
}

const realised = (y: Uint8Array, s: Float64Array, threshold = 0.5) =>
  binaryClassificationMetrics(
    y,
    s.map((v) => (v >= threshold ? 1 : 0)),
    s,
  );

describe('isotonic regression vs sklearn IsotonicRegression(out_of_bounds="clip")', () => {
  for (const c of golden.isotonic) {
    it(c.name, () => {
      const model = fitIsotonic(
        Float64Array.from(c.x),
        Float64Array.from(c.y),
        c.weight ? Float64Array.from(c.weight) : null,
      );
      expectAllClose(model.x, c.expected.x_thresholds, `${c.name}.x`);
      expectAllClose(model.y, c.expected.y_thresholds, `${c.name}.y`);
      expectClose(model.xMin, c.expected.x_min, `${c.name}.xMin`);
      expectClose(model.xMax, c.expected.x_max, `${c.name}.xMax`);
      expectAllClose(
        predictIsotonic(model, Float64Array.from(c.t)),
        c.expected.predictions,
        `${c.name}.predict`,
      );
    });
  }

  it('fits a non-decreasing function that preserves the total of y', () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.double({ min: -5, max: 5, noNaN: true }));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows) => {
        const x = Float64Array.from(rows, (r) => r[0] / 20);
        const y = Float64Array.from(rows, (r) => r[1]);
        const model = fitIsotonic(x, y);
        for (let i = 1; i < model.y.length; i++) expect(model.y[i]!).toBeGreaterThanOrEqual(model.y[i - 1]!);
        const fitted = predictIsotonic(model, x);
        const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
        expect(Math.abs(sum(fitted) - sum(y))).toBeLessThan(1e-9 * (1 + Math.abs(sum(y)) + rows.length));
      }),
    );
  });
});

describe('CBPE vs NannyML formulas', () => {
  const identity: CbpeModel = {
    threshold: 0.5,
    calibrator: null,
    calibration: { applied: false, reason: 'test', ece_uncalibrated: null, ece_calibrated: null },
    bands: { accuracy: null, precision: null, recall: null, f1: null, roc_auc: null },
    reference: { rows: 0, chunks: 0, chunk_size: 0 },
  };

  for (const c of golden.cbpe) {
    it(c.name, () => {
      const model = c.reference_score
        ? fitCbpe(
            { yTrue: Uint8Array.from(c.reference_y_true!), score: Float64Array.from(c.reference_score) },
            { calibration: 'always' },
          )
        : identity;
      if (c.reference_score) expect(model.calibrator).not.toBeNull();
      const est = estimatePerformance(model, Float64Array.from(c.score), Uint8Array.from(c.y_pred));
      for (const k of ['tp', 'fp', 'tn', 'fn'] as const)
        expectClose(est.expected[k], c.expected[k]!, `${c.name}.${k}`);
      for (const m of ESTIMATED_METRICS) expectClose(est[m], c.expected[m]!, `${c.name}.${m}`);
      // Without explicit predictions, score ≥ threshold gives the same labels here.
      expect(estimatePerformance(model, Float64Array.from(c.score)).accuracy).toBe(est.accuracy);
    });
  }

  it('estimated ROC AUC equals the expected-pair definition, ties ½ (self-pairs included, as NannyML)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 30 }), (ks) => {
        const s = ks.map((k) => k / 8);
        const p = (v: number) => v * v;
        let pairs = 0;
        let pos = 0;
        let neg = 0;
        for (const si of s) {
          pos += p(si);
          neg += 1 - p(si);
          for (const sj of s) {
            const w = p(si) * (1 - p(sj));
            if (si > sj) pairs += w;
            else if (si === sj) pairs += w / 2;
          }
        }
        const got = estimateRocAuc(Float64Array.from(s), p);
        if (pos === 0 || neg === 0) expect(got).toBeNull();
        else expect(got).toBeCloseTo(pairs / (pos * neg), 12);
      }),
    );
  });

  it('expected confusion: precision and recall are 0, not NaN, without predicted positives', () => {
    const c = expectedConfusion(Float64Array.from([0.2, 0.4]), Uint8Array.from([0, 0]));
    expect(c.tp).toBe(0);
    expect(c.fn).toBeCloseTo(0.6, 15);
    expect(metricsFromExpectedConfusion(c)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(metricsFromExpectedConfusion({ tp: 0, fp: 0, tn: 0, fn: 0 }).accuracy).toBeNull();
  });
});

describe('CBPE on simulated streams (seeded)', () => {
  const random = mulberry32(424242);
  const uniform = (u: number) => u;
  const reference = simulate(random, 20_000, uniform);
  const windowSize = 10_000;
  const model = fitCbpe(reference, { chunkSize: 2_000 });

  it('bands come from the realised metric of reference chunks: mean ± 3σ', () => {
    expect(model.reference).toEqual({ rows: 20_000, chunks: 10, chunk_size: 2_000 });
    const ref = realised(reference.yTrue, reference.score);
    for (const m of ESTIMATED_METRICS) {
      const b = model.bands[m]!;
      expect(b.chunks).toBe(10);
      expect(b.std).toBeGreaterThan(0);
      expect(Math.abs(b.mean - (ref[m] as number))).toBeLessThan(0.01);
      expect(b.lower).toBeCloseTo(Math.max(0, b.mean - 3 * b.std), 15);
      expect(b.upper).toBeCloseTo(Math.min(1, b.mean + 3 * b.std), 15);
    }
    // The model is plain data: it survives a JSON round trip (stored beside the reference profile).
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it('on a calibrated stream the estimate is within 0.02 of the realised metrics, no alert', () => {
    for (let w = 0; w < 3; w++) {
      const window = simulate(random, windowSize, uniform);
      const est = estimatePerformance(model, window.score);
      const truth = realised(window.yTrue, window.score);
      expect(est.rows).toBe(windowSize);
      for (const m of ESTIMATED_METRICS) {
        expect(Math.abs(est[m]! - (truth[m] as number)), `${m} window ${w}`).toBeLessThan(0.02);
      }
      expect(est.alerts.accuracy).toBe(false);
    }
  });

  it('under covariate shift the estimate leaves the band from scores alone, and labels later confirm it', () => {
    // Inputs move into a region where the model is unsure: scores squeeze towards 0.5 (still calibrated).
    const shifted = simulate(random, windowSize, (u) => 0.5 + (u - 0.5) * 0.3);
    const before = estimatePerformance(model, shifted.score); // no labels involved
    const band = model.bands.accuracy!;
    expect(before.accuracy!).toBeLessThan(band.lower);
    expect(before.alerts.accuracy).toBe(true);
    expect(before.alerts.roc_auc).toBe(true);
    const afterLabels = realised(shifted.yTrue, shifted.score);
    expect(Math.abs(before.accuracy! - afterLabels.accuracy!)).toBeLessThan(0.02);
    expect(afterLabels.accuracy!).toBeLessThan(band.lower);
  });

  it('calibrates overconfident scores with isotonic regression only when that lowers the calibration error', () => {
    const overconfident = (q: number) => q ** 0.3;
    const ref = simulate(random, 20_000, uniform, overconfident);
    const calibrated = fitCbpe(ref, { chunkSize: 2_000 });
    expect(calibrated.calibration.applied).toBe(true);
    expect(calibrated.calibration.ece_calibrated!).toBeLessThan(calibrated.calibration.ece_uncalibrated!);
    const raw = fitCbpe(ref, { chunkSize: 2_000, calibration: 'never' });
    expect(raw.calibrator).toBeNull();

    const window = simulate(random, windowSize, uniform, overconfident);
    const truth = realised(window.yTrue, window.score);
    const est = estimatePerformance(calibrated, window.score);
    const naive = estimatePerformance(raw, window.score);
    for (const m of ESTIMATED_METRICS) {
      expect(Math.abs(est[m]! - (truth[m] as number)), m).toBeLessThan(0.02);
    }
    expect(Math.abs(naive.accuracy! - truth.accuracy!)).toBeGreaterThan(0.1);
  });

  it('skips calibration when labels hold one class or the reference is tiny', () => {
    const oneClass = fitCbpe({
      yTrue: new Uint8Array(50),
      score: Float64Array.from({ length: 50 }, (_, i) => i / 50),
    });
    expect(oneClass.calibration).toMatchObject({ applied: false });
    expect(oneClass.calibration.reason).toContain('one class');
    expect(oneClass.bands.roc_auc).toBeNull(); // undefined in every chunk
    const tiny = fitCbpe({ yTrue: Uint8Array.from([0, 1, 1]), score: Float64Array.from([0.1, 0.2, 0.9]) });
    expect(tiny.calibration.applied).toBe(false);
    const empty = fitCbpe({ yTrue: new Uint8Array(0), score: new Float64Array(0) });
    expect(empty.reference).toEqual({ rows: 0, chunks: 0, chunk_size: 0 });
    expect(Object.values(empty.bands)).toEqual([null, null, null, null, null]);
    expect(estimatePerformance(empty, Float64Array.from([0.9])).accuracy).toBeCloseTo(0.9, 15);
  });
});

describe('inputs', () => {
  const model = fitCbpe({
    yTrue: Uint8Array.from([0, 1, 0, 1]),
    score: Float64Array.from([0.2, 0.7, 0.4, 0.9]),
  });

  it('ignores rows without a score and is null on an empty window', () => {
    const est = estimatePerformance(
      model,
      Float64Array.from([0.8, Number.NaN, 0.3]),
      Uint8Array.from([1, 1, 0]),
    );
    expect(est.rows).toBe(2);
    expect(est.expected.tp).toBeCloseTo(0.8, 15);
    const empty = estimatePerformance(model, new Float64Array(0));
    expect(empty).toMatchObject({ rows: 0, accuracy: null, roc_auc: null });
  });

  it('rejects scores outside [0, 1] and non-binary labels, naming the row', () => {
    expect(() => estimatePerformance(model, Float64Array.from([0.5, 2]))).toThrow('score at row 1 is 2');
    expect(() => fitCbpe({ yTrue: Float64Array.from([0, 3]), score: Float64Array.from([0.1, 0.2]) })).toThrow(
      LabelError,
    );
  });

  it('realised reference ROC AUC is what rocAuc gives (shared definition)', () => {
    expect(rocAuc(Uint8Array.from([0, 1, 0, 1]), Float64Array.from([0.2, 0.7, 0.4, 0.9]))).toBe(1);
  });
});
