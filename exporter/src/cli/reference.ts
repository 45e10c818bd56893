import cliProgress from 'cli-progress';
import { loadConfig } from '../config/load';
import { Engine } from '../evaluate/engine';
import { NO_TELEMETRY } from '../evaluate/telemetry';
import { readTableFile } from '../reference/table';
import { createLogger } from '../server';
import { openDatabase } from '../store/db';

export interface ImportOptions {
  model: string;
  config?: string;
  db?: string;
  name: string;
  target?: string;
  prediction: string;
  score: string;
}

/** Files above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1 << 20;

export async function importReference(file: string, opts: ImportOptions): Promise<void> {
  const config = loadConfig(opts.config, opts.db !== undefined ? { db: opts.db } : {});
  let bar: cliProgress.SingleBar | undefined;
  const table = await readTableFile(file, (bytes, total) => {
    if (!process.stderr.isTTY || total < PROGRESS_MIN_BYTES) return;
    if (!bar) {
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'reading {bar} {percentage}% | {value}/{total} MiB',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.ceil(total / 2 ** 20), 0);
    }
    bar.update(Math.floor(bytes / 2 ** 20));
  });
  bar?.stop();
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
    process.stdout.write(
      `reference "${stored.name}" for model "${opts.model}": ${stored.rows} rows, ${features.length} features: ${features.join(', ')}\n`,
    );
  } finally {
    db.close();
  }
}
