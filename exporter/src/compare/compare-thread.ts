/**
 * A worker thread of `compare` (compare/parallel.ts): runs tasks (a feature's drift and quality, the
 * multivariate tests, a reference profile, a numeric CSV read), reading the numeric columns from the shared buffers the reader
 * filled. Sent a run (the task list, their settings and a shared counter), it claims tasks from the
 * counter until none are left, replying with each result and then `{ done: true }`. Sent a single task
 * (one that needs no settings: a profile, a numeric CSV read), it runs it and replies. A null message
 * ends it.
 */
import { parentPort } from 'node:worker_threads';
import type { CompareRun } from './parallel';
import type { FeatureSettings } from './report';
import { type CompareTask, type CompareThreadReply, type CompareThreadRequest, runTask } from './tasks';

const port = parentPort!;

function attempt(id: number, task: CompareTask, with_: FeatureSettings | undefined): CompareThreadReply {
  try {
    return { id, ok: true, value: runTask(task, with_) };
  } catch (err) {
    const e = err as Error;
    return {
      id,
      ok: false,
      name: e?.name ?? 'Error',
      message: e?.message ?? String(err),
      ...(e?.stack !== undefined ? { stack: e.stack } : {}),
    };
  }
}

function takePart({ settings: plain, tasks, counter, first }: CompareRun): void {
  const ids = first === null ? [] : [first];
  for (;;) {
    const id = ids.pop() ?? Atomics.add(counter, 0, 1);
    if (id >= tasks.length) break;
    const reply = attempt(id, tasks[id]!, plain);
    port.postMessage(reply);
    if (!reply.ok) break;
  }
  port.postMessage({ done: true });
}

port.on('message', (request: CompareThreadRequest | { run: CompareRun } | null) => {
  if (request === null) {
    port.close();
    return;
  }
  if ('run' in request) takePart(request.run);
  else port.postMessage(attempt(request.id, request.task, undefined));
});
