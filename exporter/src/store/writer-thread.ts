/**
 * The log writer thread: its own SQLite connection, one request at a time, in order. Each prediction
 * batch is one immediate transaction (PredictionWriter), so a batch is committed whole or not at all
 * before its reply leaves this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db';
import { PRUNE_BATCH, toWire, type WriterReply, type WriterRequest } from './log-writer';
import { PredictionWriter } from './predictions';
import { pruneLog } from './reader';

const port = parentPort;
if (!port) throw new Error('writer-thread must run as a worker thread');
const { path, busyTimeout } = workerData as { path: string; busyTimeout: number };

const reply = (message: WriterReply) => port.postMessage(message);

let db: ReturnType<typeof openDatabase>;
try {
  db = openDatabase(path, { busyTimeout });
} catch (err) {
  reply({ type: 'fatal', error: toWire(err) });
  process.exit(1);
}
const writer = new PredictionWriter(db);

function handle(request: Exclude<WriterRequest, { op: 'close' }>): unknown {
  switch (request.op) {
    case 'predictions':
      return writer.writeRows(request.rows);
    case 'feedback':
      return writer.writeFeedback(request.rows);
    case 'prune':
      return pruneLog(db, request.before, PRUNE_BATCH, 1);
  }
}

port.on('message', (request: WriterRequest) => {
  if (request.op === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    reply({ type: 'result', id: request.id, ok: true, value: handle(request) });
  } catch (err) {
    reply({ type: 'result', id: request.id, ok: false, error: toWire(err) });
  }
});
reply({ type: 'ready' });
