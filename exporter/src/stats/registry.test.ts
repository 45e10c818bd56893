import { describe, expect, it } from 'vitest';
import { driftColumn } from './drift';
import { currentColumn, profileColumn } from './profile';
import {
  BUILTIN_DRIFT_TESTS,
  createDriftTestRegistry,
  DriftTestRegistry,
  registerDriftTest,
} from './registry';
import type { ColumnType, DriftTest } from './types';

/** A user test: absolute difference of the sample means (numeric only). */
const meanShift: DriftTest = {
  name: 'mean_shift',
  columnTypes: ['numeric'],
  defaultThreshold: 0.5,
  direction: 'distance',
  compute(input) {
    const ref = input.referenceSorted;
    const cur = input.currentSorted;
    if (ref === null || cur === null) return { score: null, stats: {}, reason: 'numeric only' };
    const avg = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    return { score: Math.abs(avg(cur) - avg(ref)), stats: {} };
  },
};

describe('drift test registry (docs/configuration.md#plugins)', () => {
  it('holds the eight built-in tests with their defaults', () => {
    const r = createDriftTestRegistry();
    expect(r.names()).toEqual([
      'ks',
      'wasserstein',
      'psi',
      'kl',
      'jensenshannon',
      'hellinger',
      'chisquare',
      'ztest',
    ]);
    const summary = Object.fromEntries(
      BUILTIN_DRIFT_TESTS.map((t) => [t.name, [t.direction, t.defaultThreshold, t.columnTypes.join('+')]]),
    );
    expect(summary).toEqual({
      ks: ['p_value', 0.05, 'numeric'],
      psi: ['distance', 0.1, 'numeric+categorical'],
      wasserstein: ['distance', 0.1, 'numeric'],
      jensenshannon: ['distance', 0.1, 'numeric+categorical'],
      kl: ['distance', 0.1, 'numeric+categorical'],
      hellinger: ['distance', 0.1, 'numeric+categorical'],
      chisquare: ['p_value', 0.05, 'categorical+numeric'],
      ztest: ['p_value', 0.05, 'categorical+numeric'],
    });
  });

  it('a registered user test is used by name like a built-in one', () => {
    const registry = createDriftTestRegistry();
    registerDriftTest(meanShift, registry);
    const ref = profileColumn(Float64Array.from([1, 2, 3, 4]));
    const r = driftColumn(ref, currentColumn(Float64Array.from([3, 4, 5, 6]), 'numeric'), {
      method: 'mean_shift',
      registry,
    });
    expect(r).toMatchObject({
      test: 'mean_shift',
      score: 2,
      threshold: 0.5,
      direction: 'distance',
      drifted: true,
    });
    // Built-in statistics are still reported.
    expect(r.stats.ks_statistic).toBe(0.5);
    const cat = driftColumn(profileColumn(['a']), currentColumn(['a'], 'categorical'), {
      method: 'mean_shift',
      registry,
    });
    expect(cat.reason).toBe('mean_shift does not apply to categorical columns');
    // A failing user test yields no verdict with the error as the reason; NaN becomes null.
    registry.register({
      ...meanShift,
      name: 'broken',
      compute: () => {
        throw new Error('boom');
      },
    });
    registry.register({ ...meanShift, name: 'nan_score', compute: () => ({ score: Number.NaN, stats: {} }) });
    const cur = currentColumn(Float64Array.from([3, 4]), 'numeric');
    expect(driftColumn(ref, cur, { method: 'broken', registry })).toMatchObject({
      score: null,
      drifted: null,
      reason: 'drift test "broken" failed: boom',
    });
    expect(driftColumn(ref, cur, { method: 'nan_score', registry })).toMatchObject({
      score: null,
      drifted: null,
      reason: 'nan_score is undefined for this data',
    });
  });

  it('rejects name collisions, "auto", malformed names and definitions', () => {
    const registry = createDriftTestRegistry();
    expect(() => registry.register({ ...meanShift, name: 'ks' })).toThrow(
      'drift test "ks" is already registered',
    );
    registry.register(meanShift);
    expect(() => registry.register(meanShift)).toThrow(/already registered/);
    expect(() => registry.register({ ...meanShift, name: 'auto' })).toThrow(/reserved/);
    expect(() => registry.register({ ...meanShift, name: 'Bad Name' })).toThrow(/must match/);
    expect(() => registry.register({ ...meanShift, name: 'x1', columnTypes: [] })).toThrow(/columnTypes/);
    expect(() => registry.register({ ...meanShift, name: 'x2', defaultThreshold: Number.NaN })).toThrow(
      /defaultThreshold/,
    );
    expect(() => registry.register({ ...meanShift, name: 'x3', direction: 'up' as 'distance' })).toThrow(
      /direction/,
    );
  });

  it('registries are independent; registration copies the definition', () => {
    const a = new DriftTestRegistry();
    const b = createDriftTestRegistry();
    const t = { ...meanShift, columnTypes: ['numeric'] as ColumnType[] };
    a.register(t);
    t.columnTypes.push('categorical');
    expect(a.get('mean_shift')?.columnTypes).toEqual(['numeric']);
    expect(b.has('mean_shift')).toBe(false);
    expect(a.has('ks')).toBe(false);
  });
});
