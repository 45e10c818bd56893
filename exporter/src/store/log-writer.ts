/**
 * Where acknowledged writes go. In `serve` the log is written by a dedicated thread with its own SQLite
 * connection: the main thread parses and validates a batch, hands it over column by column, and answers
 * 202 only after the writer thread has committed it. The two cores then split the work (SQLite on one,
 * HTTP, JSON and the windows on the other), and a lock held by another process makes the writer wait,
 * not the event loop that serves scrapes. An in-memory database (tests, one-shot commands) is written
 * inline through the same interface.
 */
import type { Logger } from 'pino';
import type { IngestSource } from '../ingest/body';
import type { FeedbackRecord, PredictionRecord } from '../ingest/validate';
import { ThreadClient } from '../thread/client';
import { threadModule } from '../thread/entries';
import type { DB, OpenOptions } from './db';
import { HistoryStore } from './history';
import { type InsertResult, PredictionWriter, type RowBatch, toRowBatch } from './predictions';
import { pruneLog } from './reader';
import { ReferenceStore } from './references';

export interface LogWriter {
  /** Commits the batch (all or nothing); rejects with IngestError(409) on a conflicting re-send. */
  writePredictions(records: readonly PredictionRecord[], source?: IngestSource): Promise<InsertResult>;
  writeFeedback(records: readonly FeedbackRecord[]): Promise<number>;
  /** Deletes predictions and feedback older than `before` in small batches; resolves to the rows removed. */
  prune(before: number): Promise<number>;
  /** The writes besides the log (history, retraining requests, references), one transaction each. */
  write<K extends keyof AuxWrites>(op: K, args: Parameters<AuxWrites[K]>): Promise<ReturnType<AuxWrites[K]>>;
  /** Finishes the writes already handed over, then releases the connection. */
  close(): Promise<void>;
}

/** Writes on the caller's connection, synchronously (the promise is already settled on return). */
export class InlineLogWriter implements LogWriter {
  private readonly writer: PredictionWriter;
  private readonly aux: AuxWrites;
  constructor(private readonly db: DB) {
    this.writer = new PredictionWriter(db);
    this.aux = auxWrites(db);
  }
  writePredictions(records: readonly PredictionRecord[], source?: IngestSource): Promise<InsertResult> {
    return settle(() => this.writer.writePredictions(records, source));
  }
  writeFeedback(records: readonly FeedbackRecord[]): Promise<number> {
    return settle(() => this.writer.writeFeedback(records));
  }
  prune(before: number): Promise<number> {
    return settle(() => pruneLog(this.db, before));
  }
  write<K extends keyof AuxWrites>(op: K, args: Parameters<AuxWrites[K]>): Promise<ReturnType<AuxWrites[K]>> {
    return settle(() => auxWrite(this.aux, op, args));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The writes other than the log, as the writing thread runs them: an evaluation's history entry, a
 * retraining request, a reference profile (JSON texts), history retention.
 */
export interface AuxWrites {
  history(model: string, ts: number, status: string, report: string): void;
  retrain(model: string, ts: number, source: string, reason: string): number;
  reference: ReferenceStore['saveJson'];
  pruneHistory(before: number): number;
}

export function auxWrites(db: DB): AuxWrites {
  const history = new HistoryStore(db);
  const references = new ReferenceStore(db);
  return {
    history: (model, ts, status, report) => history.record(model, ts, status, report),
    retrain: (model, ts, source, reason) => history.recordRetrain(model, ts, source, reason),
    reference: (...args) => references.saveJson(...args),
    pruneHistory: (before) => history.prune(before),
  };
}

export function auxWrite<K extends keyof AuxWrites>(
  writes: AuxWrites,
  op: K,
  args: Parameters<AuxWrites[K]>,
): ReturnType<AuxWrites[K]> {
  return (writes[op] as (...a: unknown[]) => ReturnType<AuxWrites[K]>)(...args);
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * A writer still starting (the writer thread loads while the main thread reads the log at start-up):
 * requests wait for it, in order.
 */
export class DeferredLogWriter implements LogWriter {
  constructor(readonly ready: Promise<LogWriter>) {
    ready.catch(() => {}); // the start-up path awaits it and reports the error
  }
  async writePredictions(records: readonly PredictionRecord[], source?: IngestSource): Promise<InsertResult> {
    return (await this.ready).writePredictions(records, source);
  }
  async writeFeedback(records: readonly FeedbackRecord[]): Promise<number> {
    return (await this.ready).writeFeedback(records);
  }
  async prune(before: number): Promise<number> {
    return (await this.ready).prune(before);
  }
  async write<K extends keyof AuxWrites>(
    op: K,
    args: Parameters<AuxWrites[K]>,
  ): Promise<ReturnType<AuxWrites[K]>> {
    return (await this.ready).write(op, args);
  }
  async close(): Promise<void> {
    const writer = await this.ready.catch(() => null);
    await writer?.close();
  }
}

/** Requests to the writer thread. */
export type WriterRequest =
  | { op: 'predictions'; rows: RowBatch }
  | { op: 'feedback'; rows: FeedbackRecord[] }
  | { op: 'prune'; before: number }
  | { op: 'aux'; write: keyof AuxWrites; args: unknown[] };

/** Rows deleted per prune request on the writer thread, and requests per retention pass. */
export const PRUNE_BATCH = 1000;
const PRUNE_MAX_BATCHES = 200;

/** The main thread's side of the writer thread (writer-thread.ts). */
export class ThreadLogWriter implements LogWriter {
  private constructor(private readonly thread: ThreadClient<WriterRequest>) {}

  /** Starts the thread and waits until its connection is open (an open error rejects here). */
  static async start(path: string, options: OpenOptions, log: Logger): Promise<ThreadLogWriter> {
    const entry = threadModule('writer-thread');
    return new ThreadLogWriter(await ThreadClient.start(entry, { path, options }, log, 'log writer'));
  }

  writePredictions(records: readonly PredictionRecord[], source?: IngestSource): Promise<InsertResult> {
    return this.thread.request({ op: 'predictions', rows: toRowBatch(records, source) });
  }

  writeFeedback(records: readonly FeedbackRecord[]): Promise<number> {
    return this.thread.request({ op: 'feedback', rows: records as FeedbackRecord[] });
  }

  /**
   * One short transaction per request, so ingest batches queued meanwhile are written between them
   * instead of waiting for the whole deletion. A pass still running at shutdown ends after its batch.
   */
  async prune(before: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < PRUNE_MAX_BATCHES && !this.thread.closed; i++) {
      const n = await this.thread.request<number>({ op: 'prune', before });
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  write<K extends keyof AuxWrites>(op: K, args: Parameters<AuxWrites[K]>): Promise<ReturnType<AuxWrites[K]>> {
    return this.thread.request({ op: 'aux', write: op, args });
  }

  /** Waits for the writes in flight, then ends the thread (which closes its connection). */
  close(): Promise<void> {
    return this.thread.close();
  }
}
