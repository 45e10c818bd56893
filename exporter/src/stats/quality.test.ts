import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataQuality, missingShare, outOfRangeShare, unseenCategoryShare } from './quality';
import type { CategoricalProfile, NumericProfile } from './types';

// Golden vectors from test/golden/generate_performance.py (docs/statistics.md definitions in numpy).
interface QualityCase {
  name: string;
  type: 'numeric' | 'categorical';
  reference_min?: number;
  reference_max?: number;
  reference_count?: number;
  current?: (number | null)[];
  current_inf_at?: number[];
  reference_counts?: [string, number][];
  current_counts?: [string, number][];
  current_missing?: number;
  expected: {
    missing_share: number | null;
    out_of_range_share: number | null;
    unseen_category_share: number | null;
  };
}
const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/performance.json', import.meta.url), 'utf8'),
) as {
  quality: QualityCase[];
};

function numericProfile(min: number, max: number, count: number): NumericProfile {
  return {
    type: 'numeric',
    count,
    missing: 0,
    min,
    max,
    mean: (min + max) / 2,
    std: 1,
    edges: null,
    binCounts: null,
    valueCounts: null,
    distinct: count,
    sample: [min, max],
    sampleIsComplete: false,
  };
}

function categoricalProfile(counts: [string, number][]): CategoricalProfile {
  return {
    type: 'categorical',
    count: counts.reduce((s, [, c]) => s + c, 0),
    missing: 0,
    categoryCounts: counts,
  };
}

function expectClose(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
}

describe('golden vectors', () => {
  for (const c of golden.quality) {
    it(c.name, () => {
      let got: ReturnType<typeof dataQuality>;
      if (c.type === 'numeric') {
        const values = Float64Array.from(c.current!, (v) => (v === null ? Number.NaN : v));
        for (const i of c.current_inf_at ?? []) values[i] = Number.POSITIVE_INFINITY; // JSON has no inf
        got = dataQuality(numericProfile(c.reference_min!, c.reference_max!, c.reference_count!), {
          type: 'numeric',
          values,
        });
      } else {
        got = dataQuality(categoricalProfile(c.reference_counts!), {
          type: 'categorical',
          counts: new Map(c.current_counts!),
          missing: c.current_missing!,
        });
      }
      expectClose(got.missing_share, c.expected.missing_share);
      expectClose(got.out_of_range_share, c.expected.out_of_range_share);
      expectClose(got.unseen_category_share, c.expected.unseen_category_share);
    });
  }
});

describe('definitions', () => {
  const ref = numericProfile(0, 10, 100);

  it('values equal to the reference min or max are in range; ±inf count as missing, not out of range', () => {
    const values = Float64Array.from([0, 10, -0.001, 10.5, Number.NaN, Number.NEGATIVE_INFINITY, 5, 5]);
    expect(dataQuality(ref, { type: 'numeric', values })).toEqual({
      missing_share: 2 / 8,
      out_of_range_share: 2 / 6,
      unseen_category_share: null,
    });
  });

  it('shares are null without a denominator', () => {
    expect(missingShare({ type: 'numeric', values: new Float64Array(0) })).toBeNull();
    expect(outOfRangeShare(ref, Float64Array.from([Number.NaN]))).toBeNull();
    // An all-missing reference column has count 0 and min = max = 0 (stats/types.ts): no range to judge.
    expect(outOfRangeShare({ ...ref, count: 0, min: 0, max: 0 }, Float64Array.from([1]))).toBeNull();
    expect(missingShare({ type: 'categorical', counts: new Map(), missing: 0 })).toBeNull();
    expect(missingShare({ type: 'categorical', counts: new Map(), missing: 3 })).toBe(1);
    expect(unseenCategoryShare(categoricalProfile([['a', 1]]), new Map())).toBeNull();
  });

  it('a reference category with count 0 is unseen; missing values are not unseen categories', () => {
    const profile = categoricalProfile([
      ['a', 5],
      ['b', 0],
    ]);
    const got = dataQuality(profile, {
      type: 'categorical',
      counts: new Map([
        ['a', 2],
        ['b', 1],
        ['c', 1],
      ]),
      missing: 4,
    });
    expect(got).toEqual({ missing_share: 0.5, out_of_range_share: null, unseen_category_share: 0.5 });
  });

  it('a column that changed type only gets its missing share', () => {
    expect(dataQuality(ref, { type: 'categorical', counts: new Map([['x', 3]]), missing: 1 })).toEqual({
      missing_share: 0.25,
      out_of_range_share: null,
      unseen_category_share: null,
    });
    expect(
      dataQuality(categoricalProfile([['a', 1]]), { type: 'numeric', values: Float64Array.from([1, 2]) }),
    ).toEqual({
      missing_share: 0,
      out_of_range_share: null,
      unseen_category_share: null,
    });
  });
});
