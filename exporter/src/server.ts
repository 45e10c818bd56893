/**
 * Composition root of the exporter: open the log, load state, start the engine's schedule and the
 * HTTP server. `close()` stops accepting, lets in-flight requests finish (a batch insert is one
 * synchronous transaction, so it is either committed or not started), stops timers and closes SQLite.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { createApp } from './api/app';
import type { Config } from './config/schema';
import { Engine, type EngineOptions } from './evaluate/engine';
import { Metrics } from './metrics/registry';
import { checkDriftMethods, loadPlugins } from './stats/plugins';
import { openDatabase } from './store/db';

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
  try {
    const metrics = new Metrics();
    const engine = new Engine(db, config, metrics, log, options);
    metrics.attach(engine);
    await engine.load();
    engine.evaluateAll();
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
        db.close();
      })();
      return closing;
    };
    return { url, port, engine, metrics, server: listening, log, close };
  } catch (err) {
    server?.close();
    db.close();
    throw err;
  }
}
