import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proportions } from './binning';
import { chiSquare } from './drift-tests/chisquare';
import { jensenShannonDistance } from './drift-tests/jensenshannon';
import { wassersteinDistance } from './drift-tests/wasserstein';
import { kstwoSf } from './kolmogorov';
import {
  asympKs2SampPValue,
  exactKs2SampPValue,
  KS_MAX_EXACT_N,
  ks2SampPValue,
  ks2samp,
  ksStatistic,
} from './ks2samp';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

describe('two-sample Kolmogorov–Smirnov', () => {
  it('matches scipy on small hand-checkable samples (values from scipy 1.10.1)', () => {
    expect(ks2samp(sorted([1, 2, 3]), sorted([4, 5, 6]))).toEqual({
      statistic: 1,
      pValue: 0.09999999999999999,
      method: 'exact',
    });
    const tied = ks2samp(sorted([1, 2, 2, 3, 4]), sorted([2, 3, 3, 5, 6, 7]));
    expect(tied.statistic).toBe(0.5);
    expect(tied.pValue).toBeCloseTo(0.35714285714285715, 15);
  });

  it('falls back to the asymptotic distribution when the exact result is not a probability, as scipy does', () => {
    // n = m = 5, D = 1/5: scipy's Horner sum gives 1.0000000000000002 → kstwo.sf(0.2, round(2.5) = 2).
    const exact = exactKs2SampPValue(5, 5, 0.2);
    expect(exact.success).toBe(false);
    expect(exact.pValue).toBeGreaterThan(1);
    const r = ks2samp(sorted([0, 1, 2, 3, 4]), sorted([0.5, 1.5, 2.5, 3.5, 4.5]));
    expect(r).toEqual({ statistic: 0.2, pValue: 1, method: 'asymp' });
    expect(r.pValue).toBe(kstwoSf(0.2, 2));
  });

  it('switches to the asymptotic branch above 10000 values on either side', () => {
    expect(ks2SampPValue(KS_MAX_EXACT_N, 300, 0.1).method).toBe('exact');
    const asymp = ks2SampPValue(KS_MAX_EXACT_N + 1, 300, 0.1);
    expect(asymp.method).toBe('asymp');
    // n_eff = round(10001·300 / 10301) = 291.
    expect(asymp.pValue).toBe(kstwoSf(0.1, 291));
    expect(asympKs2SampPValue(300, 10001, 0.1)).toBe(asymp.pValue);
    // round(n_eff) is half-to-even: 20001 · 20001 / 40002 = 10000.5 → 10000.
    expect(asympKs2SampPValue(20001, 20001, 0.02)).toBe(kstwoSf(0.02, 10000));
  });

  it('is symmetric in its samples, gives D in [0, 1] and p in [0, 1], D = 0 ⇒ p = 1', () => {
    const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const x = sorted(a);
        const y = sorted(b);
        const r1 = ks2samp(x, y);
        const r2 = ks2samp(y, x);
        expect(r1.statistic).toBe(r2.statistic);
        expect(r1.pValue).toBeCloseTo(r2.pValue, 12);
        expect(r1.statistic).toBeGreaterThanOrEqual(0);
        expect(r1.statistic).toBeLessThanOrEqual(1);
        expect(r1.pValue).toBeGreaterThanOrEqual(0);
        expect(r1.pValue).toBeLessThanOrEqual(1);
        if (r1.statistic === 0) expect(r1.pValue).toBe(1);
      }),
    );
    expect(ksStatistic(sorted([3, 3, 3]), sorted([3]))).toBe(0);
  });

  it('the exact p-value decreases as D grows', () => {
    let prev = 1;
    for (let h = 1; h <= 120; h++) {
      const p = exactKs2SampPValue(40, 60, h / 120).pValue;
      expect(p).toBeLessThanOrEqual(prev);
      prev = p;
    }
    expect(prev).toBeLessThan(1e-20);
  });

  it('rejects empty samples (callers report "no values" instead)', () => {
    expect(() => ks2samp(new Float64Array(0), sorted([1]))).toThrow(RangeError);
  });
});

describe('histogram and distance statistics on hand-checkable inputs (values from scipy 1.10.1)', () => {
  it('Wasserstein-1 distance', () => {
    expect(wassersteinDistance(sorted([0, 1, 3]), sorted([5, 6, 8]))).toBe(5);
    expect(wassersteinDistance(sorted([1, 2, 2, 3]), sorted([2, 2, 5]))).toBe(1);
    expect(wassersteinDistance(sorted([7]), sorted([7]))).toBe(0);
  });

  it('Jensen–Shannon distance (natural log, no zero replacement)', () => {
    const js = jensenShannonDistance(Float64Array.from([0.5, 0.5, 0]), Float64Array.from([0, 0.5, 0.5]));
    expect(js).toBeCloseTo(0.5887050112577373, 15);
    expect(jensenShannonDistance(Float64Array.from([0.2, 0.8]), Float64Array.from([0.2, 0.8]))).toBe(0);
    // Maximal for disjoint supports: sqrt(ln 2).
    expect(jensenShannonDistance(Float64Array.from([1, 0]), Float64Array.from([0, 1]))).toBeCloseTo(
      Math.sqrt(Math.LN2),
      15,
    );
  });

  it('chi-square is the 2 × k contingency test (scipy chi2_contingency, correction=False), finite for a new category', () => {
    const bins = (ref: number[], cur: number[]) => {
      const referenceCounts = Float64Array.from(ref);
      const currentCounts = Float64Array.from(cur);
      return {
        labels: ref.map(String),
        lower: ref.map(() => null),
        reference: proportions(referenceCounts),
        current: proportions(currentCounts),
        referenceCounts,
        currentCounts,
      };
    };
    const r = chiSquare(bins([20, 20, 20], [10, 20, 30]));
    // scipy.stats.chi2_contingency([[20, 20, 20], [10, 20, 30]], correction=False)
    expect(r.statistic).toBeCloseTo(5.333333333333334, 12);
    expect(r.pValue).toBeCloseTo(0.0694834512228015, 14);
    expect(r.df).toBe(2);
    // chi2_contingency([[30, 30, 0], [20, 20, 5]], correction=False): finite, unlike goodness of fit
    const unseen = chiSquare(bins([30, 30, 0], [20, 20, 5]));
    expect(unseen.statistic).toBeCloseTo(6.999999999999999, 12);
    expect(unseen.pValue).toBeCloseTo(0.030197383422318508, 14);
    // one value on both sides: statistic 0, p 1; bins empty on both sides are left out
    expect(chiSquare(bins([5], [7]))).toEqual({ statistic: 0, pValue: 1, df: 0 });
    expect(chiSquare(bins([20, 0, 20, 20], [10, 0, 20, 30])).statistic).toBeCloseTo(5.333333333333334, 12);
  });
});
