/**
 * "Adding a drift test is one file and one line" (CONVENTIONS.md): a fixture test registered here, in
 * nothing but this file, appears in config validation, `compare`, `/metrics` and the panel's names,
 * because all of them derive from the registry (exporter/src/stats/registry.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompareReport } from '../exporter/src/compare/report';
import { ConfigError } from '../exporter/src/config/load';
import { DRIFT_METHODS } from '../exporter/src/config/schema';
import { type Table, tableFromCells } from '../exporter/src/reference/table';
import type { Exporter } from '../exporter/src/server';
import { checkDriftMethods } from '../exporter/src/stats/plugins';
import { defaultDriftTestRegistry, registerDriftTest } from '../exporter/src/stats/registry';
import type { DriftTest } from '../exporter/src/stats/types';
import { parseExposition, post, startTestExporter, tempDir, testConfig } from '../exporter/src/testing';
import { driftTestsModule } from '../scripts/drift-tests-module';

/** The fixture: absolute difference of the means in reference standard deviations. */
const meanGap: DriftTest = {
  name: 'meangap',
  label: 'Mean gap',
  columnTypes: ['numeric'],
  defaultThreshold: 0.2,
  direction: 'distance',
  compute(input) {
    const ref = input.referenceSorted;
    const cur = input.currentSorted;
    if (!ref?.length || !cur?.length || input.referenceStd === null) return { score: null, stats: {} };
    const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;
    return { score: Math.abs(mean(cur) - mean(ref)) / Math.max(input.referenceStd, 1e-3), stats: {} };
  },
};

function table(rows: number, shift: number): Table {
  const x = Array.from({ length: rows }, (_, i) => ((i * 37) % 101) / 10 + shift);
  return tableFromCells({ x });
}

describe('a drift test registered in one place', () => {
  let exporter: Exporter;
  let cleanup: () => void;
  beforeAll(async () => {
    registerDriftTest(meanGap);
    const t = tempDir();
    cleanup = t.cleanup;
    exporter = await startTestExporter(
      testConfig(join(t.dir, 'log.db'), {
        drift: { method: 'meangap', min_rows: 50, decision: 'threshold' },
      }),
    );
  });
  afterAll(async () => {
    await exporter.close();
    cleanup();
  });

  it('is accepted by config validation, and a name nobody registered is not', () => {
    expect(defaultDriftTestRegistry.names()).toContain('meangap');
    const ok = testConfig(':memory:', { drift: { method: 'meangap' } });
    expect(() => checkDriftMethods(ok)).not.toThrow();
    const bad = testConfig(':memory:', { drift: { method: 'nope' } });
    expect(() => checkDriftMethods(bad)).toThrow(ConfigError);
    expect(() => checkDriftMethods(bad)).toThrow(/meangap/); // the error lists it among the choices
    // the built-in list (config docs, CLI help) still holds only built-ins
    expect(DRIFT_METHODS).not.toContain('meangap');
  });

  it('decides in compare', () => {
    const r = buildCompareReport(table(400, 0), table(300, 2), {
      driftMethod: 'meangap',
      decision: 'threshold',
    });
    expect(r.drift.features.x).toMatchObject({ test: 'meangap', threshold: 0.2, drifted: true });
  });

  it('is exported on /metrics with its name as the method label', async () => {
    const rows = (n: number, shift: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({
        features: { x: ((i * 37) % 101) / 10 + shift },
        prediction: 0,
        prediction_id: `p${from + i}`,
      }));
    const put = await fetch(`${exporter.url}/api/v1/models/m1/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson' },
      body: rows(300, 0, 0)
        .map((r) => JSON.stringify({ features: r.features, prediction: r.prediction }))
        .join('\n'),
    });
    expect(put.status).toBe(201);
    const current = rows(200, 2, 1000).map((r) => ({ model: 'm1', ...r }));
    expect((await post(`${exporter.url}/api/v1/predictions`, current)).status).toBe(202);
    await exporter.engine.evaluateAll();
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    const score = parseExposition(text).find(
      (s) => s.name === 'modelwatch_feature_drift_score' && s.labels.feature === 'x',
    );
    expect(score?.labels.method).toBe('meangap');
    expect(score!.value).toBeGreaterThan(0.2);
  });

  it("appears in the panel's names (the generated module, from the registry)", () => {
    const module = driftTestsModule();
    expect(module).toContain("{ name: 'meangap', label: 'Mean gap', direction: 'distance' }");
  });
});
