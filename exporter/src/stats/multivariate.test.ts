import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  domainClassifier,
  fitLogistic,
  type MultivariateFeature,
  mmdTest,
  mulberry32,
  referencePairSums,
} from './multivariate';

interface MultivariateGolden {
  name: string;
  reference: number[][];
  current: number[][];
  mmd2: number;
  bandwidth: number;
  logistic_intercept: number;
  logistic_coefficients: number[];
}

const golden = (
  JSON.parse(readFileSync(new URL('../../../test/golden/drift.json', import.meta.url), 'utf8')) as {
    special: { multivariate: MultivariateGolden[] };
  }
).special.multivariate;

const features = (g: MultivariateGolden): MultivariateFeature[] =>
  g.reference.map((col, j) => ({ name: `f${j}`, reference: col, current: g.current[j]! }));

/** Seeded normal deviates (Box–Muller) for synthetic data. */
function normals(n: number, seed: number, shift = 0): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from(
    { length: n },
    () => shift + Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()),
  );
}

describe('MMD² with a Gaussian kernel', () => {
  it('matches numpy on full data: bandwidth (median heuristic) and unbiased MMD²', () => {
    expect(golden.length).toBe(3);
    for (const g of golden) {
      const r = mmdTest(features(g), { maxRowsPerSide: 1000, permutations: 0 });
      expect(r.rows).toEqual({ reference: g.reference[0]!.length, current: g.current[0]!.length });
      expect(Math.abs(r.bandwidth / g.bandwidth - 1), g.name).toBeLessThan(1e-12);
      expect(Math.abs(r.mmd2 - g.mmd2), g.name).toBeLessThan(1e-12 * Math.max(1, Math.abs(g.mmd2)));
      expect(r.pValue).toBe(1);
    }
  });

  it('sees a correlation change that no marginal distribution shows, and not a non-change', () => {
    const corr = golden.find((g) => g.name === 'correlation_change_3d')!;
    expect(mmdTest(features(corr), { maxRowsPerSide: 1000 }).pValue).toBeLessThan(0.05);
    // Same distribution on both sides (fixed seeds, so this is a fixed outcome, not a flaky one).
    const same: MultivariateFeature[] = [
      { name: 'a', reference: normals(300, 31), current: normals(300, 32) },
      { name: 'b', reference: normals(300, 33), current: normals(300, 34) },
    ];
    const r = mmdTest(same);
    expect(r.pValue).toBeGreaterThan(0.2);
    expect(Math.abs(r.mmd2)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed, subsamples large inputs, and p-values lie on the permutation grid', () => {
    const f = [{ name: 'x', reference: normals(3000, 1), current: normals(2000, 2, 0.3) }];
    const a = mmdTest(f, { seed: 7, maxRowsPerSide: 200, permutations: 50 });
    const b = mmdTest(f, { seed: 7, maxRowsPerSide: 200, permutations: 50 });
    expect(b).toEqual(a);
    expect(a.rows).toEqual({ reference: 200, current: 200 });
    expect(a.pValue).toBe(1 / 51); // a 0.3σ shift on 200 rows per side: no permutation reaches it
    expect(Number.isInteger(a.pValue * 51)).toBe(true);
  });

  it('handles missing values (reference-mean imputation) and rejects unusable input', () => {
    const ref = Float64Array.from([1, 2, Number.NaN, 4, 5]);
    const cur = Float64Array.from([1, Number.POSITIVE_INFINITY, 3, 4]);
    const r = mmdTest([{ name: 'x', reference: ref, current: cur }], { permutations: 10 });
    expect(Number.isFinite(r.mmd2)).toBe(true);
    expect(() => mmdTest([])).toThrow(/at least one feature/);
    expect(() => mmdTest([{ name: 'x', reference: [1], current: [1, 2] }])).toThrow(/two rows/);
    expect(() =>
      mmdTest([
        { name: 'x', reference: [1, 2], current: [1, 2] },
        { name: 'y', reference: [1], current: [1, 2] },
      ]),
    ).toThrow(/different number of rows/);
  });
});

describe('domain classifier', () => {
  it('the logistic fit matches scikit-learn LogisticRegression(C=1) on the standardised data', () => {
    for (const g of golden) {
      const n = g.reference[0]!.length;
      const m = g.current[0]!.length;
      const d = g.reference.length;
      // Standardise by the reference mean/std exactly as the module does, then fit directly.
      const X = new Float64Array((n + m) * d);
      for (let j = 0; j < d; j++) {
        const ref = g.reference[j]!;
        const mu = ref.reduce((a, b) => a + b, 0) / n;
        const sd = Math.sqrt(ref.reduce((a, b) => a + (b - mu) ** 2, 0) / n);
        ref.forEach((v, i) => {
          X[i * d + j] = (v - mu) / sd;
        });
        g.current[j]!.forEach((v, i) => {
          X[(n + i) * d + j] = (v - mu) / sd;
        });
      }
      const y = new Uint8Array(n + m).fill(1, n);
      const beta = fitLogistic(X, y, n + m, d, 1);
      expect(beta[0]!).toBeCloseTo(g.logistic_intercept, 9);
      g.logistic_coefficients.forEach((c, j) => {
        expect(beta[j + 1]!, `${g.name} w${j}`).toBeCloseTo(c, 9);
      });
      // The same fit inside domainClassifier when every row is kept.
      const r = domainClassifier(features(g), { maxRowsPerSide: 1000 });
      expect(r.intercept).toBeCloseTo(g.logistic_intercept, 9);
      expect(r.coefficients.f0).toBeCloseTo(g.logistic_coefficients[0]!, 9);
    }
  });

  it('separates shifted data (AUC near 1) and puts the importance on the shifted feature', () => {
    const f: MultivariateFeature[] = [
      { name: 'shifted', reference: normals(400, 11), current: normals(400, 12, 2.5) },
      { name: 'stable', reference: normals(400, 13), current: normals(400, 14) },
    ];
    const r = domainClassifier(f, { seed: 3 });
    expect(r.auc).toBeGreaterThan(0.9);
    expect(r.foldAuc).toHaveLength(5);
    expect(r.importance.shifted).toBeGreaterThan(0.9);
    expect(r.importance.shifted! + r.importance.stable!).toBeCloseTo(1, 12);
  });

  it('cannot tell identical distributions apart (AUC near ½) and is deterministic for a seed', () => {
    const f: MultivariateFeature[] = [
      { name: 'a', reference: normals(500, 21), current: normals(500, 22) },
      { name: 'b', reference: normals(500, 23), current: normals(500, 24) },
    ];
    const r = domainClassifier(f, { seed: 5 });
    expect(Math.abs(r.auc - 0.5)).toBeLessThan(0.08);
    expect(domainClassifier(f, { seed: 5 })).toEqual(r);
    expect(() => domainClassifier([{ name: 'a', reference: [1, 2], current: [1, 2] }])).toThrow(
      /at least 5 rows/,
    );
  });
});

describe('referencePairSums (the permutation statistic of mmdTest)', () => {
  /** The sums as written first: every later row of every reference row, weighted by its 0/1 label. */
  function weighted(K: Float64Array, N: number, isRef: Float64Array, rowSums: Float64Array) {
    let refRef = 0;
    let refRows = 0;
    for (let i = 0, row = 0; i < N; i++) {
      if (isRef[i] === 1) {
        let toRef = 0;
        for (let j = i + 1, at = row; j < N; j++, at++) toRef += K[at]! * isRef[j]!;
        refRef += toRef;
        refRows += rowSums[i]!;
      }
      row += N - i - 1;
    }
    return { refRef, refRows };
  }

  it('equals the label-weighted sum bit for bit (skipping zero terms changes nothing)', () => {
    const rand = mulberry32(11);
    for (const N of [2, 3, 7, 40, 257]) {
      const K = Float64Array.from({ length: (N * (N - 1)) / 2 }, () => Math.exp(-5 * rand()));
      const rowSums = Float64Array.from({ length: N }, () => rand() * N);
      for (let trial = 0; trial < 20; trial++) {
        const isRef = Float64Array.from({ length: N }, () => (rand() < 0.5 ? 1 : 0));
        const got = referencePairSums(K, N, isRef, rowSums);
        const want = weighted(K, N, isRef, rowSums);
        expect(Object.is(got.refRef, want.refRef) && Object.is(got.refRows, want.refRows)).toBe(true);
      }
    }
  });
});
