/**
 * `compare` over worker threads: the features are spread over the CPU cores (this thread takes a share
 * too). Numeric columns sit on SharedArrayBuffers (reference/read.ts), so a thread reads them without a
 * copy; results come back as plain report objects and go into buildCompareReport.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Table } from '../reference/table';
import { defaultDriftTestRegistry } from '../stats/registry';
import { startWorker, threadModule } from '../thread/entries';
import type { CompareThreadReply, CompareThreadRequest } from './compare-thread';
import {
  buildCompareReport,
  type CompareOptions,
  type CompareReport,
  compareFeature,
  compareFeatureInputs,
  type FeatureInput,
  type FeatureOutcome,
} from './report';

/** Below this many features, or cells, one thread does it all (starting a thread costs ~50 ms). */
export const PARALLEL_MIN_FEATURES = 4;
export const PARALLEL_MIN_CELLS = 400_000;

export interface ParallelOptions {
  /** Threads in all, this one included (default: the available cores). */
  threads?: number;
  /** Called after each feature with the number done and the total. */
  onFeature?: (done: number, total: number) => void;
}

/** Like buildCompareReport, with the features spread over threads when there are enough of them. */
export async function parallelCompareReport(
  reference: Table,
  current: Table,
  options: CompareOptions = {},
  parallel: ParallelOptions = {},
): Promise<CompareReport> {
  const { inputs, settings } = compareFeatureInputs(reference, current, options);
  const cells = inputs.length * (reference.rows + current.rows);
  const threads = Math.max(1, Math.min(parallel.threads ?? availableParallelism(), inputs.length));
  // A registry with user tests exists only in this thread.
  const builtinOnly = options.registry === undefined || options.registry === defaultDriftTestRegistry;
  const outcomes = new Map<string, FeatureOutcome>();
  let done = 0;
  const finished = (name: string, outcome: FeatureOutcome) => {
    outcomes.set(name, outcome);
    parallel.onFeature?.(++done, inputs.length);
  };
  if (threads > 1 && builtinOnly && inputs.length >= PARALLEL_MIN_FEATURES && cells >= PARALLEL_MIN_CELLS) {
    const { registry: _, ...plain } = settings;
    // Slot 0 is this thread; features are dealt round-robin (they cost about the same).
    const shares: FeatureInput[][] = Array.from({ length: threads }, () => []);
    for (const [i, input] of inputs.entries()) shares[i % threads]!.push(input);
    const workers: Worker[] = [];
    try {
      const running = shares.slice(1).map((share) => {
        const worker = startWorker(threadModule('compare-thread'), { settings: plain });
        workers.push(worker);
        return runShare(worker, share, finished);
      });
      for (const input of shares[0]!) finished(input.name, compareFeature(input, settings));
      await Promise.all(running);
    } finally {
      for (const w of workers) void w.terminate();
    }
  } else {
    for (const input of inputs) finished(input.name, compareFeature(input, settings));
  }
  return buildCompareReport(reference, current, options, outcomes);
}

function runShare(
  worker: Worker,
  share: FeatureInput[],
  finished: (name: string, outcome: FeatureOutcome) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = share.length;
    if (pending === 0) {
      resolve();
      return;
    }
    worker.on('message', (reply: CompareThreadReply) => {
      const input = share[reply.id]!;
      if (!reply.ok) {
        reject(new Error(`comparing feature "${input.name}" failed: ${reply.message}`));
        return;
      }
      finished(input.name, reply.outcome);
      if (--pending === 0) resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (pending > 0) reject(new Error(`a compare thread exited with code ${code}`));
    });
    for (const [id, input] of share.entries())
      worker.postMessage({ id, input } satisfies CompareThreadRequest);
  });
}
