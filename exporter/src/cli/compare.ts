/**
 * `modelwatch compare` (docs/compare.md): reads the reference and current files (streaming, with a progress
 * bar on stderr when stderr is a terminal), builds the report (compare/report.ts) and prints it as JSON
 * or text. Bad input throws InputError, which main() turns into exit 2 with the message on stderr.
 */
import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { buildCompareReport, type CompareOptions, checkDriftOptions } from '../compare/report';
import { formatCompareText } from '../compare/text';
import { InputError, readTableFile, type Table } from '../reference/table';

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

/** Files above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1 << 20;

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

async function readInput(path: string, role: 'reference' | 'current'): Promise<Table> {
  checkReadable(path, role);
  let bar: cliProgress.SingleBar | undefined;
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  try {
    const table = await readTableFile(path, (bytes, total) => {
      if (!process.stderr.isTTY || total < PROGRESS_MIN_BYTES) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `reading ${role} {bar} {percentage}% | {done}/{size} MiB`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { done: mib(0), size: mib(total) });
      }
      bar.update(Math.min(bytes, total), { done: mib(Math.min(bytes, total)) });
    });
    if (bar) bar.update(bar.getTotal(), { done: mib(bar.getTotal()) });
    return table;
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${role} file ${path}: ${err.message}`);
    throw err;
  } finally {
    bar?.stop();
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
  const reference = await readInput(opts.reference, 'reference');
  const current = await readInput(opts.current, 'current');
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
  const report = buildCompareReport(reference, current, options);
  const text = opts.format === 'text' ? formatCompareText(report) : `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(text);
}
