/**
 * `modelwatch compare` (docs/compare.md): reads the reference and current files (reference/read.ts:
 * CSV/TSV, Parquet, NDJSON into typed columns, plain numeric CSV without DuckDB), builds the report with the features
 * spread over worker threads (compare/parallel.ts) and prints it as JSON or text. A progress line goes
 * to stderr when the run takes longer than about 2 s. Bad input throws InputError, which main() turns
 * into exit 2 with the message on stderr.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  parallelCompareReport,
  readNumericCsvOnPool,
  readNumericParquetOnPool,
  startComparePool,
} from '../compare/parallel';
import { type CompareOptions, checkDriftOptions } from '../compare/report';
import { formatCompareText } from '../compare/text';
import { closeReader, type ReadOptions, readTableFile } from '../reference/read';
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
  decision?: 'calibrated' | 'threshold';
  falseAlarmRunLength?: number;
  minEffect?: number;
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
  pooled?: Pick<ReadOptions, 'numericCsv' | 'numericParquet'>,
): Promise<Table> {
  checkReadable(path, role);
  const name = basename(path);
  try {
    return await readTableFile(path, {
      ...pooled,
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
  // --threshold is a threshold-rule option: it implies --decision threshold unless a decision is given.
  const decision = opts.decision ?? (opts.threshold !== undefined ? 'threshold' : 'calibrated');
  if (decision === 'calibrated' && opts.threshold !== undefined)
    throw new InputError('--threshold applies to --decision threshold; calibrated verdicts use --min-effect');
  if (opts.falseAlarmRunLength !== undefined && !(opts.falseAlarmRunLength >= 1))
    throw new InputError(
      `invalid --false-alarm-run-length ${opts.falseAlarmRunLength}: expected a number ≥ 1`,
    );
  if (opts.minEffect !== undefined && !(opts.minEffect >= 0))
    throw new InputError(`invalid --min-effect ${opts.minEffect}: expected a number ≥ 0`);
  const progress = new ProgressLine();
  // The compare threads compile their hot loops synchronously: by default V8 keeps running a 10⁵-row
  // loop in its interpreter while a background thread, competing for the same cores, compiles it
  // (~10% of the run, docs/benchmarks.md). The flag holds for threads started from here on (this thread
  // keeps its background compiler), and compare is a one-shot command, so it is set here and only here.
  setFlagsFromString('--no-concurrent-recompilation');
  // The compare threads boot while the files are read (parallelCompareReport stops them).
  const pool = startComparePool();
  // Both files at once. Plain numeric CSV and Parquet are read in JavaScript: the current file on a compare
  // thread (started first), the reference here meanwhile; DuckDB reads any other file on threads of its
  // own. The reference's error is reported first.
  // If the compare thread has not begun the current file when the reference is read, this thread takes it.
  let referenceRead = (): void => {};
  const free = new Promise<void>((resolve) => {
    referenceRead = resolve;
  });
  const reading = readInput(opts.current, 'current', progress, {
    numericCsv: (r) => readNumericCsvOnPool(pool, r, free),
    numericParquet: (path) => readNumericParquetOnPool(pool, path, free),
  });
  const [ref, cur] = await Promise.allSettled([
    readInput(opts.reference, 'reference', progress).finally(referenceRead),
    reading,
  ]);
  // DuckDB's memory goes back before the comparison starts (docs/benchmarks.md).
  await closeReader();
  for (const side of [ref, cur])
    if (side.status === 'rejected') {
      pool.stop();
      throw side.reason;
    }
  const reference = (ref as PromiseFulfilledResult<Table>).value;
  const current = (cur as PromiseFulfilledResult<Table>).value;
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
    decision,
    ...(opts.falseAlarmRunLength !== undefined ? { falseAlarmRunLength: opts.falseAlarmRunLength } : {}),
    ...(opts.minEffect !== undefined ? { minEffect: opts.minEffect } : {}),
  };
  const report = await parallelCompareReport(reference, current, options, {
    pool,
    onFeature: (done, total) => progress.update(`comparing: ${done}/${total} features`),
  });
  progress.done(`compared ${report.rows.reference} against ${report.rows.current} rows`);
  const text = opts.format === 'text' ? formatCompareText(report) : `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(text);
}
