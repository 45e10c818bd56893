import { loadConfig } from '../config/load';
import { Engine } from '../evaluate/engine';
import { NO_TELEMETRY } from '../evaluate/telemetry';
import { readTableFile } from '../reference/read';
import { InputError } from '../reference/table';
import { createLogger } from '../server';
import { openDatabase } from '../store/db';
import { ProgressLine } from './progress';

export interface ImportOptions {
  model: string;
  config?: string;
  db?: string;
  name: string;
  target?: string;
  prediction: string;
  score: string;
}

export async function importReference(file: string, opts: ImportOptions): Promise<void> {
  const config = loadConfig(opts.config, opts.db !== undefined ? { db: opts.db } : {});
  const progress = new ProgressLine();
  let table: Awaited<ReturnType<typeof readTableFile>>;
  try {
    table = await readTableFile(file, {
      onProgress: (phase, done, total) =>
        progress.update(
          phase === 'loading' && total > 0
            ? `reading ${file}: ${Math.floor((100 * done) / total)}%`
            : `reading ${file} (${phase})`,
        ),
    });
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
  progress.update('building the reference profile');
  const db = openDatabase(config.database.path, { busyTimeout: config.database.busy_timeout });
  try {
    const engine = new Engine(db, config, NO_TELEMETRY, createLogger('warn'));
    const roles = engine.roles(opts.model, {
      prediction: opts.prediction,
      score: opts.score,
      ...(opts.target ? { target: [opts.target] } : {}),
    });
    const stored = await engine.saveReference(opts.model, opts.name, table, { kind: 'file', file }, roles);
    const features = Object.entries(stored.profile.features).map(([n, p]) => `${n} (${p.type})`);
    progress.done(`read ${table.rows} rows`);
    process.stdout.write(
      `reference "${stored.name}" for model "${opts.model}": ${stored.rows} rows, ${features.length} features: ${features.join(', ')}\n`,
    );
  } finally {
    db.close();
  }
}
