/**
 * Detection quality, bounded: a small version of `npm run bench:detection` and `npm run bench:runlength`
 * (docs/detection.md) through the exporter's own monitors with the default window, min_rows, evaluation
 * interval and decision (calibrated); `ks` under the threshold rule for contrast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { measureRunLength } from '../bench/detection/runlength';
import {
  detectionDelay,
  FEATURES,
  type RunResult,
  SCENARIOS,
  scenario,
  simulate,
  summarise,
  type Trace,
  type Variant,
  World,
} from '../bench/detection/simulate';

const SEEDS = [1, 2, 3];
const INJECT_AT = 10_000; // the default window (10,000 rows) is full when the drift starts
const ROWS_PER_STEP = 500; // per 15 s evaluation interval
// auto without a decision: the default (calibrated); ks under the threshold rule (p < 0.05).
const variants: Variant[] = [
  { name: 'auto/c1', method: 'auto', confirmations: 1 },
  { name: 'auto/c3', method: 'auto', confirmations: 3 },
  { name: 'ks/c1', method: 'ks', confirmations: 1, decision: 'threshold' },
  { name: 'ks/c3', method: 'ks', confirmations: 3, decision: 'threshold' },
];

function run(name: string, seed: number, horizon: number): RunResult {
  const none = name === 'none';
  return simulate({
    seed,
    scenario: scenario(name),
    variants,
    referenceRows: 20_000,
    injectAt: none ? INJECT_AT + horizon : INJECT_AT,
    horizon: none ? 0 : horizon,
    rowsPerStep: ROWS_PER_STEP,
  });
}

const trace = (r: RunResult, name: string): Trace => r.traces.find((t) => t.variant.name === name)!;

describe('detection quality of the deployed evaluation (simulated streams)', () => {
  let shifted: RunResult[] = [];
  let quiet: RunResult[] = [];
  beforeAll(() => {
    shifted = SEEDS.map((seed) => run('mean_1sd', seed, 4000));
    quiet = SEEDS.map((seed) => run('none', seed, 8000));
  });

  it('streams are seeded, and scenarios share the no-drift stream up to the injection', () => {
    const a = new World(7);
    const b = new World(7);
    const c = new World(7);
    for (let i = 0; i < 1000; i++) {
      const x = a.next(null);
      expect(b.next(null)).toEqual(x);
      // The same uniforms through the drifted world: every value moved by the shift.
      expect(c.next(scenario('mean_1sd')).features.num_a).toBeGreaterThan(x.features.num_a);
    }
    const small = (name: string) =>
      simulate({
        seed: 3,
        scenario: scenario(name),
        variants: variants.slice(0, 1),
        referenceRows: 2000,
        injectAt: 1500,
        horizon: 500,
        rowsPerStep: 500,
        config: { drift: { min_rows: 100 } },
      }).traces[0]!;
    const none = small('none');
    for (const s of SCENARIOS.filter((x) => x.kind !== 'none')) {
      const t = small(s.name);
      for (const f of FEATURES) {
        // Evaluations at 500, 1,000 and 1,500 rows see the same data; the one at 2,000 sees the drift.
        expect(Array.from(t.scores[f].subarray(0, 3))).toEqual(Array.from(none.scores[f].subarray(0, 3)));
      }
      expect(s.shifted.some((f) => t.scores[f][3] !== none.scores[f][3])).toBe(true);
    }
  });

  it('auto flags a 1σ mean shift within 3,000 rows (30% of the window), per feature and as dataset drift', () => {
    const [auto] = summarise(shifted);
    expect(auto!.variant.name).toBe('auto/c1');
    // A 20,000-row reference: auto compares numeric columns with the normed Wasserstein distance.
    expect(auto!.tests.num_a).toBe('wasserstein');
    expect(auto!.tests.cat_a).toBe('jensenshannon');
    for (const d of [...auto!.dataset.delays, ...auto!.feature.delays]) {
      expect(d).not.toBeNull();
      expect(d!).toBeLessThanOrEqual(3000);
    }
    expect(auto!.dataset.flaggedAtInjection).toBe(0);
  });

  it('gives no feature, dataset or prediction alarm without drift (the default decision), warm-up included', () => {
    for (const r of quiet) {
      for (const name of ['auto/c1', 'auto/c3']) {
        const t = trace(r, name);
        const decided = Array.from(t.dataset).filter((v) => v >= 0);
        expect(decided.length).toBeGreaterThan(30);
        expect(decided.filter((v) => v === 1)).toEqual([]);
      }
    }
    const [auto] = summarise(quiet);
    expect(auto!.falseAlarms.dataset.perEvaluation).toBe(0);
    expect(auto!.warmupAlarms.dataset.perEvaluation).toBe(0);
    for (const r of quiet) {
      const t = trace(r, 'auto/c1');
      for (const f of FEATURES) expect(Array.from(t.features[f]).filter((v) => v === 1)).toEqual([]);
      expect(Array.from(t.prediction).filter((v) => v === 1)).toEqual([]);
    }
  });

  it('the default flags a 0.1σ shift, a ×1.3 variance change and a 10% category move within one window', () => {
    for (const name of ['mean_0.1sd', 'variance_1.3x', 'category_0.1']) {
      for (const seed of SEEDS) {
        const r = simulate({
          seed,
          scenario: scenario(name),
          variants: variants.slice(0, 1),
          referenceRows: 20_000,
          injectAt: INJECT_AT,
          horizon: 10_000,
          rowsPerStep: ROWS_PER_STEP,
        });
        const t = r.traces[0]!;
        const delay = detectionDelay(t.dataset, t.rows, r.injectAt);
        expect(delay, `${name} seed ${seed}`).not.toBeNull();
        expect(delay!).toBeLessThanOrEqual(10_000);
      }
    }
  });

  it('keeps the false-alarm budget on stationary streams (run length ≥ L, censored mean, L = 10)', () => {
    const r = measureRunLength({
      budget: 10,
      seeds: [1, 2, 3, 4, 5, 6, 7, 8],
      windowRows: 2000,
      rowsPerStep: 200,
      referenceRows: 5000,
      horizonTurnovers: 30,
    });
    expect(r.runs).toBe(8);
    // Censored runs count at the horizon: the mean is a lower bound of the expected run length.
    expect(r.meanLowerBound).toBeGreaterThanOrEqual(10);
  });

  it('never flags earlier with confirmations = 3 than with 1 (same evaluation or later, never alone)', () => {
    let checked = 0;
    for (const r of [...shifted, ...quiet]) {
      for (const method of ['auto', 'ks']) {
        const one = trace(r, `${method}/c1`);
        const three = trace(r, `${method}/c3`);
        const series: [Int8Array, Int8Array][] = [
          [one.dataset, three.dataset],
          ...FEATURES.map((f) => [one.features[f], three.features[f]] as [Int8Array, Int8Array]),
        ];
        for (const [a, b] of series) {
          // Every evaluation c3 flags, c1 flags too (c3 needs c1's verdict three times running).
          b.forEach((v, k) => {
            if (v === 1) expect(a[k]).toBe(1);
          });
          const d1 = detectionDelay(a, one.rows, r.injectAt);
          const d3 = detectionDelay(b, three.rows, r.injectAt);
          if (d3 !== null) {
            expect(d1).not.toBeNull();
            expect(d3).toBeGreaterThanOrEqual(d1!);
          }
          if (d1 !== null && d3 !== null) checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    // And it costs at least one evaluation on the shifted stream (auto never has a standing alarm here).
    const [c1, c3] = summarise(shifted);
    for (let i = 0; i < c1!.dataset.delays.length; i++)
      expect(c3!.dataset.delays[i]!).toBeGreaterThanOrEqual(c1!.dataset.delays[i]! + 2 * ROWS_PER_STEP);
  });
});
