/**
 * The README's main command, shortened: `modelwatch demo` serves /metrics, stays healthy while the
 * traffic matches the reference, and shows drift once it is injected.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type Running, startCli, waitFor } from './helpers/cli';

let demo: Running | undefined;
afterAll(async () => {
  if (demo && demo.child.exitCode === null) {
    demo.child.kill('SIGTERM');
    await demo.exited;
  }
});

describe('modelwatch demo', () => {
  it('is healthy before the drift and shows dataset drift on /metrics after it', async () => {
    const port = await freePort();
    demo = startCli([
      'demo',
      '--port',
      String(port),
      '--drift-after',
      '12s',
      '--rate',
      '300/s',
      '--eval-interval',
      '2s',
      '--duration',
      '90s',
    ]);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => (demo!.stdout().includes('Press Ctrl+C') ? true : undefined), 30, 'the demo banner');
    expect(demo.stdout()).toContain(`${base}/metrics`);
    expect(demo.stdout()).toContain(`${base}/api/v1/models/credit-risk/status`);

    const stable = await waitFor(
      () => /\] stable .*status (\w+)/.exec(demo!.stdout())?.[1],
      30,
      'an evaluation before the drift',
    );
    expect(stable).toBe('healthy');

    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return /^modelwatch_dataset_drift\{model="credit-risk"\} 1$/m.test(text) ? text : undefined;
      },
      75,
      'modelwatch_dataset_drift 1',
    );
    expect(metrics).toMatch(/^modelwatch_feature_drifted\{model="credit-risk",feature="income"\} 1$/m);
    expect(metrics).toMatch(/^modelwatch_model_status\{model="credit-risk"\} 2$/m);
    expect(metrics).toMatch(
      /^modelwatch_feature_bin_ratio\{model="credit-risk",feature="purpose",bin="business",dataset="current"\} /m,
    );
    const status = (await (await fetch(`${base}/api/v1/models/credit-risk/status`)).json()) as {
      status: string;
      findings: { type: string }[];
    };
    expect(status.status).toBe('critical');
    expect(status.findings.some((f) => f.type === 'data_drift')).toBe(true);

    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  });
});
