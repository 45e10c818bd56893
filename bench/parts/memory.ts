/**
 * Memory of `modelwatch serve` with `rows` predictions (20 features) of one model in the log and a
 * `window`-row window: VmRSS and VmHWM of the exporter process (/proc/<pid>/status; the writer thread is
 * in the same process) after the start-up evaluation and after `rounds` more evaluation rounds. Baseline:
 * the same config on an empty log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL, prepareLargeLog } from '../lib/fixture';
import type { PartResult } from '../lib/report';
import { evaluatedAt, getText, memoryOf, metricSum, startServe } from '../lib/server';

export interface MemoryOptions {
  rows: number;
  window: number;
  referenceRows: number;
  rounds: number;
  interval: string;
  log?: (line: string) => void;
}

export const RSS_TARGET_MIB = 400;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the memory is, from prom-client's process metrics on /metrics (MiB). */
async function breakdown(url: string): Promise<Record<string, number>> {
  const text = await getText(`${url}/metrics`);
  const mib = (name: string) => metricSum(text, name) / 2 ** 20;
  return {
    v8_heap_used_mib: mib('nodejs_heap_size_used_bytes'),
    v8_heap_total_mib: mib('nodejs_heap_size_total_bytes'),
    external_mib: mib('nodejs_external_memory_bytes'),
  };
}

export async function memoryPart(opts: MemoryOptions): Promise<PartResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-memory-'));
  try {
    const fixture = prepareLargeLog(dir, opts);
    log(
      `log: ${opts.rows} rows written directly in ${fixture.writeSeconds.toFixed(1)} s; reference imported in ${(fixture.importMs / 1000).toFixed(1)} s`,
    );

    // Baseline: the same configuration on an empty log.
    const empty = await startServe({ db: join(dir, 'empty.db'), config: fixture.config });
    await sleep(1000);
    const emptyMemory = { ...memoryOf(empty.pid), ...(await breakdown(empty.url)) };
    await empty.stop();

    const server = await startServe({ db: fixture.db, config: fixture.config, timeoutMs: 180_000 });
    try {
      const first = { ...memoryOf(server.pid), ...(await breakdown(server.url)) };
      log(
        `serve ready (first evaluation done) in ${(server.readyMs / 1000).toFixed(1)} s: RSS ${first.rssMiB.toFixed(0)} MiB, peak ${first.hwmMiB.toFixed(0)} MiB`,
      );
      let last = await evaluatedAt(server.url, MODEL);
      if (last === null) throw new Error('no report after /readyz');
      let seen = 0;
      let maxRss = first.rssMiB;
      const deadline = performance.now() + 120_000;
      while (seen < opts.rounds) {
        if (performance.now() > deadline) throw new Error('evaluation rounds did not happen in time');
        await sleep(100);
        maxRss = Math.max(maxRss, memoryOf(server.pid).rssMiB);
        const at = await evaluatedAt(server.url, MODEL);
        if (at !== null && at !== last) {
          seen++;
          last = at;
        }
      }
      const after = { ...memoryOf(server.pid), ...(await breakdown(server.url)) };
      const metrics = await getText(`${server.url}/metrics`);
      const windowRows = metricSum(metrics, 'modelwatch_window_rows', 'window="current"');
      const evalCount = metricSum(metrics, 'modelwatch_evaluation_duration_seconds_count');
      const evalSeconds = metricSum(metrics, 'modelwatch_evaluation_duration_seconds_sum');
      log(
        `after ${opts.rounds} more rounds: RSS ${after.rssMiB.toFixed(0)} MiB, peak ${after.hwmMiB.toFixed(0)} MiB (window ${windowRows} rows)`,
      );
      const raw = {
        rows_in_log: opts.rows,
        window_rows_config: opts.window,
        window_rows_metric: windowRows,
        features: 20,
        reference_rows: opts.referenceRows,
        evaluation_interval: opts.interval,
        ready_ms: server.readyMs,
        after_first_evaluation: first,
        after_rounds: { rounds: opts.rounds, ...after, max_rss_sampled_mib: maxRss },
        empty_log: emptyMemory,
        evaluations: evalCount,
        evaluation_ms_mean: (evalSeconds / evalCount) * 1000,
      };
      return {
        raw,
        measures: [
          {
            key: 'memory.empty_rss_mib',
            label: 'RSS of serve on an empty log (baseline)',
            value: emptyMemory.rssMiB,
            unit: 'MiB',
          },
          {
            key: 'memory.rss_first_evaluation_mib',
            label: `RSS after the first evaluation (${opts.rows.toLocaleString('en-US')} rows in log, ${opts.window.toLocaleString('en-US')}-row window)`,
            value: first.rssMiB,
            unit: 'MiB',
            target: { op: '<=', value: RSS_TARGET_MIB },
            ratio: { value: first.rssMiB / emptyMemory.rssMiB, of: 'empty log' },
          },
          {
            key: 'memory.rss_after_rounds_mib',
            label: `RSS after ${opts.rounds} more evaluation rounds`,
            value: after.rssMiB,
            unit: 'MiB',
            target: { op: '<=', value: RSS_TARGET_MIB },
            ratio: { value: after.rssMiB / emptyMemory.rssMiB, of: 'empty log' },
          },
          {
            key: 'memory.peak_rss_mib',
            label: 'peak RSS (VmHWM, start-up included)',
            value: after.hwmMiB,
            unit: 'MiB',
            target: { op: '<=', value: RSS_TARGET_MIB },
            ratio: { value: after.hwmMiB / emptyMemory.hwmMiB, of: 'empty log' },
          },
          {
            key: 'memory.evaluation_ms',
            label: `evaluation of the ${opts.window.toLocaleString('en-US')}-row window, mean`,
            value: raw.evaluation_ms_mean,
            unit: 'ms',
          },
        ],
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
