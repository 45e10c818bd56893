import { describe, expect, it } from 'vitest';
import {
  binCategorical,
  binIndex,
  binNumeric,
  countEdgeBins,
  quantileEdges,
  quantileLevels,
} from './binning';
import { currentColumn, profileCategorical, profileNumeric } from './profile';
import type { NumericProfile } from './types';

const range = (n: number, start = 0) => Array.from({ length: n }, (_, i) => start + i);
const sortedF = (xs: number[]) => Float64Array.from(xs).sort();

describe('quantile bins (> 20 distinct reference values)', () => {
  const profile = profileNumeric(Float64Array.from(range(100))) as NumericProfile;

  it('edges are the distinct deciles of the reference, as np.quantile gives them', () => {
    // numpy 1.24: np.unique(np.quantile(np.arange(100.0), [0.1, …, 0.9]))
    expect(profile.edges).toEqual([9.9, 19.8, 29.7, 39.6, 49.5, 59.4, 69.3, 79.2, 89.10000000000001]);
    expect(profile.binCounts).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(quantileLevels()).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(quantileLevels(4)).toEqual([0.25, 0.5, 0.75]);
  });

  it('bin of x is the number of edges ≤ x: [e_i, e_{i+1}) with open outer bins', () => {
    const edges = profile.edges!;
    expect([9.9, 9.89, 89.1, 100, -5, 1e300].map((x) => binIndex(edges, x))).toEqual([1, 0, 8, 9, 0, 9]);
    expect(
      Array.from(countEdgeBins([-1, 9.9, 9.9, Number.NaN, 500, Number.POSITIVE_INFINITY], edges)),
    ).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('labels are upper edges that round-trip through Number(), "+Inf" last; lower edges start at "-Inf"', () => {
    const bins = binNumeric(profile, sortedF([0.5, 50, 50, 95]));
    expect(bins.labels).toEqual([
      '9.9',
      '19.8',
      '29.7',
      '39.6',
      '49.5',
      '59.4',
      '69.3',
      '79.2',
      '89.10000000000001',
      '+Inf',
    ]);
    expect(bins.lower).toEqual([
      '-Inf',
      '9.9',
      '19.8',
      '29.7',
      '39.6',
      '49.5',
      '59.4',
      '69.3',
      '79.2',
      '89.10000000000001',
    ]);
    for (let i = 0; i < 9; i++) expect(Number(bins.labels[i])).toBe(profile.edges![i]);
    expect(Array.from(bins.currentCounts)).toEqual([1, 0, 0, 0, 0, 2, 0, 0, 0, 1]);
    expect(Array.from(bins.current)).toEqual([0.25, 0, 0, 0, 0, 0.5, 0, 0, 0, 0.25]);
    expect(bins.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });

  it('ties collapse duplicate quantiles into one edge', () => {
    // Half the reference is 0: numpy 1.24 gives these distinct edges (repr).
    const p = profileNumeric(
      Float64Array.from([...new Array(50).fill(0), ...range(50, 1)]),
    ) as NumericProfile;
    expect(p.edges).toEqual([
      0, 0.5, 10.399999999999999, 20.299999999999997, 30.200000000000003, 40.10000000000001,
    ]);
    expect(p.binCounts).toEqual([0, 50, 10, 10, 10, 10, 10]);
    expect(quantileEdges(sortedF([]))).toEqual([]);
  });
});

describe('one bin per value (≤ 20 distinct reference values, or categorical)', () => {
  it('numeric: the union of reference and current values, label String(value), no lower edge', () => {
    const profile = profileNumeric(Float64Array.from([1, 1, 2, 3, 3, 3])) as NumericProfile;
    expect(profile.edges).toBeNull();
    expect(profile.valueCounts).toEqual([
      [1, 2],
      [2, 1],
      [3, 3],
    ]);
    const bins = binNumeric(profile, sortedF([0.5, 3, 3, 7]));
    expect(bins.labels).toEqual(['0.5', '1', '2', '3', '7']);
    expect(bins.lower).toEqual([null, null, null, null, null]);
    expect(Array.from(bins.referenceCounts)).toEqual([0, 2, 1, 3, 0]);
    expect(Array.from(bins.currentCounts)).toEqual([1, 0, 0, 2, 1]);
  });

  it('numeric: −0 and +0 are the same value', () => {
    const profile = profileNumeric(Float64Array.from([0, 1])) as NumericProfile;
    const bins = binNumeric(profile, sortedF([-0, 0, 1]));
    expect(bins.labels).toEqual(['0', '1']);
    expect(Array.from(bins.currentCounts)).toEqual([2, 1]);
  });

  it('categorical: sorted union, unseen and vanished categories get empty bins', () => {
    const profile = profileCategorical(['b', 'a', 'a', 'c', null, 'NA']);
    expect(profile).toEqual({
      type: 'categorical',
      count: 4,
      missing: 2,
      categoryCounts: [
        ['a', 2],
        ['b', 1],
        ['c', 1],
      ],
    });
    const cur = currentColumn(['a', 'd', 'd', '', 'b'], 'categorical');
    if (cur.type !== 'categorical') throw new Error('expected categorical');
    const bins = binCategorical(profile, cur.counts);
    expect(bins.labels).toEqual(['a', 'b', 'c', 'd']);
    expect(bins.lower).toEqual([null, null, null, null]);
    expect(Array.from(bins.referenceCounts)).toEqual([2, 1, 1, 0]);
    expect(Array.from(bins.currentCounts)).toEqual([1, 1, 0, 2]);
    expect(Array.from(bins.current)).toEqual([0.25, 0.25, 0, 0.5]);
  });

  it('an empty side gives all-zero proportions, not NaN', () => {
    const profile = profileCategorical(['x', 'y']);
    const bins = binCategorical(profile, new Map());
    expect(Array.from(bins.current)).toEqual([0, 0]);
  });
});
