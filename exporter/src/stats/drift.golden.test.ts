/**
 * Golden vectors: every statistic of docs/statistics.md against scipy 1.10.1 / numpy 1.24.2, from the committed
 * test/golden/drift.json (made by test/golden/generate_drift.py; no Python needed here).
 *
 * Tolerances: 1e-9 relative for every statistic; KS p-values 1e-6 relative (docs/statistics.md asks that for
 * p ≥ 1e-12; it holds here down to 1e-300). Values below 1e-300 (scipy and we may differ in how far
 * into the subnormal range a result goes) are compared with an absolute 1e-300.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { benjaminiHochberg, driftColumn } from './drift';
import { wassersteinDistance } from './drift-tests/wasserstein';
import { kstwoSf, smirnovSf } from './kolmogorov';
import { asympKs2SampPValue, exactKs2SampPValue, ks2samp } from './ks2samp';
import { quantileSorted } from './numeric';
import { currentColumn, profileColumn } from './profile';
import { chi2Sf, erfc, gammainc, gammaincc, logGamma, normalSf } from './special';
import type { DriftStats } from './types';

type JsonNumber = number | null | 'Infinity' | '-Infinity';

interface GoldenCase {
  name: string;
  type: 'numeric' | 'categorical';
  note: string;
  reference: (JsonNumber | string)[];
  current: (JsonNumber | string)[];
  reference_rows: number;
  expected: {
    rows: { reference: number; current: number };
    distinct_union: number;
    binning: 'quantile' | 'value' | 'category';
    edges?: number[] | null;
    values?: number[] | null;
    categories?: string[];
    reference_counts: number[];
    current_counts: number[];
    ks_method?: 'exact' | 'asymp';
    wasserstein?: number;
    reference_std?: number;
    stats: Record<string, JsonNumber>;
    auto: { test: string; threshold: number; score: JsonNumber; drifted: boolean | null };
  };
}

interface Golden {
  generator: { numpy: string; scipy: string; seed: number };
  cases: GoldenCase[];
  special: {
    kstwo_sf: [number, number, JsonNumber][];
    smirnov: [number, number, JsonNumber][];
    ks_exact: [number, number, number, boolean, JsonNumber, JsonNumber, JsonNumber][];
    chi2_sf: [number, number, JsonNumber][];
    gammaincc: [number, number, JsonNumber, JsonNumber][];
    norm_sf: [number, JsonNumber][];
    erfc: [number, JsonNumber][];
    gammaln: [number, JsonNumber][];
    quantile: { data: number[]; levels: number[]; quantiles: number[] }[];
    benjamini_hochberg: { p: number[]; adjusted: number[] }[];
  };
}

const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/drift.json', import.meta.url), 'utf8'),
) as Golden;

function num(x: JsonNumber): number {
  if (x === null) return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return x;
}

/** Largest relative error seen per quantity (printed at the end for the record). */
const maxRelError = new Map<string, number>();

function relError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.abs(expected);
}

const TINY = 1e-300;

/**
 * Assert `actual` ≈ `expected` within `rel` relative (values below 1e-300 within 1e-300 absolute;
 * infinities and zeros exactly) and record the error under `key`.
 */
function close(
  key: string,
  actual: number | null | undefined,
  expected: number,
  rel: number,
  where: string,
): void {
  expect(actual, `${where}: ${key} is missing`).not.toBeUndefined();
  if (Number.isNaN(expected)) {
    expect(actual, `${where}: ${key}`).toBeNull();
    return;
  }
  expect(actual, `${where}: ${key}`).not.toBeNull();
  const a = actual as number;
  if (!Number.isFinite(expected)) {
    expect(a, `${where}: ${key}`).toBe(expected);
    return;
  }
  if (Math.abs(expected) < TINY) {
    // Zero or below the normal range (scipy sometimes flushes to 0 where we return a subnormal).
    expect(Math.abs(a - expected), `${where}: ${key} = ${a}, scipy ${expected}`).toBeLessThanOrEqual(TINY);
    return;
  }
  const err = relError(a, expected);
  maxRelError.set(key, Math.max(maxRelError.get(key) ?? 0, err));
  expect(err, `${where}: ${key} = ${a}, scipy ${expected}`).toBeLessThanOrEqual(rel);
}

/** Tolerance per statistic: KS p-values 1e-6 relative, everything else 1e-9. */
function tolerance(key: string): number {
  // docs/statistics.md asks 1e-6 for p ≥ 1e-12; we hold that all the way down to 1e-300.
  if (key === 'ks_p_value' || key === 'auto score (ks)') return 1e-6;
  return 1e-9;
}

function rawNumeric(values: (JsonNumber | string)[]): Float64Array {
  return Float64Array.from(values, (v) => num(v as JsonNumber));
}

function rawStrings(values: (JsonNumber | string)[]): (string | null)[] {
  return values.map((v) => (v === null ? null : String(v)));
}

describe(`golden drift cases (scipy ${golden.generator.scipy}, numpy ${golden.generator.numpy})`, () => {
  it('covers the cases the brief asks for', () => {
    const names = golden.cases.map((c) => c.name);
    expect(golden.cases.length).toBeGreaterThanOrEqual(40);
    expect(names).toContain('exact_9990_vs_7000');
    expect(names).toContain('asymp_10010_vs_7000');
    const methods = new Set(golden.cases.map((c) => c.expected.ks_method).filter((m) => m !== undefined));
    expect([...methods].sort()).toEqual(['asymp', 'exact']);
  });

  for (const c of golden.cases) {
    it(c.name, () => {
      const e = c.expected;
      const raw = c.type === 'numeric' ? rawNumeric(c.reference) : rawStrings(c.reference);
      const cur = c.type === 'numeric' ? rawNumeric(c.current) : rawStrings(c.current);
      const profile = profileColumn(raw);
      expect(profile.type).toBe(c.type);
      const result = driftColumn(profile, currentColumn(cur, profile.type), {
        referenceRows: c.reference_rows,
      });

      expect(result.rows).toEqual(e.rows);
      expect(Array.from(result.bins.referenceCounts)).toEqual(e.reference_counts);
      expect(Array.from(result.bins.currentCounts)).toEqual(e.current_counts);
      if (e.binning === 'quantile') {
        expect(profile.type === 'numeric' && profile.edges).toEqual(e.edges);
      } else if (e.binning === 'value') {
        expect(result.bins.labels.map(Number)).toEqual(e.values);
      } else {
        expect(result.bins.labels).toEqual(e.categories);
      }

      // The same set of statistics, each within tolerance.
      expect(Object.keys(result.stats).sort()).toEqual(Object.keys(e.stats).sort());
      for (const [key, value] of Object.entries(e.stats)) {
        const expected = num(value);
        close(key, result.stats[key as keyof DriftStats], expected, tolerance(key), c.name);
      }

      if (c.type === 'numeric' && profile.type === 'numeric') {
        close('reference_std', profile.std, e.reference_std as number, 1e-12, c.name);
        const refSorted = Float64Array.from(profile.sample);
        const curSorted = rawNumeric(c.current)
          .filter((v) => Number.isFinite(v))
          .sort();
        close(
          'wasserstein',
          wassersteinDistance(refSorted, curSorted),
          e.wasserstein as number,
          1e-9,
          c.name,
        );
        expect(ks2samp(refSorted, curSorted).method).toBe(e.ks_method);
      }

      // The automatic choice, its score and verdict.
      expect(result.test).toBe(e.auto.test);
      expect(result.threshold).toBe(e.auto.threshold);
      expect(result.drifted).toBe(e.auto.drifted);
      const autoScore = num(e.auto.score);
      close(
        `auto score (${e.auto.test})`,
        result.score,
        autoScore,
        tolerance(`auto score (${e.auto.test})`),
        c.name,
      );
    });
  }
});

describe('golden special functions', () => {
  it('kstwo.sf(d, n) in every branch (Ruben–Gambino, Durbin, Pomeranz, Pelz–Good, Smirnov)', () => {
    expect(golden.special.kstwo_sf.length).toBeGreaterThan(300);
    for (const [n, d, p] of golden.special.kstwo_sf) {
      const expected = num(p);
      close('kstwo_sf', kstwoSf(d, n), expected, 1e-6, `kstwo.sf(${d}, ${n})`);
    }
  });

  it('smirnov(n, x)', () => {
    for (const [n, x, p] of golden.special.smirnov) {
      const expected = num(p);
      close('smirnov', smirnovSf(n, x), expected, 1e-9, `smirnov(${n}, ${x})`);
    }
  });

  it('smirnov(n, x) bit for bit whatever was asked before (its per-n term tables, kolmogorov.ts)', () => {
    const rows = golden.special.smirnov;
    const forward = rows.map(([n, x]) => smirnovSf(n, x));
    // Backwards, so each n's table is rebuilt after others evicted it, and grown from a short one.
    const backward = [...rows]
      .reverse()
      .map(([n, x]) => smirnovSf(n, x))
      .reverse();
    expect(backward.every((p, k) => Object.is(p, forward[k]))).toBe(true);
  });

  it('exact two-sample branch, its rounding of D, and the fallback when it fails', () => {
    let failures = 0;
    for (const [n1, n2, d, success, d2, prob, final] of golden.special.ks_exact) {
      const where = `exact(${n1}, ${n2}, ${d})`;
      const r = exactKs2SampPValue(n1, n2, d);
      expect(r.success, where).toBe(success);
      expect(r.statistic, where).toBe(num(d2));
      if (success) close('ks_exact_p', r.pValue, num(prob), 1e-9, where);
      else failures++;
      // What ks_2samp reports: the exact p-value, or the asymptotic one when the exact attempt failed.
      const reported = r.success ? r.pValue : asympKs2SampPValue(n1, n2, r.statistic);
      const expectedFinal = num(final);
      close('ks_2samp_p', reported, expectedFinal, 1e-6, where);
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('chi2.sf(x, df), including the far tail', () => {
    for (const [df, x, p] of golden.special.chi2_sf)
      close('chi2_sf', chi2Sf(x, df), num(p), 1e-9, `chi2.sf(${x}, ${df})`);
  });

  it('gammaincc / gammainc', () => {
    for (const [a, x, q, p] of golden.special.gammaincc) {
      close('gammaincc', gammaincc(a, x), num(q), 1e-9, `gammaincc(${a}, ${x})`);
      close('gammainc', gammainc(a, x), num(p), 1e-9, `gammainc(${a}, ${x})`);
    }
  });

  it('norm.sf, erfc, gammaln', () => {
    for (const [z, p] of golden.special.norm_sf)
      close('norm_sf', normalSf(z), num(p), 1e-12, `norm.sf(${z})`);
    for (const [x, v] of golden.special.erfc) close('erfc', erfc(x), num(v), 1e-13, `erfc(${x})`);
    for (const [x, v] of golden.special.gammaln) {
      // log Γ crosses zero at 1 and 2: compare absolutely there.
      const expected = num(v);
      if (Math.abs(expected) < 1e-3) expect(Math.abs(logGamma(x) - expected)).toBeLessThan(1e-15);
      else close('gammaln', logGamma(x), expected, 1e-13, `gammaln(${x})`);
    }
  });

  it('np.quantile linear interpolation is reproduced bit for bit', () => {
    for (const row of golden.special.quantile) {
      expect(row.levels.map((q) => quantileSorted(row.data, q))).toEqual(row.quantiles);
    }
  });

  it('Benjamini–Hochberg adjustment', () => {
    for (const row of golden.special.benjamini_hochberg) {
      const adj = benjaminiHochberg(row.p);
      row.adjusted.forEach((v, i) => {
        close('benjamini_hochberg', adj[i], v, 1e-12, `BH ${row.p.join(',')}`);
      });
    }
  });
});

afterAll(() => {
  const lines = [...maxRelError.entries()].sort().map(([k, v]) => `  ${k.padEnd(34)} ${v.toExponential(2)}`);
  console.log(`max relative error vs scipy:\n${lines.join('\n')}`);
});
