import { loadConfig } from '../config/load';
import { type Exporter, startExporter } from '../server';

/** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

/**
 * Closes the exporter; exits the process at `deadlineSeconds` if closing has not finished by then (a
 * write stuck behind another process's lock). Acknowledged batches are committed already.
 */
export async function shutdown(exporter: Exporter, signal: string, deadlineSeconds?: number): Promise<void> {
  exporter.log.info({ signal }, 'shutting down');
  if (deadlineSeconds !== undefined) {
    setTimeout(() => {
      exporter.log.error({ seconds: deadlineSeconds }, 'shutdown deadline reached; exiting');
      process.exit(1);
    }, deadlineSeconds * 1000).unref();
  }
  await exporter.close();
  exporter.log.info('stopped');
}

export async function serve(opts: {
  config?: string;
  db?: string;
  port?: number;
  host?: string;
}): Promise<void> {
  const config = loadConfig(opts.config, {
    ...(opts.db !== undefined ? { db: opts.db } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
  });
  const exporter = await startExporter(config);
  exporter.log.info(
    { url: exporter.url, db: config.database.path, models: exporter.engine.monitors.size },
    'modelwatch exporter listening',
  );
  const signal = await untilSignal();
  await shutdown(exporter, signal, config.listen.shutdown_timeout);
}
