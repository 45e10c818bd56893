/**
 * The log writer thread: its own SQLite connection, one request at a time, in order. Each prediction
 * batch is one immediate transaction (PredictionWriter), so a batch is committed whole or not at all
 * before its reply leaves this thread.
 */
import { workerData } from 'node:worker_threads';
import { serveThread } from '../thread/serve';
import { type OpenOptions, openDatabase } from './db';
import { type AuxWrites, auxWrite, auxWrites, PRUNE_BATCH, type WriterRequest } from './log-writer';
import { PredictionWriter } from './predictions';
import { pruneLog } from './reader';

serveThread<WriterRequest>(() => {
  const { path, options } = workerData as { path: string; options: OpenOptions };
  const db = openDatabase(path, options);
  const writer = new PredictionWriter(db);
  const aux = auxWrites(db);
  return {
    handle(request) {
      switch (request.op) {
        case 'predictions':
          return writer.writeRows(request.rows);
        case 'feedback':
          return writer.writeFeedback(request.rows);
        case 'prune':
          return pruneLog(db, request.before, PRUNE_BATCH, 1);
        case 'aux':
          return auxWrite(aux, request.write, request.args as Parameters<AuxWrites[typeof request.write]>);
      }
    },
    close: () => db.close(),
  };
});
