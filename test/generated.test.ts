/**
 * The generated monitoring files (provisioning/dashboards/*.json from mixin/dashboards/, the alerting
 * and recording rules from mixin/alerts/, thresholds from mixin/config.ts) are committed as generated: any edit by hand or any source change without `npm run generate` fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_GROUPS } from '../mixin/alerts/alerts';
import { CONFIG } from '../mixin/config';
import { generated, REPO_ROOT } from '../mixin/generate';

describe('generated files', () => {
  const files = [...generated()];

  it('cover the six dashboards and the two rule files', () => {
    expect(files.filter(([path]) => path.startsWith('provisioning/dashboards/'))).toHaveLength(6);
    expect(files.map(([path]) => path).filter((p) => p.startsWith('alert-rules/'))).toEqual([
      'alert-rules/modelwatch.alerts.yml',
      'alert-rules/modelwatch.rules.yml',
    ]);
  });

  it.each(files.map(([path]) => path))('%s is up to date (npm run generate)', (path) => {
    const committed = readFileSync(join(REPO_ROOT, path), 'utf8');
    expect(committed, `${path} differs from its source: run npm run generate`).toBe(generated().get(path));
  });
});

describe('alert thresholds', () => {
  /** Every number and duration in mixin/config.ts, and the performance factors derived from it. */
  const numbers = new Set<number>();
  const durations = new Set<string>();
  const collect = (o: unknown): void => {
    if (typeof o === 'number') numbers.add(o);
    else if (typeof o === 'string' && /^\d+[smhd]$/.test(o)) durations.add(o);
    else if (o && typeof o === 'object') for (const v of Object.values(o)) collect(v);
  };
  collect(CONFIG);
  for (const drop of [CONFIG.performance.warningDrop, CONFIG.performance.criticalDrop])
    numbers.add(Math.round((1 - drop) * 100) / 100);

  it('come from mixin/config.ts: every compared number and every for: of the alerting rules', () => {
    const rules = ALERT_GROUPS.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(15);
    const stray: string[] = [];
    for (const r of rules) {
      if (!durations.has(r.for)) stray.push(`${r.alert} for: ${r.for}`);
      // comparisons and factors: "< 0.05", ">= 30", "0.9 *"; 0 and 1 are the gauges' boolean values
      for (const m of r.expr.matchAll(/(?:[<>]=?|==)\s*(\d+(?:\.\d+)?)\b|\b(\d+(?:\.\d+)?)\s*\*/g)) {
        const n = Number(m[1] ?? m[2]);
        if (n !== 0 && n !== 1 && !numbers.has(n)) stray.push(`${r.alert}: ${m[0]}`);
      }
    }
    expect(stray).toEqual([]);
  });
});
