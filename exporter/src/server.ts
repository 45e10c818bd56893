/**
 * Composition root of the exporter: open the log, load state, start the engine's schedule and the
 * HTTP server. `close()` stops accepting, lets in-flight requests finish (each batch is one transaction
 * on the writer thread, committed before its 202), stops timers, ends the writer and closes SQLite.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { createApp } from './api/app';
import type { Config } from './config/schema';
import { Engine, type EngineOptions } from './evaluate/engine';
import type { MultivariateRequest } from './evaluate/multivariate-thread';
import { Metrics } from './metrics/registry';
import type { MultivariateDriftReport, MultivariateFeature } from './stats/multivariate';
import { checkDriftMethods, loadPlugins } from './stats/plugins';
import { openDatabase } from './store/db';
import { DeferredLogWriter, ThreadLogWriter } from './store/log-writer';
import { ThreadClient } from './thread/client';
import { threadModule } from './thread/entries';

export interface Exporter {
  url: string;
  port: number;
  engine: Engine;
  metrics: Metrics;
  server: Server;
  log: Logger;
  close(): Promise<void>;
}

export interface StartOptions extends EngineOptions {
  log?: Logger;
  /** Start the evaluation schedule (tests drive `engine.evaluateAll()` themselves). Default true. */
  schedule?: boolean;
  /**
   * Run the multivariate tests on a worker thread (default true). Off, they run inside each evaluation,
   * which tests that evaluate synchronously rely on.
   */
  statsThread?: boolean;
}

export function createLogger(level = process.env.MODELWATCH_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'modelwatch' } }, pino.destination(2));
}

export async function startExporter(config: Config, options: StartOptions = {}): Promise<Exporter> {
  const log = options.log ?? createLogger();
  await loadPlugins(config.plugins);
  checkDriftMethods(config);
  const db = openDatabase(config.database.path, { busyTimeout: config.database.busy_timeout });
  let accepting = true;
  let server: Server | undefined;
  // Both threads load their modules while this thread reads the log and evaluates (restart time).
  const statsStart =
    (options.statsThread ?? true)
      ? ThreadClient.start<MultivariateRequest>(
          threadModule('multivariate-thread'),
          {},
          log,
          'multivariate tests',
        )
      : undefined;
  statsStart?.catch(() => {}); // awaited below, after the load
  // A file gets its own writer thread; an in-memory database can only be written on this connection.
  const writer = isMemory(config.database.path)
    ? undefined
    : new DeferredLogWriter(ThreadLogWriter.start(config.database.path, config.database.busy_timeout, log));
  const multivariate = statsStart
    ? async (features: MultivariateFeature[]) =>
        (await statsStart).request<MultivariateDriftReport | null>({ op: 'multivariate', features })
    : undefined;
  let stats: ThreadClient<MultivariateRequest> | undefined;
  try {
    const metrics = new Metrics({
      onCollectorError: (collector, model, err) =>
        log.error({ err, collector, model }, 'a metrics collector failed; its series are incomplete'),
    });
    const engine = new Engine(db, config, metrics, log, { ...options, writer, multivariate });
    metrics.attach(engine);
    await engine.load();
    engine.evaluateAll();
    stats = await statsStart;
    await writer?.ready;
    if (options.schedule ?? true) engine.start();
    const app = createApp({ engine, metrics, config, log, isAccepting: () => accepting });
    const listening = app.listen(config.listen.port, config.listen.host);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', reject);
    });
    listening.keepAliveTimeout = 65_000;
    const port = (listening.address() as AddressInfo).port;
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        accepting = false;
        engine.stop();
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeIdleConnections();
        });
        await engine.writer.close();
        await stats?.close();
        db.close();
      })();
      return closing;
    };
    return { url, port, engine, metrics, server: listening, log, close };
  } catch (err) {
    server?.close();
    await writer?.close();
    await (await statsStart?.catch(() => undefined))?.close();
    db.close();
    throw err;
  }
}

function isMemory(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file::memory:');
}
