/**
 * Composition root of the exporter: open the log, load state, start the engine's schedule and the
 * HTTP server. `close()` stops accepting, lets in-flight requests finish (each batch is one transaction
 * on the writer thread, committed before its 202), stops timers, ends the writer and closes SQLite.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { createApp } from './api/app';
import type { Config } from './config/schema';
import { Engine, type EngineOptions } from './evaluate/engine';
import type { MultivariateRequest } from './evaluate/multivariate-thread';
import { Metrics } from './metrics/registry';
import type { FromLogRequest, FromLogResult } from './reference/from-log';
import type { MultivariateDriftReport, MultivariateFeature } from './stats/multivariate';
import { checkDriftMethods, loadPlugins } from './stats/plugins';
import { DatabaseOpenError, openDatabase } from './store/db';
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
  const dbOptions = {
    busyTimeout: config.database.busy_timeout,
    ...(config.database.max_size !== undefined ? { maxBytes: config.database.max_size } : {}),
  };
  const db = openDatabase(config.database.path, dbOptions);
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
    : new DeferredLogWriter(ThreadLogWriter.start(config.database.path, dbOptions, log));
  const multivariate = statsStart
    ? async (features: MultivariateFeature[]) =>
        (await statsStart).request<MultivariateDriftReport | null>({ op: 'multivariate', features })
    : undefined;
  const fromLog = statsStart
    ? async (request: FromLogRequest) =>
        (await statsStart).request<FromLogResult>({
          op: 'fromLog',
          path: config.database.path,
          busyTimeout: config.database.busy_timeout,
          request,
        })
    : undefined;
  let stats: ThreadClient<MultivariateRequest> | undefined;
  try {
    const metrics = new Metrics({
      onCollectorError: (collector, model, err) =>
        log.error({ err, collector, model }, 'a metrics collector failed; its series are incomplete'),
    });
    const engine = new Engine(db, config, metrics, log, {
      ...options,
      writer,
      multivariate,
      ...(fromLog && !isMemory(config.database.path) ? { fromLog } : {}),
    });
    metrics.attach(engine);
    await loadLog(engine, config.database.path);
    engine.evaluateAll();
    stats = await statsStart;
    await writer?.ready;
    if (options.schedule ?? true) engine.start();
    const app = createApp({ engine, metrics, config, log, isAccepting: () => accepting });
    const { header_timeout, request_timeout, max_connections, shutdown_timeout } = config.listen;
    const listening = createServer(
      {
        headersTimeout: header_timeout * 1000,
        requestTimeout: Math.max(request_timeout, header_timeout) * 1000,
        // How often the header and request timeouts are checked (Node's default is 30 s).
        connectionsCheckingInterval: Math.min(1000, header_timeout * 500),
        keepAliveTimeout: 65_000,
      },
      app,
    );
    listening.maxConnections = max_connections;
    listening.listen(config.listen.port, config.listen.host);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', reject);
    });
    const port = (listening.address() as AddressInfo).port;
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    let closing: Promise<void> | undefined;
    /**
     * Stops accepting (new requests get 503 with `Connection: close`), lets the requests in flight
     * finish for most of `listen.shutdown_timeout`, then closes every connection left (slow-header
     * sockets included), waits for the writes handed over and closes SQLite. A writer still waiting
     * for a lock at the deadline is left behind: `serve` exits at the deadline whatever happens.
     */
    const close = () => {
      closing ??= (async () => {
        accepting = false;
        engine.stop();
        const grace = shutdown_timeout * 1000 * 0.8;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => listening.closeAllConnections(), grace);
          listening.close(() => {
            clearTimeout(timer);
            resolve();
          });
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

/** Reads the log at start-up; a corrupt page met there is a DatabaseOpenError (a message, exit 1). */
async function loadLog(engine: Engine, path: string): Promise<void> {
  try {
    await engine.load();
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'SQLITE_CORRUPT' || e.code === 'SQLITE_NOTADB' || e instanceof SyntaxError) {
      throw new DatabaseOpenError(
        `cannot read database ${path}: ${e.message} (the file is corrupt; restore it from a backup or run "sqlite3 ${path} .recover")`,
      );
    }
    throw err;
  }
}

function isMemory(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file::memory:');
}
