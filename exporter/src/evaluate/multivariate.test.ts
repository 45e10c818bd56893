import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator } from '../demo/simulator';
import type { Exporter } from '../server';
import { post, startTestExporter, tempDir, testConfig } from '../testing';

let exporter: Exporter | undefined;
let cleanup = () => {};
afterEach(async () => {
  await exporter?.close();
  cleanup();
});

describe('multivariate drift in the evaluation loop', () => {
  it('is computed from the reference row sample and refreshed at most every multivariate_interval', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    let now = 1_800_000_000;
    exporter = await startTestExporter(
      testConfig(join(t.dir, 'log.db'), { drift: { min_rows: 100, multivariate_interval: '60s' } }),
      { clock: () => now },
    );
    const sim = new Simulator(3);
    const reference = Array.from({ length: 1500 }, () =>
      JSON.stringify({ features: sim.next(false).features }),
    ).join('\n');
    await fetch(`${exporter.url}/api/v1/models/m/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson' },
      body: reference,
    });
    const send = async (from: number, drifted: boolean) =>
      post(
        `${exporter!.url}/api/v1/predictions`,
        Array.from({ length: 600 }, (_, i) => ({
          model: 'm',
          prediction_id: `${from + i}`,
          ts: now - 1,
          features: sim.next(drifted).features,
          prediction: 0,
        })),
      );
    await send(0, false);
    const first = exporter.engine.evaluateAll()[0]!.multivariate!;
    expect(first.features).toEqual([
      'age',
      'income',
      'credit_amount',
      'duration_months',
      'employment_years',
      'open_credit_lines',
    ]);
    expect(first.mmd!.p_value).toBeGreaterThan(0.05);

    await send(1000, true);
    now += 30; // within the interval: the earlier result is reported
    expect(exporter.engine.evaluateAll()[0]!.multivariate).toBe(first);
    now += 31; // past it: recomputed on the now drifted window
    const second = exporter.engine.evaluateAll()[0]!.multivariate!;
    expect(second).not.toBe(first);
    expect(second.mmd!.p_value).toBeLessThan(0.05);
  });
});
