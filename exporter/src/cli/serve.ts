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

export async function shutdown(exporter: Exporter, signal: string): Promise<void> {
  exporter.log.info({ signal }, 'shutting down');
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
  await shutdown(exporter, signal);
}
