import { describe, expect, it } from 'vitest';
import { driftDecision, evaluationLevel, occupiedBins, pearsonNoise, totalVariation } from './calibration';
import { driftColumn } from './drift';
import { wassersteinTailExcess } from './drift-tests/wasserstein';
import { profileColumn } from './profile';
import { createDriftTestRegistry } from './registry';
import { chi2Isf, normalIsf, normalSf } from './special';
import type { BinnedPair } from './types';

function bins(ref: number[], cur: number[]): BinnedPair {
  const referenceCounts = Float64Array.from(ref);
  const currentCounts = Float64Array.from(cur);
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  return {
    labels: ref.map(String),
    lower: ref.map(() => null),
    reference: referenceCounts.map((x) => x / sum(referenceCounts)),
    current: currentCounts.map((x) => x / sum(currentCounts)),
    referenceCounts,
    currentCounts,
  };
}

describe('special functions for the calibrated decision', () => {
  it('normal and chi-square inverse survival functions equal scipy (norm.isf, chi2.isf)', () => {
    const cases: [number, number, number, number, number][] = [
      // p, norm.isf(p), chi2.isf(p, 1), chi2.isf(p, 3), chi2.isf(p, 49)
      [0.05, 1.6448536269514729, 3.8414588206941285, 7.814727903251178, 66.33864886296881],
      [1e-3, 3.090232306167813, 10.827566170662733, 16.26623619623813, 85.350564608593],
      [1e-7, 5.1993375821928165, 28.373987361779154, 35.40575157993727, 118.78509979505598],
      [1e-12, 7.034483825301131, 50.844127911818155, 58.919755683202155, 153.64652227538852],
    ];
    for (const [p, z, c1, c3, c49] of cases) {
      expect(normalIsf(p)).toBeCloseTo(z, 9);
      expect(chi2Isf(p, 1) / c1).toBeCloseTo(1, 9);
      expect(chi2Isf(p, 3) / c3).toBeCloseTo(1, 9);
      expect(chi2Isf(p, 49) / c49).toBeCloseTo(1, 9);
    }
    expect(normalIsf(0.5)).toBeCloseTo(0, 12);
    expect(normalIsf(0.975)).toBeCloseTo(-1.959963984540054, 9);
  });
});

describe('evaluationLevel', () => {
  it('solves alpha = 1 / (L·F·(1 + u²)) with u = norm.isf(alpha)', () => {
    for (const [L, F] of [
      [10_000, 5],
      [100, 1],
      [10, 40],
      [1e6, 500],
    ] as const) {
      const a = evaluationLevel(L, F);
      const u = normalIsf(a);
      expect(a * L * F * (1 + u * u)).toBeCloseTo(1, 10);
      expect(normalSf(u)).toBeCloseTo(a, 15);
    }
  });

  it('is smaller for a larger budget and for more columns', () => {
    expect(evaluationLevel(10_000, 5)).toBeLessThan(evaluationLevel(100, 5));
    expect(evaluationLevel(10_000, 50)).toBeLessThan(evaluationLevel(10_000, 5));
  });

  it('rejects a budget below one turnover', () => {
    expect(() => evaluationLevel(0.5, 3)).toThrow(RangeError);
    expect(() => evaluationLevel(Number.NaN, 3)).toThrow(RangeError);
  });

  it('driftDecision: threshold passes through, calibrated carries the level and the override', () => {
    expect(driftDecision({ mode: 'threshold', falseAlarmRunLength: 10 }, 3)).toEqual({ mode: 'threshold' });
    expect(driftDecision({ mode: 'calibrated', falseAlarmRunLength: 10, minEffect: 0.2 }, 3)).toEqual({
      mode: 'calibrated',
      alpha: evaluationLevel(10, 3),
      minEffect: 0.2,
    });
  });
});

describe('null quantiles', () => {
  it('pearsonNoise = chi2.isf(alpha, k − 1)·(1/n + 1/m) over occupied bins', () => {
    const b = bins([10, 0, 20, 30], [5, 0, 5, 10]);
    expect(occupiedBins(b)).toBe(3);
    expect(
      pearsonNoise(b, { reference: 60, current: 20 }, 1e-3)! / (13.815510557964274 * (1 / 60 + 1 / 20)), // chi2.isf(1e-3, 2),
    ).toBeCloseTo(1, 9);
    expect(pearsonNoise(bins([5], [3]), { reference: 5, current: 3 }, 1e-3)).toBeNull();
  });

  it('totalVariation is half the L1 distance of the proportions', () => {
    expect(totalVariation(bins([50, 50], [30, 70]))).toBeCloseTo(0.2, 15);
  });

  it("Wasserstein's tail excess is small and non-negative for a normal reference (simulated once)", () => {
    const n = 5000;
    const ref = Float64Array.from({ length: n }, (_, i) => normalIsf(1 - (i + 0.5) / n)).sort();
    const excess = wassersteinTailExcess(ref, 1, 1);
    // The Brownian bridge's L1 norm for a normal F: 95% quantile ≈ 2.1, |N(0,1)|'s 1.96 (docs/detection.md).
    expect(excess).toBeGreaterThanOrEqual(0);
    expect(excess).toBeLessThan(0.4);
    expect(wassersteinTailExcess(ref, 1, 1)).toBe(excess); // seeded: the same every time
  });
});

describe('driftColumn with the calibrated decision', () => {
  const normal = (n: number, shift = 0, seed = 1): Float64Array => {
    let s = seed;
    const rand = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    return Float64Array.from({ length: n }, () => normalIsf(rand()) + shift);
  };

  it('shows one line: a distance test drifts when its score reaches max(noise, min effect)', () => {
    const profile = profileColumn(normal(20_000, 0, 7));
    const alpha = evaluationLevel(10_000, 5);
    const still = driftColumn(
      profile,
      { type: 'numeric', values: normal(10_000, 0, 11) },
      {
        method: 'wasserstein',
        decision: { mode: 'calibrated', alpha },
      },
    );
    expect(still.decision).toBe('calibrated');
    expect(still.calibration!.noise).toBeGreaterThan(0.05);
    expect(still.threshold).toBe(Math.max(still.calibration!.noise!, 0.05));
    expect(still.drifted).toBe(false);
    const shifted = driftColumn(
      profile,
      { type: 'numeric', values: normal(10_000, 0.2, 11) },
      {
        method: 'wasserstein',
        decision: { mode: 'calibrated', alpha },
      },
    );
    expect(shifted.drifted).toBe(true);
    expect(shifted.score).toBeGreaterThanOrEqual(shifted.threshold);
    // a larger smallest-change than the shift keeps it quiet, and is then the line shown
    const big = driftColumn(
      profile,
      { type: 'numeric', values: normal(10_000, 0.2, 11) },
      {
        method: 'wasserstein',
        decision: { mode: 'calibrated', alpha, minEffect: 0.5 },
      },
    );
    expect(big).toMatchObject({ threshold: 0.5, drifted: false });
  });

  it('p-value tests: the level is the line, and the effect must reach the min effect', () => {
    const profile = profileColumn(normal(20_000, 0, 3));
    const alpha = evaluationLevel(10_000, 5);
    const r = driftColumn(
      profile,
      { type: 'numeric', values: normal(20_000, 0.3, 5) },
      {
        method: 'ks',
        decision: { mode: 'calibrated', alpha },
      },
    );
    expect(r).toMatchObject({ threshold: alpha, drifted: true });
    expect(r.calibration!.effect).toBe(r.stats.ks_statistic);
    const tiny = driftColumn(
      profile,
      { type: 'numeric', values: normal(20_000, 0.3, 5) },
      {
        method: 'ks',
        decision: { mode: 'calibrated', alpha, minEffect: 0.5 },
      },
    );
    expect(tiny.drifted).toBe(false);
  });

  it('a distance test without a null keeps the threshold rule, at the threshold as configured, with a note', () => {
    const registry = createDriftTestRegistry();
    registry.register({
      name: 'gap',
      columnTypes: ['numeric'],
      defaultThreshold: 0.5,
      direction: 'distance',
      compute: () => ({ score: 0.3, stats: {} }),
    });
    const profile = profileColumn(normal(2000, 0, 3));
    const r = driftColumn(
      profile,
      { type: 'numeric', values: normal(2000, 0, 5) },
      {
        method: 'gap',
        threshold: 0.2,
        registry,
        decision: { mode: 'calibrated', alpha: 1e-6 },
      },
    );
    expect(r).toMatchObject({ threshold: 0.2, drifted: true });
    expect(r.decision).toBeUndefined();
    expect(r.note).toMatch(/gap has no null distribution here; the threshold rule decided/);
  });
});
