/**
 * `compare` over worker threads: the features (and the multivariate tests) are spread over the CPU
 * cores, this thread taking tasks too. Numeric columns sit on SharedArrayBuffers (reference/read.ts), so
 * a thread reads them without a copy; results come back as plain report objects for buildCompareReport.
 * Scheduling is dynamic, through a task counter on a SharedArrayBuffer: every thread sent the task list
 * once, and each claims the next task with an atomic increment when it is free, so no thread waits for
 * this one to hand out work, nor holds a queued task at the end while another is idle. The multivariate
 * tests (the longest task) go first, to a compare thread when there is one.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { NumericCsvRequest } from '../reference/numeric-csv';
import { InputError, type Table } from '../reference/table';
import type { MultivariateDriftReport } from '../stats/multivariate';
import { defaultDriftTestRegistry } from '../stats/registry';
import { startWorker, threadModule } from '../thread/entries';
import {
  buildCompareReport,
  type CompareOptions,
  type CompareReport,
  compareFeatureInputs,
  type FeatureOutcome,
  type FeatureSettings,
} from './report';
import { CLAIMED_HERE, type CompareTask, type CompareThreadReply, runTask, TAKEN, UNCLAIMED } from './tasks';

/** Below this many features, or cells, one thread does it all (starting a thread costs ~50 ms). */
export const PARALLEL_MIN_FEATURES = 4;
export const PARALLEL_MIN_CELLS = 400_000;

export interface ParallelOptions {
  /** Threads in all, this one included (default: the available cores). */
  threads?: number;
  /** Use threads whatever the size (tests). */
  force?: boolean;
  /** Called after each feature with the number done and the total. */
  onFeature?: (done: number, total: number) => void;
  /**
   * Threads already started (startComparePool), e.g. while the files were read: used when the work is
   * spread, and stopped when the report is done either way.
   */
  pool?: ComparePool;
}

/** Compare threads started ahead of their tasks (starting one costs ~50 ms of its own core). */
export interface ComparePool {
  readonly workers: readonly Worker[];
  stop(): void;
  /** Settles once the first thread has replied to a read this thread took back (readOnPool); a run waits for it. */
  pending: Promise<unknown>;
}

/** Starts `threads` − 1 compare threads (this thread is the other one); none on a single core. */
export function startComparePool(threads: number = availableParallelism()): ComparePool {
  const workers = Array.from({ length: Math.max(0, threads - 1) }, () =>
    startWorker(threadModule('compare-thread'), {}),
  );
  return {
    workers,
    stop: () => {
      for (const w of workers) void w.terminate();
    },
    pending: Promise.resolve(),
  };
}

/** Like buildCompareReport, with the work spread over threads when there is enough of it. */
export async function parallelCompareReport(
  reference: Table,
  current: Table,
  options: CompareOptions = {},
  parallel: ParallelOptions = {},
): Promise<CompareReport> {
  try {
    return await spreadCompare(reference, current, options, parallel);
  } finally {
    parallel.pool?.stop();
  }
}

async function spreadCompare(
  reference: Table,
  current: Table,
  options: CompareOptions,
  parallel: ParallelOptions,
): Promise<CompareReport> {
  const { inputs, settings, multivariate } = compareFeatureInputs(reference, current, options);
  const cells = inputs.length * (reference.rows + current.rows);
  const threads = Math.max(1, Math.min(parallel.threads ?? availableParallelism(), inputs.length));
  // A registry with user tests exists only in this thread.
  const builtinOnly = options.registry === undefined || options.registry === defaultDriftTestRegistry;
  const tasks: CompareTask[] = [];
  // The multivariate tests first: the longest task, so it does not end up alone at the end.
  if (multivariate.length > 0) tasks.push({ kind: 'multivariate', features: multivariate });
  for (const input of inputs) tasks.push({ kind: 'feature', input });

  const features = new Map<string, FeatureOutcome>();
  let mv: MultivariateDriftReport | null = null;
  let done = 0;
  const finished = (task: CompareTask, value: unknown) => {
    if (task.kind === 'multivariate') {
      mv = value as MultivariateDriftReport | null;
      return;
    }
    if (task.kind !== 'feature') return;
    features.set(task.input.name, value as FeatureOutcome);
    parallel.onFeature?.(++done, inputs.length);
  };

  const enough = inputs.length >= PARALLEL_MIN_FEATURES && cells >= PARALLEL_MIN_CELLS;
  const spread = threads > 1 && builtinOnly && (enough || parallel.force === true);
  const pool = spread ? (parallel.pool ?? startComparePool(threads)) : undefined;
  try {
    const workers = pool?.workers.slice(0, threads - 1) ?? [];
    if (workers.length > 0) {
      const { registry: _, ...plain } = settings;
      // counter[0]: the next task to claim. The first task goes to the first compare thread.
      const counter = new Int32Array(new SharedArrayBuffer(4));
      counter[0] = 1;
      // A read the first thread was sent but this one did (readOnPool) must have its reply first.
      const ready = pool?.pending ?? Promise.resolve();
      const running = workers.map((worker, w) =>
        ready.then(() =>
          runWorker(worker, { settings: plain, tasks, counter, first: w === 0 ? 0 : null }, finished),
        ),
      );
      for (;;) {
        const id = Atomics.add(counter, 0, 1);
        if (id >= tasks.length) break;
        finished(tasks[id]!, runTask(tasks[id]!, settings));
        await yieldToLoop(); // the compare threads' replies (progress) are handled between tasks
      }
      await Promise.all(running);
    } else {
      for (const task of tasks) finished(task, runTask(task, settings));
    }
  } finally {
    // A pool passed in is parallelCompareReport's to stop, used or not.
    if (pool !== parallel.pool) pool?.stop();
  }
  return buildCompareReport(reference, current, options, { features, multivariate: mv });
}

/** What a compare thread is sent to take part in a run (compare-thread.ts). */
export interface CompareRun {
  settings: Omit<FeatureSettings, 'registry'>;
  tasks: readonly CompareTask[];
  /** The index of the next task to claim (Atomics.add), shared by every thread of the run. */
  counter: Int32Array;
  /** A task this thread runs before claiming any. */
  first: number | null;
}

/** Lets a compare thread take part in a run; resolves when it has claimed no more tasks and replied to all. */
function runWorker(
  worker: Worker,
  run: CompareRun,
  finished: (task: CompareTask, value: unknown) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    worker.on('message', (reply: CompareThreadReply | { done: true }) => {
      if ('done' in reply) {
        done = true;
        resolve();
        return;
      }
      const task = run.tasks[reply.id]!;
      if (!reply.ok) {
        const what = task.kind === 'feature' ? `feature "${task.input.name}"` : `the ${task.kind} task`;
        reject(new Error(`comparing ${what} failed: ${reply.stack ?? reply.message}`));
        return;
      }
      finished(task, reply.value);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!done) reject(new Error(`a compare thread exited with code ${code}`));
    });
    worker.postMessage({ run });
  });
}

/**
 * Sends one task to `worker` and settles with its reply: its value, an InputError there as an InputError
 * here, else an Error naming the task. The listeners are removed once it settles, so a pooled worker can
 * take part in a run afterwards.
 */
function askThread(worker: Worker, task: CompareTask): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const settle = (done: () => void) => {
      worker.off('message', onReply).off('error', onError).off('exit', onExit);
      done();
    };
    const onReply = (reply: CompareThreadReply) =>
      settle(() => {
        if (reply.ok) resolve(reply.value);
        else if (reply.name === 'InputError') reject(new InputError(reply.message));
        else reject(new Error(`the ${task.kind} task failed: ${reply.stack ?? reply.message}`));
      });
    const onError = (err: Error) => settle(() => reject(err));
    const onExit = (code: number) =>
      settle(() => reject(new Error(`a compare thread exited with code ${code}`)));
    worker.on('message', onReply).on('error', onError).on('exit', onExit);
    worker.postMessage({ id: 0, task });
  });
}

/**
 * Runs one task on a worker thread of its own, so the caller's event loop stays free (reference uploads
 * in `serve`: profiling a large table sorts every column). An InputError thrown there is an InputError here.
 * Only feature tasks need settings (runTask), and none comes this way.
 */
export function runInThread(task: CompareTask): Promise<unknown> {
  const worker = startWorker(threadModule('compare-thread'), {});
  return askThread(worker, task).finally(() => void worker.terminate());
}

/** A plain numeric CSV read (reference/numeric-csv.ts) on a thread of its own: readTableFile's numericCsv in `serve`. */
export function readNumericCsvOffThread(request: NumericCsvRequest): Promise<Table | null> {
  return runInThread({ kind: 'numeric-csv', request }) as Promise<Table | null>;
}

/** A plain numeric Parquet read (reference/numeric-parquet.ts) on a thread of its own: readTableFile's numericParquet in `serve`. */
export function readNumericParquetOffThread(path: string): Promise<Table | null> {
  return runInThread({ kind: 'numeric-parquet', path }) as Promise<Table | null>;
}

/**
 * A plain numeric CSV read on the first compare thread of `pool` (before its run: `compare` reads one
 * file there while this thread reads the other), or here when the pool has none.
 */
export function readNumericCsvOnPool(
  pool: ComparePool,
  request: NumericCsvRequest,
  free?: Promise<unknown>,
): Promise<Table | null> {
  return readOnPool(pool, { kind: 'numeric-csv', request }, free);
}

/** readNumericCsvOnPool for a plain numeric Parquet file (reference/numeric-parquet.ts). */
export function readNumericParquetOnPool(
  pool: ComparePool,
  path: string,
  free?: Promise<unknown>,
): Promise<Table | null> {
  return readOnPool(pool, { kind: 'numeric-parquet', path }, free);
}

/**
 * A read on the first compare thread, which this thread takes back if it is `free` (its own read done)
 * before that thread, still starting, has begun it: the two claim the read through a shared word, and the
 * one that loses does nothing (compare-thread.ts replies TAKEN). A thread takes ~70 ms to start, and a
 * Parquet file of 10⁵ rows reads in less, so the first thread would otherwise leave this one waiting.
 */
function readOnPool(
  pool: ComparePool,
  task: CompareTask & { kind: 'numeric-csv' | 'numeric-parquet' },
  free?: Promise<unknown>,
): Promise<Table | null> {
  const worker = pool.workers[0];
  if (worker === undefined) return Promise.resolve(runTask(task, undefined) as Table | null);
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const asked = askThread(worker, { ...task, claim });
  pool.pending = asked.catch(() => {});
  return new Promise<Table | null>((resolve, reject) => {
    asked.then((value) => {
      if (value !== TAKEN) resolve(value as Table | null);
    }, reject);
    free?.then(() => {
      if (Atomics.compareExchange(claim, 0, UNCLAIMED, CLAIMED_HERE) !== UNCLAIMED) return;
      try {
        resolve(runTask(task, undefined) as Table | null);
      } catch (err) {
        reject(err);
      }
    });
  });
}
