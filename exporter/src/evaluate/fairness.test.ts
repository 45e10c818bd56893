import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../server';
import { post, startTestExporter, tempDir, testConfig } from '../testing';

const NOW = 1_800_000_000;

/**
 * A hand-built window (minimum group size 5):
 *   group A: 10 rows, 6 predicted positive; labels 5 positive (4 caught), 5 negative (2 flagged)
 *   group B: 10 rows, 3 predicted positive; every label negative (no positives: TPR 0/0 → 0)
 *   group C:  3 rows, 1 predicted positive — below the minimum, reported but left out of the aggregates
 *   group D:  6 rows, 2 predicted positive; no labels at all (TPR/FPR undefined: series absent)
 * Attribute `site` puts every predicted positive into sites of 3 rows (below the minimum) and every
 * predicted negative into site "big": the only judged group selects nobody, so the demographic parity
 * ratio is 0/0 — absent, never NaN — and the four-fifths rule cannot pass.
 */
const GROUPS: { group: string; predictions: number[]; labels: (number | null)[] }[] = [
  { group: 'A', predictions: [1, 1, 1, 1, 0, 1, 1, 0, 0, 0], labels: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0] },
  { group: 'B', predictions: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], labels: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
  { group: 'C', predictions: [1, 0, 0], labels: [1, 0, 0] },
  { group: 'D', predictions: [1, 1, 0, 0, 0, 0], labels: [null, null, null, null, null, null] },
];

let exporter: Exporter;
let cleanup: () => void;
let text: string;

function value(name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => {
    if (!l.startsWith(`${name}{`)) return false;
    const inner = l.slice(name.length + 1, l.lastIndexOf('}'));
    return (
      inner
        .split(/,(?=[a-z_]+=")/)
        .sort()
        .join(',') === [...wanted].sort().join(',')
    );
  });
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  exporter = await startTestExporter(
    testConfig(join(t.dir, 'log.db'), {
      thresholds: { min_group_size: 5 },
      models: [
        {
          name: 'f',
          task: 'binary_classification',
          protected_attributes: ['group', 'site'],
          intersections: [['group', 'site']],
        },
      ],
    }),
    { clock: () => NOW },
  );
  const items: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  let positives = 0;
  for (const { group, predictions, labels: ys } of GROUPS) {
    predictions.forEach((prediction, i) => {
      const id = `${group}${i}`;
      const site = prediction === 1 ? `s${Math.floor(positives++ / 3)}` : 'big';
      items.push({
        model: 'f',
        prediction_id: id,
        ts: NOW - 100 + items.length,
        features: { x: items.length },
        prediction,
        attributes: { group, site },
      });
      if (ys[i] !== null) labels.push({ model: 'f', prediction_id: id, label: ys[i] });
    });
  }
  expect((await post(`${exporter.url}/api/v1/predictions`, items)).status).toBe(202);
  expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
  exporter.engine.evaluateAll();
  text = await (await fetch(`${exporter.url}/metrics`)).text();
});
afterAll(async () => {
  await exporter.close();
  cleanup();
});

describe('fairness on /metrics', () => {
  it('exports every group with its rows, selection rate, TPR and FPR (absent without labels)', () => {
    const g = (group: string) => ({ model: 'f', attribute: 'group', group });
    expect(value('modelwatch_group_rows', g('A'))).toBe(10);
    expect(value('modelwatch_group_rows', g('C'))).toBe(3);
    expect(value('modelwatch_group_selection_rate_ratio', g('A'))).toBe(0.6);
    expect(value('modelwatch_group_selection_rate_ratio', g('B'))).toBe(0.3);
    expect(value('modelwatch_group_selection_rate_ratio', g('C'))).toBe(1 / 3);
    expect(value('modelwatch_group_true_positive_rate_ratio', g('A'))).toBe(0.8);
    expect(value('modelwatch_group_false_positive_rate_ratio', g('A'))).toBe(0.4);
    expect(value('modelwatch_group_true_positive_rate_ratio', g('B'))).toBe(0); // no positives: 0/0 → 0
    expect(value('modelwatch_group_false_positive_rate_ratio', g('B'))).toBe(0.3);
    expect(value('modelwatch_group_selection_rate_ratio', g('D'))).toBe(1 / 3);
    expect(value('modelwatch_group_true_positive_rate_ratio', g('D'))).toBeUndefined();
    expect(value('modelwatch_group_false_positive_rate_ratio', g('D'))).toBeUndefined();
  });

  it('aggregates over the groups of at least min_group_size rows', () => {
    const a = { model: 'f', attribute: 'group' };
    // Selection rates of A, B, D (C is too small): 0.6, 0.3, 1/3.
    expect(value('modelwatch_fairness_demographic_parity_difference', a)).toBeCloseTo(0.3, 15);
    expect(value('modelwatch_fairness_demographic_parity_ratio', a)).toBe(0.5);
    // TPR of A and B (D has no labels): 0.8 and 0.
    expect(value('modelwatch_fairness_equal_opportunity_difference', a)).toBe(0.8);
    expect(value('modelwatch_fairness_equal_opportunity_ratio', a)).toBe(0);
    // FPR 0.4 and 0.3: equalized odds takes the worse of TPR and FPR.
    expect(value('modelwatch_fairness_equalized_odds_difference', a)).toBe(0.8);
    expect(value('modelwatch_fairness_equalized_odds_ratio', a)).toBe(0);
  });

  it('leaves a ratio out when it is 0/0, and never exposes NaN', () => {
    const s = { model: 'f', attribute: 'site' };
    expect(value('modelwatch_fairness_demographic_parity_difference', s)).toBe(0);
    expect(value('modelwatch_fairness_demographic_parity_ratio', s)).toBeUndefined();
    expect(value('modelwatch_fairness_equal_opportunity_ratio', s)).toBeUndefined();
    expect(value('modelwatch_fairness_equalized_odds_ratio', s)).toBeUndefined();
    expect(value('modelwatch_group_rows', { ...s, group: 'big' })).toBe(17);
    expect(text).not.toMatch(/NaN/);
  });

  it('judges intersections as attribute "a&b" with groups "x|y"', () => {
    const i = { model: 'f', attribute: 'group&site' };
    expect(value('modelwatch_group_rows', { ...i, group: 'A|big' })).toBe(4);
    expect(value('modelwatch_group_selection_rate_ratio', { ...i, group: 'A|big' })).toBe(0);
    expect(value('modelwatch_group_rows', { ...i, group: 'B|big' })).toBe(7);
  });

  it('reports a fairness finding when the four-fifths rule fails, and notes the groups left out', () => {
    const report = exporter.engine.monitors.get('f')!.latest!.report;
    const fairness = report.findings.filter((f) => f.type === 'fairness');
    expect(fairness.map((f) => [f.feature, f.severity, f.value, f.threshold])).toEqual([
      ['group', 'info', 0.5, 0.8],
      ['site', 'info', null, 0.8],
      ['group&site', 'info', null, 0.8],
    ]);
    expect(fairness[1]!.description).toMatch(/no group of "site" is predicted positive/);
    expect(report.notes).toContain(
      'fairness on group: groups left out of the aggregates (fewer than 5 rows): C (3)',
    );
  });
});
