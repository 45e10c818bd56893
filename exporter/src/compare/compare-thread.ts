/**
 * A worker thread of `compare` (compare/parallel.ts): runs the tasks it is sent (a feature's drift and
 * quality, or the multivariate tests), reading the numeric columns from the shared buffers the reader
 * filled. A null message ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureSettings } from './report';
import { type CompareThreadReply, type CompareThreadRequest, runTask } from './tasks';

const settings = (workerData as { settings: FeatureSettings }).settings;
const port = parentPort!;
port.on('message', (request: CompareThreadRequest | null) => {
  if (request === null) {
    port.close();
    return;
  }
  let reply: CompareThreadReply;
  try {
    reply = { id: request.id, ok: true, value: runTask(request.task, settings) };
  } catch (err) {
    const e = err as Error;
    reply = {
      id: request.id,
      ok: false,
      name: e?.name ?? 'Error',
      message: e?.message ?? String(err),
      ...(e?.stack !== undefined ? { stack: e.stack } : {}),
    };
  }
  port.postMessage(reply);
});
