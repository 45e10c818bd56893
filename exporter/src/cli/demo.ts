import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../config/load';
import { DEMO_MODEL } from '../demo/simulator';
import { Traffic } from '../demo/traffic';
import { createLogger, startExporter } from '../server';
import { shutdown, untilSignal } from './serve';

export interface DemoOptions {
  port: number;
  host: string;
  driftAfter: number;
  rate: number;
  labelDelay: number;
  evalInterval: number;
  db?: string;
  duration?: number;
}

export async function demo(opts: DemoOptions): Promise<void> {
  const db = opts.db ?? join(mkdtempSync(join(tmpdir(), 'modelwatch-demo-')), 'modelwatch.db');
  // The current window holds ~30 s of traffic so drift shows within a minute of injection.
  const windowRows = Math.max(500, Math.round(opts.rate * 30));
  const config = buildConfig({
    listen: { host: opts.host, port: opts.port },
    database: { path: db },
    evaluation: { interval: opts.evalInterval, read_interval: 1 },
    window: { rows: windowRows, duration: 3600 },
    drift: { min_rows: Math.min(1000, windowRows) },
    thresholds: { stale_after: 60 },
    models: [
      {
        name: DEMO_MODEL,
        task: 'binary_classification',
        protected_attributes: ['sex', 'age_group'],
        segments: ['region'],
      },
    ],
  });
  const exporter = await startExporter(config, {
    log: createLogger(process.env.MODELWATCH_LOG_LEVEL ?? 'warn'),
  });
  const traffic = new Traffic({
    target: exporter.url,
    rate: opts.rate,
    driftAfter: opts.driftAfter,
    labelDelay: opts.labelDelay,
    onError: (err) => exporter.log.warn({ err: err.message }, 'demo traffic request failed'),
  });
  await traffic.ensureReference(true);
  traffic.start();
  const started = Date.now();
  const driftAt = new Date(started + opts.driftAfter * 1000);
  const out = process.stdout;
  out.write(
    [
      `modelwatch demo: simulated model "${DEMO_MODEL}" at ${opts.rate}/s, drift injected after ${opts.driftAfter}s (at ${driftAt.toLocaleTimeString()})`,
      `  metrics   ${exporter.url}/metrics`,
      `  status    ${exporter.url}/api/v1/models/${DEMO_MODEL}/status`,
      `  models    ${exporter.url}/api/v1/models`,
      `  database  ${db}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const progress = setInterval(() => {
    const latest = exporter.engine.monitors.get(DEMO_MODEL)?.latest;
    if (!latest) return;
    const elapsed = Math.round((Date.now() - started) / 1000);
    const ds = latest.dataset;
    const drift = ds
      ? `${ds.driftedCount}/${ds.featureCount} features drifted${ds.drifted ? ' (dataset drift)' : ''}`
      : 'no verdict';
    out.write(
      `[${String(elapsed).padStart(4)}s] ${traffic.stats.drifting ? 'drifting' : 'stable  '}  sent ${traffic.stats.sent}  window ${latest.windowRows}  status ${latest.report.status}  ${drift}\n`,
    );
  }, opts.evalInterval * 1000);
  progress.unref();
  const stop =
    opts.duration === undefined ? untilSignal() : Promise.race([untilSignal(), sleep(opts.duration * 1000)]);
  const signal = await stop;
  clearInterval(progress);
  traffic.stop();
  await shutdown(exporter, typeof signal === 'string' ? signal : 'duration elapsed');
}

/** A timer that does not keep the process alive once everything else has stopped. */
export function sleep(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}
