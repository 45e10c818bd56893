/**
 * A worker thread of `compare` (compare/parallel.ts): computes the features it is sent with
 * compareFeature, reading the numeric columns from the shared buffers the reader filled.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compareFeature, type FeatureInput, type FeatureSettings } from './report';

export type CompareThreadRequest = { id: number; input: FeatureInput };
export type CompareThreadReply =
  | { id: number; ok: true; outcome: ReturnType<typeof compareFeature> }
  | { id: number; ok: false; message: string };

const settings = (workerData as { settings: FeatureSettings }).settings;
const port = parentPort!;
port.on('message', (request: CompareThreadRequest | null) => {
  if (request === null) {
    port.close();
    return;
  }
  let reply: CompareThreadReply;
  try {
    reply = { id: request.id, ok: true, outcome: compareFeature(request.input, settings) };
  } catch (err) {
    reply = { id: request.id, ok: false, message: (err as Error).stack ?? String(err) };
  }
  port.postMessage(reply);
});
