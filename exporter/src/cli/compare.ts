/**
 * `modelwatch compare` (DESIGN §4): reads the reference and current files through DuckDB
 * (reference/read.ts: CSV/TSV, Parquet, NDJSON into typed columns), builds the report with the features
 * spread over worker threads (compare/parallel.ts) and prints it as JSON or text. A progress line goes
 * to stderr when the run takes longer than about 2 s. Bad input throws InputError, which main() turns
 * into exit 2 with the message on stderr.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parallelCompareReport } from '../compare/parallel';
import { type CompareOptions, checkDriftOptions } from '../compare/report';
import { formatCompareText } from '../compare/text';
import { readTableFile } from '../reference/read';
import { InputError, type Table } from '../reference/table';
import { ProgressLine } from './progress';

export interface CompareCliOptions {
  reference: string;
  current: string;
  features?: string[];
  target?: string;
  prediction?: string;
  score?: string;
  task?: 'classification' | 'regression';
  protected?: string[];
  driftMethod?: string;
  threshold?: number;
  format?: 'json' | 'text';
}

function checkReadable(path: string, role: 'reference' | 'current'): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : `cannot be read (${code ?? String(err)})`;
    throw new InputError(`${role} file ${path} ${why}`);
  }
  if (!isFile) throw new InputError(`${role} file ${path} is not a regular file`);
}

async function readInput(
  path: string,
  role: 'reference' | 'current',
  progress: ProgressLine,
): Promise<Table> {
  checkReadable(path, role);
  const name = basename(path);
  try {
    return await readTableFile(path, {
      onProgress: (phase, done, total) =>
        progress.update(
          phase === 'loading' && total > 0
            ? `reading ${role} ${name}: ${Math.floor((100 * done) / total)}%`
            : `reading ${role} ${name} (${phase})`,
        ),
    });
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${role} file ${path}: ${err.message}`);
    throw err;
  }
}

export async function compare(opts: CompareCliOptions): Promise<void> {
  checkDriftOptions(opts.driftMethod ?? 'auto', opts.threshold);
  const progress = new ProgressLine();
  const [reference, current] = [
    await readInput(opts.reference, 'reference', progress),
    await readInput(opts.current, 'current', progress),
  ];
  const options: CompareOptions = {
    referenceName: opts.reference,
    currentName: opts.current,
    driftMethod: opts.driftMethod ?? 'auto',
    ...(opts.features !== undefined ? { features: opts.features } : {}),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.prediction !== undefined ? { prediction: opts.prediction } : {}),
    ...(opts.score !== undefined ? { score: opts.score } : {}),
    ...(opts.task !== undefined ? { task: opts.task } : {}),
    ...(opts.protected !== undefined ? { protected: opts.protected } : {}),
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
  };
  const report = await parallelCompareReport(reference, current, options, {
    onFeature: (done, total) => progress.update(`comparing: ${done}/${total} features`),
  });
  progress.done(`compared ${report.rows.reference} against ${report.rows.current} rows`);
  const text = opts.format === 'text' ? formatCompareText(report) : `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(text);
}
