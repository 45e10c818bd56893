import { describe, expect, it } from 'vitest';
import { driftColumn } from './drift';
import {
  currentColumn,
  currentColumnFor,
  inferColumnType,
  isMissingToken,
  orderStatisticSample,
  parseFiniteNumber,
  profileColumn,
  profileNumeric,
} from './profile';
import type { ColumnProfile, NumericProfile } from './types';

describe('column typing (docs/compare.md)', () => {
  it('missing tokens: null, empty/blank, NA, NaN, null', () => {
    for (const v of [null, undefined, '', '  ', 'NA', 'NaN', 'null']) expect(isMissingToken(v)).toBe(true);
    for (const v of ['0', 'na', 'None', 'x']) expect(isMissingToken(v)).toBe(false);
  });

  it('numbers are plain decimals; hex, Infinity and junk are not', () => {
    expect(['1', '-2.5', '.5', '1e-3', ' 7 ', '+3.', '1E5'].map(parseFiniteNumber)).toEqual([
      1, -2.5, 0.5, 0.001, 7, 3, 1e5,
    ]);
    for (const v of ['0x10', 'Infinity', 'inf', '1,5', '1e', 'abc', '--1', '1e999'])
      expect(parseFiniteNumber(v)).toBeNull();
  });

  it('numeric when every non-missing value parses as a finite number', () => {
    expect(inferColumnType(['1', '2.5', 'NA', null, ''])).toBe('numeric');
    expect(inferColumnType(['1', '2.5', 'inf'])).toBe('categorical');
    expect(inferColumnType(['1', 'a'])).toBe('categorical');
    expect(inferColumnType([null, 'NA'])).toBe('numeric'); // all missing: nothing contradicts "numeric"
  });
});

describe('numeric profiles', () => {
  it('summaries over finite values; NaN and ±inf are missing', () => {
    const p = profileColumn(['4', '1', 'NA', '3', '2', null]) as NumericProfile;
    expect(p).toMatchObject({
      type: 'numeric',
      count: 4,
      missing: 2,
      min: 1,
      max: 4,
      mean: 2.5,
      distinct: 4,
    });
    expect(p.std).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(p.sample).toEqual([1, 2, 3, 4]);
    expect(p.sampleIsComplete).toBe(true);
    const q = profileNumeric(
      Float64Array.from([1, Number.NaN, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY]),
    );
    expect(q).toMatchObject({ count: 2, missing: 3, min: 1, max: 2 });
  });

  it('an all-missing column has count 0 and zero summaries (no NaN in JSON)', () => {
    const p = profileNumeric(Float64Array.from([Number.NaN, Number.NaN]));
    expect(p).toMatchObject({
      count: 0,
      missing: 2,
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      distinct: 0,
      sample: [],
    });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('keeps evenly spaced order statistics, including min and max, above the sample cap', () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => 1000 - i);
    const p = profileNumeric(values, { sampleCap: 11 });
    expect(p.sample).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(p.sampleIsComplete).toBe(false);
    expect(p.count).toBe(1001);
    // Bins and summaries still use every value.
    expect(p.binCounts!.reduce((a, b) => a + b, 0)).toBe(1001);
    expect(orderStatisticSample(Float64Array.from([1, 2, 3]), 5)).toEqual(Float64Array.from([1, 2, 3]));
  });

  it('survives a JSON round trip (stored in SQLite) with identical drift results', () => {
    const ref = Float64Array.from({ length: 500 }, (_, i) => Math.sin(i) * 10 + i / 50);
    const cur = Float64Array.from({ length: 300 }, (_, i) => Math.cos(i) * 10 + i / 40);
    const p = profileColumn(ref);
    const restored = JSON.parse(JSON.stringify(p)) as ColumnProfile;
    const a = driftColumn(p, currentColumn(cur, 'numeric'));
    const b = driftColumn(restored, currentColumn(cur, 'numeric'));
    expect(b.stats).toEqual(a.stats);
    expect(b.score).toBe(a.score);
  });
});

describe('current columns', () => {
  it('categorical counts skip missing tokens; numeric arrays become category strings', () => {
    const c = currentColumn(['a', 'b', 'a', 'NA', null], 'categorical');
    expect(c).toEqual({
      type: 'categorical',
      counts: new Map([
        ['a', 2],
        ['b', 1],
      ]),
      missing: 2,
    });
    const n = currentColumn(Float64Array.from([1, 2.5, 1, Number.NaN]), 'categorical');
    expect(n).toEqual({
      type: 'categorical',
      counts: new Map([
        ['1', 2],
        ['2.5', 1],
      ]),
      missing: 1,
    });
  });

  it('numeric strings parse, missing tokens become NaN', () => {
    const c = currentColumn(['1', 'NA', '3'], 'numeric');
    expect(c.type).toBe('numeric');
    if (c.type === 'numeric') expect(Array.from(c.values)).toEqual([1, Number.NaN, 3]);
  });

  it('follow the profile type, and report non-numeric current data against a numeric profile', () => {
    const numeric = profileColumn(['1', '2', '3']);
    expect(currentColumnFor(numeric, ['4', '5']).type).toBe('numeric');
    const mismatch = currentColumnFor(numeric, ['4', 'five']);
    expect(mismatch.type).toBe('categorical');
    const r = driftColumn(numeric, mismatch);
    expect(r).toMatchObject({
      score: null,
      drifted: null,
      reason: 'reference is numeric but the current window is categorical',
    });
    const categorical = profileColumn(['x', 'y']);
    expect(currentColumnFor(categorical, ['1', '2']).type).toBe('categorical');
  });
});
