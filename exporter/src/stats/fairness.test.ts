import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type AttributeFairness, attributeFairness, intersectionalGroups, MISSING_GROUP } from './fairness';
import { LabelError } from './performance';

// Golden vectors from test/golden/generate_performance.py: Fairlearn's definitions written out in numpy.
interface FairnessCase {
  name: string;
  groups: string[];
  y_true: (number | null)[] | null;
  y_pred: number[];
  min_group_size: number;
  sex?: string[];
  race?: string[];
  expected: {
    groups: Record<string, { count: number; selection_rate: number; tpr: number | null; fpr: number | null }>;
    excluded_groups: Record<string, string>;
    disparate_impact_passes: boolean | null;
  } & Record<string, unknown>;
}
const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/performance.json', import.meta.url), 'utf8'),
) as {
  fairness: FairnessCase[];
};

const AGGREGATES = [
  'demographic_parity_difference',
  'demographic_parity_ratio',
  'equalized_odds_difference',
  'equalized_odds_ratio',
  'equal_opportunity_difference',
  'equal_opportunity_ratio',
] as const;

let maxRelError = 0;
function expectClose(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(typeof actual, what).toBe('number');
  const a = actual as number;
  const err = a === expected ? 0 : Math.abs(a - expected) / Math.max(Math.abs(a), Math.abs(expected));
  maxRelError = Math.max(maxRelError, err);
  expect(err, `${what}: ${a} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}
afterAll(() => {
  if (process.env.GOLDEN_REPORT) console.log(`fairness: max relative error vs golden ${maxRelError}`);
});

function expectMatches(actual: AttributeFairness, expected: FairnessCase['expected'], name: string): void {
  expect(Object.keys(actual.groups)).toEqual(Object.keys(expected.groups));
  for (const [g, e] of Object.entries(expected.groups)) {
    const a = actual.groups[g]!;
    expect(a.count, `${name}.${g}.count`).toBe(e.count);
    expectClose(a.selection_rate, e.selection_rate, `${name}.${g}.selection_rate`);
    expectClose(a.tpr, e.tpr, `${name}.${g}.tpr`);
    expectClose(a.fpr, e.fpr, `${name}.${g}.fpr`);
  }
  for (const k of AGGREGATES) expectClose(actual[k], expected[k] as number | null, `${name}.${k}`);
  expect(actual.disparate_impact_passes).toBe(expected.disparate_impact_passes);
  expect({ ...actual.excluded_groups }).toEqual(expected.excluded_groups);
}

const labels = (y: (number | null)[]): Float64Array =>
  Float64Array.from(y, (v) => (v === null ? Number.NaN : v));

describe('golden vectors (Fairlearn definitions)', () => {
  for (const c of golden.fairness) {
    it(c.name, () => {
      const groups = c.sex && c.race ? intersectionalGroups(c.sex, c.race) : c.groups;
      if (c.sex) expect(groups).toEqual(c.groups);
      const result = attributeFairness(
        groups,
        Uint8Array.from(c.y_pred),
        c.y_true ? labels(c.y_true) : null,
        {
          minGroupSize: c.min_group_size,
        },
      );
      expectMatches(result, c.expected, c.name);
    });
  }
});

describe('shape and decisions', () => {
  it('has exactly the docs/compare.md fields (plus excluded_groups), JSON-serialisable without NaN', () => {
    const r = attributeFairness(['a', 'b', 'a'], Uint8Array.from([1, 0, 0]), Uint8Array.from([1, 0, 1]), {
      minGroupSize: 1,
    });
    expect(Object.keys(r).sort()).toEqual(
      [...AGGREGATES, 'groups', 'disparate_impact_passes', 'excluded_groups'].sort(),
    );
    expect(Object.keys(r.groups.a!).sort()).toEqual(['count', 'fpr', 'selection_rate', 'tpr']);
    expect(JSON.stringify(r)).not.toContain('NaN');
  });

  it('without labels: selection rates and demographic parity only', () => {
    const r = attributeFairness(['a', 'a', 'b', 'b'], Uint8Array.from([1, 0, 1, 1]), null, {
      minGroupSize: 1,
    });
    expect(r.groups.a).toEqual({ count: 2, selection_rate: 0.5, tpr: null, fpr: null });
    expect(r.demographic_parity_difference).toBe(0.5);
    expect(r.demographic_parity_ratio).toBe(0.5);
    expect(r.disparate_impact_passes).toBe(false);
    expect(r.equalized_odds_difference).toBeNull();
    expect(r.equal_opportunity_ratio).toBeNull();
  });

  it('disparate impact: ratio 0.8 passes, just below fails, nobody selected (ratio NaN) fails, no eligible group is null', () => {
    const g = [...Array(5).fill('a'), ...Array(4).fill('b')] as string[];
    // a: 5/5 selected, b: 4/4 → 1; then b 3/4 = 0.75 < 0.8 fails; a 4/5 = 0.8 vs b 1 → ratio 0.8 passes.
    expect(
      attributeFairness(g, Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]), null, { minGroupSize: 1 }),
    ).toMatchObject({ demographic_parity_ratio: 0.8, disparate_impact_passes: true });
    expect(
      attributeFairness(g, Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0]), null, { minGroupSize: 1 })
        .disparate_impact_passes,
    ).toBe(false);
    expect(attributeFairness(g, new Uint8Array(9), null, { minGroupSize: 1 })).toMatchObject({
      demographic_parity_ratio: null,
      disparate_impact_passes: false,
    });
    expect(
      attributeFairness(g, new Uint8Array(9), null, { minGroupSize: 10 }).disparate_impact_passes,
    ).toBeNull();
    expect(attributeFairness([], new Uint8Array(0)).disparate_impact_passes).toBeNull();
  });

  it('default minimum group size is 30 and the reason says so', () => {
    const r = attributeFairness(['a', 'b'], Uint8Array.from([1, 0]));
    expect(r.excluded_groups).toEqual({
      a: '1 rows, below the minimum group size of 30',
      b: '1 rows, below the minimum group size of 30',
    });
    expect(r.groups.a).toEqual({ count: 1, selection_rate: 1, tpr: null, fpr: null });
  });

  it('missing attribute values form their own group; "__proto__" is an ordinary group name', () => {
    const r = attributeFairness(['x', null, undefined, '__proto__'], Uint8Array.from([1, 0, 1, 1]), null, {
      minGroupSize: 1,
    });
    expect(Object.keys(r.groups).sort()).toEqual([MISSING_GROUP, '__proto__', 'x'].sort());
    expect(r.groups[MISSING_GROUP]!.count).toBe(2);
  });

  it('rejects non-binary predictions and labels', () => {
    expect(() => attributeFairness(['a'], Float64Array.from([2]))).toThrow(LabelError);
    expect(() => attributeFairness(['a'], Float64Array.from([1]), Float64Array.from([3]))).toThrow(
      'label at row 0 is 3',
    );
  });

  it('aggregates are invariant under row order, differences ≥ 0, ratios in [0, 1]', () => {
    const row = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(0, 1), fc.constantFrom(0, 1));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (rows, minGroupSize) => {
        const run = (rs: typeof rows) =>
          attributeFairness(
            rs.map((r) => r[0]),
            Uint8Array.from(rs.map((r) => r[2])),
            Uint8Array.from(rs.map((r) => r[1])),
            { minGroupSize },
          );
        const r = run(rows);
        expect(run([...rows].reverse())).toEqual(r);
        for (const k of AGGREGATES) {
          const v = r[k];
          if (v === null) continue;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        if (r.equalized_odds_difference !== null && r.equal_opportunity_difference !== null) {
          expect(r.equalized_odds_difference).toBeGreaterThanOrEqual(r.equal_opportunity_difference);
        }
      }),
    );
  });
});

describe('intersectional groups', () => {
  it('joins two attributes with "|"', () => {
    expect(intersectionalGroups(['F', 'M', null], ['black', 'white', 'asian'])).toEqual([
      'F|black',
      'M|white',
      `${MISSING_GROUP}|asian`,
    ]);
  });

  it('escapes the separator so distinct pairs never collide', () => {
    const keys = intersectionalGroups(['a|b', 'a', 'a\\', 'a'], ['c', 'b|c', '|c', '\\|c']);
    expect(keys[0]).toBe('a\\|b|c');
    expect(new Set(keys).size).toBe(4);
    expect(intersectionalGroups(['x'], ['y'], '/')).toEqual(['x/y']);
    expect(() => intersectionalGroups(['x'], ['y'], '')).toThrow(RangeError);
  });
});
