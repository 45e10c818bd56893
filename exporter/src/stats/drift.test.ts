import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustPValues,
  autoDriftMethod,
  benjaminiHochberg,
  datasetDrift,
  driftColumn,
  isDrifted,
} from './drift';
import { driftStatsToJson, fromJsonNumber, jsonNumberReplacer, toJsonNumber } from './json';
import { kstwoSf } from './kolmogorov';
import { currentColumn, profileColumn, profileNumeric } from './profile';
import type { ColumnDriftResult } from './types';

const num = (xs: number[]) => Float64Array.from(xs);
const numericResult = (ref: number[], cur: number[], opts = {}) =>
  driftColumn(profileColumn(num(ref)), currentColumn(num(cur), 'numeric'), opts);
const catResult = (ref: (string | null)[], cur: (string | null)[], opts = {}) =>
  driftColumn(profileColumn(ref), currentColumn(cur, 'categorical'), opts);

/** Deterministic pseudo-normal data (no RNG dependence in assertions). */
function wave(n: number, shift = 0, scale = 1): number[] {
  return Array.from(
    { length: n },
    (_, i) => shift + scale * Math.sin(i * 12.9898) * Math.cos(i * 78.233) * 2,
  );
}

function hasNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (value instanceof Float64Array) return value.some(Number.isNaN);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNaN);
  return false;
}

describe('automatic choice of test (docs/statistics.md, Evidently defaults)', () => {
  it.each([
    ['numeric', 1000, 50, 'ks', 0.05],
    ['numeric', 1000, 5, 'chisquare', 0.05],
    ['numeric', 1000, 3, 'chisquare', 0.05],
    ['numeric', 1000, 2, 'ztest', 0.05],
    ['numeric', 1000, 1, 'ztest', 0.05],
    ['numeric', 1001, 6, 'wasserstein', 0.1],
    ['numeric', 1001, 5, 'jensenshannon', 0.1],
    ['categorical', 1000, 3, 'chisquare', 0.05],
    ['categorical', 1000, 2, 'ztest', 0.05],
    ['categorical', 1001, 40, 'jensenshannon', 0.1],
  ] as const)('%s, %i reference rows, %i distinct → %s', (type, rows, distinct, method, threshold) => {
    expect(autoDriftMethod(type, rows, distinct)).toEqual({ method, threshold });
  });

  it('counts reference rows including missing values (the data set size), unless told', () => {
    // 995 values + 10 missing = 1005 rows → distances.
    const ref = [...wave(995), ...new Array<number>(10).fill(Number.NaN)];
    expect(numericResult(ref, wave(300, 0.1)).test).toBe('wasserstein');
    expect(numericResult(ref, wave(300, 0.1), { referenceRows: 995 }).test).toBe('ks');
  });

  it('verdicts: p-value tests drift below the threshold, distances at or above it', () => {
    expect(isDrifted('p_value', 0.049, 0.05)).toBe(true);
    expect(isDrifted('p_value', 0.05, 0.05)).toBe(false);
    expect(isDrifted('distance', 0.1, 0.1)).toBe(true);
    expect(isDrifted('distance', 0.0999, 0.1)).toBe(false);
  });
});

describe('driftColumn', () => {
  it('numeric: every numeric statistic in docs/compare.md key order, the chosen score equal to its statistic', () => {
    const r = numericResult(wave(400), wave(300, 0.5));
    expect(Object.keys(r.stats)).toEqual([
      'ks_statistic',
      'ks_p_value',
      'wasserstein_normed',
      'psi',
      'kl',
      'jensenshannon',
      'hellinger',
    ]);
    expect(r).toMatchObject({
      type: 'numeric',
      test: 'ks',
      threshold: 0.05,
      direction: 'p_value',
      rows: { reference: 400, current: 300 },
    });
    expect(r.score).toBe(r.stats.ks_p_value);
    expect(r.drifted).toBe(true);
    expect(r.reason).toBeUndefined();
  });

  it('numeric with ≤ 5 distinct values also gets chi-square; binary also the z-test', () => {
    const few = numericResult([1, 2, 3, 1, 2, 3, 4], [1, 2, 2, 4]);
    expect(Object.keys(few.stats)).toContain('chisquare_p_value');
    expect(Object.keys(few.stats)).not.toContain('ztest_p_value');
    const binary = numericResult([0, 1, 1, 0, 1], [1, 1, 1, 0]);
    expect(Object.keys(binary.stats)).toEqual([
      'ks_statistic',
      'ks_p_value',
      'wasserstein_normed',
      'psi',
      'kl',
      'jensenshannon',
      'hellinger',
      'chisquare_statistic',
      'chisquare_p_value',
      'ztest_p_value',
    ]);
    expect(binary.test).toBe('ztest');
  });

  it('categorical: chi-square, histogram distances, z-test only for two categories', () => {
    const r = catResult(['a', 'b', 'c', 'a'], ['a', 'b', 'b', 'c']);
    expect(Object.keys(r.stats)).toEqual([
      'psi',
      'kl',
      'jensenshannon',
      'hellinger',
      'chisquare_statistic',
      'chisquare_p_value',
    ]);
    expect(r.test).toBe('chisquare');
    const two = catResult(['y', 'n', 'n'], ['y', 'y', 'n']);
    expect(two.stats.ztest_p_value).toBe(two.score);
  });

  it('a category unseen in the reference: chi-square (contingency) stays finite; PSI/KL use the 1e-4 floor', () => {
    const r = catResult(['a', 'a', 'b', 'b'], ['a', 'b', 'c', 'c']);
    // scipy.stats.chi2_contingency([[2, 2, 0], [1, 1, 2]], correction=False)
    expect(r.stats.chisquare_statistic).toBeCloseTo(2.666666666666667, 13);
    expect(r.stats.chisquare_p_value).toBeCloseTo(0.2635971381157267, 13);
    expect(r.drifted).toBe(false);
    // r = (0.5, 0.5, 1e-4), c = (0.25, 0.25, 0.5)
    const expectedPsi = 2 * (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4);
    expect(r.stats.psi).toBeCloseTo(expectedPsi, 14);
    expect(JSON.parse(JSON.stringify(driftStatsToJson({ psi: Number.POSITIVE_INFINITY }))).psi).toBe(
      'Infinity',
    );
  });

  it('a vanished category keeps a reference-only bin', () => {
    const r = catResult(['a', 'b', 'c'], ['a', 'a', 'b']);
    expect(r.bins.labels).toEqual(['a', 'b', 'c']);
    expect(Array.from(r.bins.currentCounts)).toEqual([2, 1, 0]);
    // chi2_contingency([[1, 1, 1], [2, 1, 0]], correction=False)
    expect(r.stats.chisquare_statistic).toBeCloseTo(1.3333333333333333, 14);
    expect(r.stats.chisquare_p_value).toBeCloseTo(0.5134171190325922, 14);
  });

  it('empty current window: no verdict, every applicable statistic null, with a reason', () => {
    const r = numericResult(wave(50), [Number.NaN, Number.POSITIVE_INFINITY]);
    expect(r).toMatchObject({
      score: null,
      drifted: null,
      reason: 'current window has no values',
      rows: { reference: 50, current: 0 },
    });
    expect(Object.values(r.stats).every((v) => v === null)).toBe(true);
    expect(Object.keys(r.stats)).toContain('ks_p_value');
    const c = catResult(['a', 'b'], [null, 'NA']);
    expect(c).toMatchObject({ score: null, drifted: null, reason: 'current window has no values' });
  });

  it('all-missing reference column: no verdict', () => {
    const r = numericResult([Number.NaN, Number.NaN], [1, 2, 3]);
    expect(r).toMatchObject({
      score: null,
      drifted: null,
      reason: 'reference has no values',
      rows: { reference: 0, current: 3 },
    });
  });

  it('one value on each side still gives scipy-defined statistics', () => {
    const r = numericResult([1], [2]);
    expect(r.stats.ks_statistic).toBe(1);
    expect(r.stats.ks_p_value).toBe(1); // scipy: ks_2samp([1], [2]).pvalue == 1.0
    expect(r.stats.wasserstein_normed).toBe(1 / 0.001); // std 0 → 0.001 floor
    expect(r.test).toBe('ztest'); // two distinct values over both sides
  });

  it('constant reference: the 0.001 std floor, and identical constants do not drift', () => {
    const shifted = numericResult(new Array(30).fill(5), new Array(20).fill(5.002));
    expect(shifted.stats.wasserstein_normed).toBeCloseTo(2, 9);
    const same = numericResult(new Array(30).fill(5), new Array(20).fill(5));
    expect(same).toMatchObject({ test: 'ztest', score: 1, drifted: false });
    expect(same.stats).toMatchObject({
      ks_statistic: 0,
      ks_p_value: 1,
      wasserstein_normed: 0,
      psi: 0,
      kl: 0,
      jensenshannon: 0,
      hellinger: 0,
    });
    // One category over both sides: no degrees of freedom → statistic 0 and p 1 (chi2_contingency).
    expect(same.stats.chisquare_statistic).toBe(0);
    expect(same.stats.chisquare_p_value).toBe(1);
  });

  it('NaN and ±inf are dropped from the current window', () => {
    const clean = numericResult(wave(100), wave(80, 0.3));
    const dirty = numericResult(wave(100), [
      ...wave(80, 0.3),
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(dirty.stats).toEqual(clean.stats);
    expect(dirty.rows.current).toBe(80);
  });

  it('explicit methods, thresholds, and methods that do not apply', () => {
    const psi = numericResult(wave(400), wave(300, 0.5), { method: 'psi' });
    expect(psi).toMatchObject({ test: 'psi', threshold: 0.1, direction: 'distance' });
    expect(psi.score).toBe(psi.stats.psi);
    const strict = numericResult(wave(400), wave(300, 0.5), { method: 'psi', threshold: 1e9 });
    expect(strict).toMatchObject({ threshold: 1e9, drifted: false });
    const ks = catResult(['a', 'b'], ['a', 'b'], { method: 'ks' });
    expect(ks).toMatchObject({
      test: 'ks',
      score: null,
      drifted: null,
      reason: 'ks does not apply to categorical columns',
    });
    const z = catResult(['a', 'b', 'c'], ['a', 'b', 'c'], { method: 'ztest' });
    expect(z).toMatchObject({
      test: 'ztest',
      score: null,
      drifted: null,
      reason: 'z-test needs at most two distinct values, found 3',
    });
    const chi = catResult(['a', 'a'], ['a'], { method: 'chisquare' });
    expect(chi).toMatchObject({
      score: 1,
      drifted: false,
      stats: { chisquare_statistic: 0, chisquare_p_value: 1 },
    });
    expect(() => numericResult([1], [1], { method: 'nope' })).toThrow(/unknown drift method "nope"/);
  });

  it('minimum rows: statistics reported, no verdict, reason names the side', () => {
    const r = numericResult(wave(100), wave(3, 2), { minRows: 30 });
    expect(r).toMatchObject({
      score: null,
      drifted: null,
      reason: 'current window has 3 non-missing rows, minimum is 30',
    });
    expect(r.stats.ks_p_value).toBeTypeOf('number');
    const ref = numericResult(wave(1), wave(50), { minRows: 2 });
    expect(ref.reason).toBe('reference has 1 non-missing row, minimum is 2');
  });

  it('KS on a large window uses the asymptotic distribution with n_eff from the kept sample', () => {
    const ref = profileNumeric(num(wave(60_000)), { sampleCap: 20_000 });
    const r = driftColumn(ref, currentColumn(num(wave(30_000, 0.01)), 'numeric'));
    expect(r.test).toBe('wasserstein');
    expect(r.rows).toEqual({ reference: 60_000, current: 30_000 });
    // n_eff = round(20000·30000 / 50000) = 12000
    expect(r.stats.ks_p_value).toBe(kstwoSf(r.stats.ks_statistic!, 12_000));
  });

  it('never produces NaN, whatever the data', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), fc.array(value, { maxLength: 40 }), (a, b) => {
        const r = numericResult(a, b);
        expect(hasNaN(r)).toBe(false);
        if (r.score !== null) expect(r.drifted).toBeTypeOf('boolean');
      }),
    );
    const category = fc.constantFrom('a', 'b', 'c', 'd', null, 'NA');
    fc.assert(
      fc.property(fc.array(category, { maxLength: 30 }), fc.array(category, { maxLength: 30 }), (a, b) => {
        expect(hasNaN(catResult(a, b))).toBe(false);
      }),
    );
  });
});

describe('dataset drift and multiple testing', () => {
  const result = (
    score: number | null,
    drifted: boolean | null,
    direction: 'p_value' | 'distance' = 'p_value',
  ) =>
    ({
      score,
      drifted,
      direction,
      threshold: direction === 'p_value' ? 0.05 : 0.1,
    }) as unknown as ColumnDriftResult;

  it('share of drifted features among those with a verdict; drift at ≥ 0.5', () => {
    expect(datasetDrift([result(0.01, true), result(0.5, false), result(null, null)])).toEqual({
      featureCount: 2,
      driftedCount: 1,
      undeterminedCount: 1,
      share: 0.5,
      drifted: true,
      shareThreshold: 0.5,
    });
    expect(
      datasetDrift({ a: result(0.01, true), b: result(0.5, false), c: result(0.7, false) }).drifted,
    ).toBe(false);
    expect(datasetDrift([true, false, false, null], 0.3)).toMatchObject({ share: 1 / 3, drifted: true });
    expect(datasetDrift([])).toMatchObject({ featureCount: 0, share: 0, drifted: false });
  });

  it('Benjamini–Hochberg: adjusted ≥ raw, order preserved, capped at 1, nulls ignored', () => {
    const adj = benjaminiHochberg([0.01, null, 0.04, 0.03, 0.5]);
    // m = 4: sorted 0.01, 0.03, 0.04, 0.5 → 0.04, 0.04(min of 0.06, 0.0533), 0.0533, 0.5
    expect(adj[1]).toBeNull();
    expect(adj[0]).toBeCloseTo(0.04, 15);
    expect(adj[3]).toBeCloseTo(0.04 * (4 / 3), 15);
    expect(adj[2]).toBeCloseTo(0.04 * (4 / 3), 15);
    expect(adj[4]).toBe(0.5);
    expect(benjaminiHochberg([0.9, 0.95])).toEqual([0.95, 0.95]);
    expect(benjaminiHochberg([])).toEqual([]);
  });

  it('adjustPValues re-decides p-value tests only, keeps the raw score, and is idempotent', () => {
    const results = {
      a: result(0.01, true),
      b: result(0.04, true),
      c: result(0.3, true, 'distance'),
      d: result(null, null),
    };
    const once = adjustPValues(results);
    expect(once.a).toMatchObject({
      score: 0.02,
      drifted: true,
      adjustment: { method: 'benjamini-hochberg', rawScore: 0.01 },
    });
    expect(once.b).toMatchObject({ score: 0.04, drifted: true });
    expect(once.c).toBe(results.c);
    expect(once.d).toBe(results.d);
    expect(adjustPValues(once)).toEqual(once);
    expect(results.a.score).toBe(0.01); // inputs untouched
    const list = adjustPValues([result(0.03, true), result(0.2, false)]);
    expect(list.map((r) => r.score)).toEqual([0.06, 0.2]);
    expect(list.map((r) => r.drifted)).toEqual([false, false]);
  });
});

describe('JSON representation of non-finite statistics', () => {
  it('±∞ as strings that Number()/float() parse back, NaN as null', () => {
    expect(
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1.5, null].map(toJsonNumber),
    ).toEqual(['Infinity', '-Infinity', null, 1.5, null]);
    expect(Number('Infinity')).toBe(fromJsonNumber('Infinity'));
    expect(JSON.stringify({ a: Number.POSITIVE_INFINITY, b: [1, Number.NaN] }, jsonNumberReplacer)).toBe(
      '{"a":"Infinity","b":[1,null]}',
    );
  });
});

describe('driftColumn with allStats: false', () => {
  it('decides exactly as with every statistic, computing only the deciding one', () => {
    const ref = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 10 + (i % 7));
    const cur = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i * 1.3) * 10 + (i % 5) + 0.8);
    const profile = profileNumeric(ref);
    for (const method of ['auto', 'ks', 'psi', 'wasserstein', 'jensenshannon']) {
      const full = driftColumn(profile, { type: 'numeric', values: cur }, { method });
      const lean = driftColumn(profile, { type: 'numeric', values: cur }, { method, allStats: false });
      expect(lean.test).toBe(full.test);
      expect(lean.score).toBe(full.score);
      expect(lean.drifted).toBe(full.drifted);
      const computed = Object.entries(lean.stats).filter(([, v]) => v !== null);
      expect(computed.length).toBeGreaterThan(0);
      expect(computed.length).toBeLessThan(Object.values(full.stats).filter((v) => v !== null).length);
    }
  });
});
