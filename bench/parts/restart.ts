/**
 * Time to recover after a restart: with `rows` predictions of one model in the log (a `window`-row
 * window and a stored reference), the time from spawning `modelwatch serve` to the first /readyz 200
 * (start-up loads the window and evaluates once before it listens, so ready = first evaluation done) and
 * to the first /metrics answer carrying modelwatch_last_evaluation_timestamp_seconds; median of `runs`.
 * Baselines in the same run: `modelwatch --version` (node + tsx + the CLI's imports) and `serve` on an
 * empty log with the same config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareLargeLog } from '../lib/fixture';
import { median, type PartResult } from '../lib/report';
import { runCli, startServe } from '../lib/server';

export interface RestartOptions {
  rows: number;
  window: number;
  referenceRows: number;
  runs: number;
  baselineRuns: number;
  log?: (line: string) => void;
}

export const RESTART_TARGET_S = 5;

export async function restartPart(opts: RestartOptions): Promise<PartResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-restart-'));
  try {
    const fixture = prepareLargeLog(dir, { ...opts, interval: '15s' });
    log(`log: ${opts.rows} rows written directly in ${fixture.writeSeconds.toFixed(1)} s`);

    const version: number[] = [];
    for (let i = 0; i < opts.baselineRuns; i++) version.push(runCli(['--version']).ms);
    const empty: number[] = [];
    for (let i = 0; i < opts.baselineRuns; i++) {
      const s = await startServe({ db: join(dir, `empty-${i}.db`), config: fixture.config, pollMs: 10 });
      empty.push(s.readyMs);
      await s.stop();
    }
    log(
      `baselines: modelwatch --version ${median(version).toFixed(0)} ms, serve on an empty log ready in ${median(empty).toFixed(0)} ms`,
    );

    const ready: number[] = [];
    const firstMetrics: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const s = await startServe({ db: fixture.db, config: fixture.config, pollMs: 10, timeoutMs: 180_000 });
      try {
        ready.push(s.readyMs);
        for (;;) {
          const text = await (await fetch(`${s.url}/metrics`)).text();
          if (text.includes('modelwatch_last_evaluation_timestamp_seconds{')) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        firstMetrics.push(performance.now() - s.spawnedAt);
      } finally {
        await s.stop();
      }
      log(
        `restart ${i + 1}/${opts.runs}: ready in ${(ready[i]! / 1000).toFixed(2)} s, first evaluated /metrics at ${(firstMetrics[i]! / 1000).toFixed(2)} s`,
      );
    }
    const readyS = median(ready) / 1000;
    const metricsS = median(firstMetrics) / 1000;
    const versionS = median(version) / 1000;
    const emptyS = median(empty) / 1000;
    return {
      raw: {
        rows_in_log: opts.rows,
        window_rows: opts.window,
        reference_rows: opts.referenceRows,
        ready_ms: ready,
        first_metrics_ms: firstMetrics,
        version_ms: version,
        empty_ready_ms: empty,
      },
      measures: [
        {
          key: 'restart.version_s',
          label: 'node + tsx start-up: modelwatch --version (baseline)',
          value: versionS,
          unit: 's',
        },
        {
          key: 'restart.empty_ready_s',
          label: 'serve on an empty log: spawn → /readyz 200 (baseline)',
          value: emptyS,
          unit: 's',
        },
        {
          key: 'restart.ready_s',
          label: `restart with ${opts.rows.toLocaleString('en-US')} rows: spawn → /readyz 200 (first evaluation)`,
          value: readyS,
          unit: 's',
          target: { op: '<=', value: RESTART_TARGET_S },
          ratio: { value: readyS / emptyS, of: 'empty log' },
        },
        {
          key: 'restart.first_metrics_s',
          label: 'restart: spawn → /metrics with last_evaluation_timestamp',
          value: metricsS,
          unit: 's',
          target: { op: '<=', value: RESTART_TARGET_S },
          ratio: { value: metricsS / versionS, of: '--version' },
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
