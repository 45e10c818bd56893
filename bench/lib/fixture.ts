/**
 * The large-log fixture of the memory and restart parts: one model's predictions (20 features) written
 * directly into a new log, a reference imported with `modelwatch reference import`, and a config with a
 * row-count window for that model.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceNdjson, writeLog } from './rows';
import { runCli } from './server';

export const MODEL = 'bench';

export interface LargeLog {
  db: string;
  config: string;
  writeSeconds: number;
  importMs: number;
}

export function largeLogConfig(dir: string, window: number, interval: string): string {
  const config = join(dir, 'modelwatch.yaml');
  writeFileSync(
    config,
    `evaluation:\n  interval: ${interval}\nmodels:\n  - name: ${MODEL}\n    window: {rows: ${window}}\n`,
  );
  return config;
}

export function prepareLargeLog(
  dir: string,
  opts: { rows: number; window: number; referenceRows: number; interval: string },
): LargeLog {
  const db = join(dir, 'log.db');
  const written = writeLog(db, { models: [{ name: MODEL, rows: opts.rows }] });
  const ref = join(dir, 'reference.ndjson');
  writeFileSync(ref, referenceNdjson(opts.referenceRows, 4242));
  const imported = runCli(['reference', 'import', ref, '--model', MODEL, '--db', db, '--name', 'bench']);
  return {
    db,
    config: largeLogConfig(dir, opts.window, opts.interval),
    writeSeconds: written.seconds,
    importMs: imported.ms,
  };
}
