import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator } from '../demo/simulator';
import type { Exporter } from '../server';
import { post, startTestExporter, tempDir, testConfig } from '../testing';

async function waitFor<T>(check: () => T | undefined, seconds: number, what: string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let exporter: Exporter | undefined;
let cleanup = () => {};
afterEach(async () => {
  await exporter?.close();
  cleanup();
});

let now = 1_800_000_000;

async function setup(statsThread: boolean) {
  const t = tempDir();
  cleanup = t.cleanup;
  exporter = await startTestExporter(
    testConfig(join(t.dir, 'log.db'), { drift: { min_rows: 100, multivariate_interval: '60s' } }),
    { clock: () => now, statsThread },
  );
  const ex = exporter;
  const sim = new Simulator(3);
  const reference = Array.from({ length: 1500 }, () =>
    JSON.stringify({ features: sim.next(false).features }),
  ).join('\n');
  await fetch(`${ex.url}/api/v1/models/m/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-ndjson' },
    body: reference,
  });
  const send = async (from: number, drifted: boolean) =>
    post(
      `${ex.url}/api/v1/predictions`,
      Array.from({ length: 600 }, (_, i) => ({
        model: 'm',
        prediction_id: `${from + i}`,
        ts: now - 1,
        features: sim.next(drifted).features,
        prediction: 0,
      })),
    );
  return { ex, send };
}

describe('multivariate drift in the evaluation loop', () => {
  it('is computed from the reference row sample and refreshed at most every multivariate_interval', async () => {
    const { send } = await setup(false);
    await send(0, false);
    const first = exporter!.engine.evaluateAll()[0]!.multivariate!;
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
    expect(exporter!.engine.evaluateAll()[0]!.multivariate).toBe(first);
    now += 31; // past it: recomputed on the now drifted window
    const second = exporter!.engine.evaluateAll()[0]!.multivariate!;
    expect(second).not.toBe(first);
    expect(second.mmd!.p_value).toBeLessThan(0.05);
  });

  it('runs on the worker thread in serve: the evaluation reports the latest finished result', async () => {
    const { ex, send } = await setup(true);
    await send(0, false);
    // start-up evaluated before the rows arrived; this one hands the tests to the thread
    expect(ex.engine.evaluateAll()[0]!.multivariate).toBeNull();
    const first = await waitFor(
      () => ex.engine.evaluateAll()[0]!.multivariate ?? undefined,
      30,
      'the thread',
    );
    expect(first.mmd!.p_value).toBeGreaterThan(0.05);
    await send(1000, true);
    now += 61;
    // past the interval: the earlier result is reported while the thread recomputes
    expect(ex.engine.evaluateAll()[0]!.multivariate).toBe(first);
    const second = await waitFor(
      () => {
        const m = ex.engine.evaluateAll()[0]!.multivariate;
        return m !== first ? m : undefined;
      },
      30,
      'the recomputed result',
    );
    expect(second!.mmd!.p_value).toBeLessThan(0.05);
  });
});
