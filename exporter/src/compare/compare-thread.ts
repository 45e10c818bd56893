/**
 * A worker thread of `compare` (compare/parallel.ts): runs the tasks it is sent (a feature's drift and
 * quality, or the multivariate tests), reading the numeric columns from the shared buffers the reader
 * filled. The first message is the settings the tasks run with (the thread may start before they are
 * known, while the files are read); a null message ends it.
 */
import { parentPort } from 'node:worker_threads';
import type { FeatureSettings } from './report';
import { type CompareThreadReply, type CompareThreadRequest, runTask } from './tasks';

let settings: FeatureSettings | undefined;
const port = parentPort!;
port.on('message', (request: CompareThreadRequest | { settings: FeatureSettings } | null) => {
  if (request === null) {
    port.close();
    return;
  }
  if ('settings' in request) {
    settings = request.settings;
    return;
  }
  let reply: CompareThreadReply;
  try {
    if (settings === undefined) throw new Error('a compare task came before its settings');
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
