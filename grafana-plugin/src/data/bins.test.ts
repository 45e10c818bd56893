import { describe, expect, it } from 'vitest';

import { type BinRatios, binKind, describeBin, formatEdge, limitBins, shapeBins } from './bins';

const entries = (pairs: Array<[string, number, number?]>): Map<string, BinRatios> =>
  new Map(pairs.map(([k, r, c]) => [k, c === undefined ? { reference: r } : { reference: r, current: c }]));

describe('binKind', () => {
  it('recognises quantile edges by the +Inf bin', () => {
    expect(binKind(['10.5', '+Inf', '2', '-3.25'])).toBe('quantile');
    expect(binKind(['1e3', '+Inf'])).toBe('quantile');
  });
  it('treats all-numeric labels without +Inf as discrete values', () => {
    expect(binKind(['0', '1', '2', '10'])).toBe('discrete');
  });
  it('treats anything else as categories', () => {
    expect(binKind(['red', 'blue'])).toBe('categorical');
    expect(binKind(['1', 'x', '+Inf'])).toBe('categorical');
    expect(binKind(['+Inf', '+Inf'])).toBe('categorical');
  });
});

describe('shapeBins', () => {
  it('sorts quantile bins numerically and derives [lower, upper) from the previous edge', () => {
    const { kind, bins } = shapeBins(
      entries([
        ['+Inf', 0.25, 0.4],
        ['10', 0.25, 0.2],
        ['2.5', 0.25, 0.1],
        ['-1', 0.25, 0.3],
      ]),
    );
    expect(kind).toBe('quantile');
    expect(bins.map((b) => b.key)).toEqual(['-1', '2.5', '10', '+Inf']);
    expect(bins.map((b) => [b.lower, b.upper])).toEqual([
      [Number.NEGATIVE_INFINITY, -1],
      [-1, 2.5],
      [2.5, 10],
      [10, Number.POSITIVE_INFINITY],
    ]);
    expect(bins.map((b) => b.label)).toEqual(['< −1', '[−1, 2.5)', '[2.5, 10)', '≥ 10']);
    expect(bins.map((b) => [b.reference, b.current])).toEqual([
      [0.25, 0.3],
      [0.25, 0.1],
      [0.25, 0.2],
      [0.25, 0.4],
    ]);
    expect(describeBin(bins[1]!, kind)).toBe('−1 ≤ x < 2.5');
    expect(describeBin(bins[0]!, kind)).toBe('x < −1');
    expect(describeBin(bins[3]!, kind)).toBe('x ≥ 10');
  });

  it('sorts numerically, not as strings (10 after 9)', () => {
    const { bins } = shapeBins(
      entries([
        ['9', 0.1],
        ['10', 0.1],
        ['+Inf', 0.8],
      ]),
    );
    expect(bins.map((b) => b.key)).toEqual(['9', '10', '+Inf']);
  });

  it('keeps close edges distinguishable when formatting', () => {
    const { bins } = shapeBins(
      entries([
        ['1.00001', 0.3],
        ['1.00002', 0.3],
        ['+Inf', 0.4],
      ]),
    );
    expect(bins[1]!.label).toBe('[1.00001, 1.00002)');
  });

  it('single +Inf bin covers all values', () => {
    const { kind, bins } = shapeBins(entries([['+Inf', 1, 1]]));
    expect(kind).toBe('quantile');
    expect(bins[0]!.label).toBe('all values');
  });

  it('shows discrete numeric values by name, sorted numerically', () => {
    const { kind, bins } = shapeBins(
      entries([
        ['10', 0.1],
        ['2', 0.2],
        ['0', 0.3],
        ['1', 0.4],
      ]),
    );
    expect(kind).toBe('discrete');
    expect(bins.map((b) => b.label)).toEqual(['0', '1', '2', '10']);
    expect(bins[0]!.lower).toBeUndefined();
    expect(describeBin(bins[0]!, kind)).toBe('value 0');
  });

  it('shows categories by name, naturally ordered or by reference share', () => {
    const e = entries([
      ['b', 0.2, 0.1],
      ['A', 0.5, 0.4],
      ['c10', 0.1],
      ['c9', 0.2],
    ]);
    expect(shapeBins(e).bins.map((b) => b.label)).toEqual(['A', 'b', 'c9', 'c10']);
    expect(shapeBins(e, 'reference').bins.map((b) => b.key)).toEqual(['A', 'b', 'c9', 'c10']);
    const missingCurrent = shapeBins(e).bins.find((b) => b.key === 'c9')!;
    expect(missingCurrent.current).toBeNull();
    expect(describeBin(missingCurrent, 'categorical')).toBe('category c9');
  });
});

describe('limitBins', () => {
  it('merges the smallest categories into "other" and keeps order', () => {
    const { kind, bins } = shapeBins(
      entries([
        ['a', 0.4, 0.1],
        ['b', 0.3, 0.3],
        ['c', 0.2, 0.2],
        ['d', 0.05, 0.35],
        ['e', 0.05, 0.1],
      ]),
    );
    const limited = limitBins(bins, kind, 3);
    expect(limited.map((b) => b.label)).toEqual(['a', 'd', 'other (3)']);
    expect(limited[2]!.reference).toBeCloseTo(0.55);
    expect(limited[2]!.current).toBeCloseTo(0.6);
  });
  it('never merges quantile bins', () => {
    const { kind, bins } = shapeBins(
      entries([
        ['1', 0.3],
        ['2', 0.3],
        ['+Inf', 0.4],
      ]),
    );
    expect(limitBins(bins, kind, 2)).toHaveLength(3);
  });
});

describe('formatEdge', () => {
  it('is compact and exact for integers', () => {
    expect(formatEdge(42)).toBe('42');
    expect(formatEdge(0.123456)).toBe('0.1235');
    expect(formatEdge(52345.678)).toBe('52350');
    expect(formatEdge(2_500_000)).toBe('2.5e+6');
    expect(formatEdge(-0.5)).toBe('−0.5');
    expect(formatEdge(1.5e-7)).toBe('1.5e-7');
    expect(formatEdge(Number.POSITIVE_INFINITY)).toBe('+∞');
  });
});
