/**
 * Where acknowledged writes go. In `serve` the log is written by a dedicated thread with its own SQLite
 * connection: the main thread parses and validates a batch, hands it over column by column, and answers
 * 202 only after the writer thread has committed it. The two cores then split the work (SQLite on one,
 * HTTP, JSON and the windows on the other), and a lock held by another process makes the writer wait,
 * not the event loop that serves scrapes. An in-memory database (tests, one-shot commands) is written
 * inline through the same interface.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { IngestError } from '../ingest/errors';
import type { FeedbackRecord, PredictionRecord } from '../ingest/validate';
import type { DB } from './db';
import { type InsertResult, PredictionWriter, type RowBatch, toRowBatch } from './predictions';
import { pruneLog } from './reader';

export interface LogWriter {
  /** Commits the batch (all or nothing); rejects with IngestError(409) on a conflicting re-send. */
  writePredictions(records: readonly PredictionRecord[]): Promise<InsertResult>;
  writeFeedback(records: readonly FeedbackRecord[]): Promise<number>;
  /** Deletes predictions and feedback older than `before` in small batches; resolves to the rows removed. */
  prune(before: number): Promise<number>;
  /** Finishes the writes already handed over, then releases the connection. */
  close(): Promise<void>;
}

/** Writes on the caller's connection, synchronously (the promise is already settled on return). */
export class InlineLogWriter implements LogWriter {
  private readonly writer: PredictionWriter;
  constructor(private readonly db: DB) {
    this.writer = new PredictionWriter(db);
  }
  writePredictions(records: readonly PredictionRecord[]): Promise<InsertResult> {
    return settle(() => this.writer.writePredictions(records));
  }
  writeFeedback(records: readonly FeedbackRecord[]): Promise<number> {
    return settle(() => this.writer.writeFeedback(records));
  }
  prune(before: number): Promise<number> {
    return settle(() => pruneLog(this.db, before));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Requests to the writer thread. */
export type WriterRequest =
  | { id: number; op: 'predictions'; rows: RowBatch }
  | { id: number; op: 'feedback'; rows: FeedbackRecord[] }
  | { id: number; op: 'prune'; before: number }
  | { op: 'close' };

/** Rows deleted per prune request on the writer thread, and requests per retention pass. */
export const PRUNE_BATCH = 1000;
const PRUNE_MAX_BATCHES = 200;

/** An error crossing the thread boundary, rebuilt on the main thread with the same meaning. */
export type WireError =
  | {
      kind: 'ingest';
      status: IngestError['status'];
      message: string;
      index: number | null;
      field: string | null;
      reason: IngestError['reason'];
    }
  | { kind: 'error'; message: string; code?: string; stack?: string };

export type WriterReply =
  | { type: 'ready' }
  | { type: 'fatal'; error: WireError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof IngestError) {
    return {
      kind: 'ingest',
      status: err.status,
      message: err.message,
      index: err.index,
      field: err.field,
      reason: err.reason,
    };
  }
  const e = err as { message?: string; code?: string; stack?: string };
  return { kind: 'error', message: String(e?.message ?? err), code: e?.code, stack: e?.stack };
}

export function fromWire(w: WireError): Error {
  if (w.kind === 'ingest') return new IngestError(w.status, w.message, w.index, w.field, w.reason);
  // SQLite errors keep their code (SQLITE_BUSY → 503 in the API).
  const err = new Error(w.message) as Error & { code?: string };
  if (w.code !== undefined) err.code = w.code;
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** The thread's entry: a plain .mjs that loads the TypeScript sources through tsx in that thread. */
const ENTRY = new URL('./writer-thread.mjs', import.meta.url);

/**
 * The main thread's side of the writer thread. Requests are answered in order; if the thread dies
 * (it should not), the requests in flight fail with 503 and the next request starts a new thread.
 */
export class ThreadLogWriter implements LogWriter {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly busyTimeout: number,
    private readonly log: Logger,
  ) {}

  /** Starts the thread and waits until its connection is open (an open error rejects here). */
  static async start(path: string, busyTimeout: number, log: Logger): Promise<ThreadLogWriter> {
    const writer = new ThreadLogWriter(path, busyTimeout, log);
    await writer.thread();
    return writer;
  }

  private thread(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(ENTRY, { workerData: { path: this.path, busyTimeout: this.busyTimeout } });
      let ready = false;
      worker.on('message', (reply: WriterReply) => {
        if (reply.type === 'ready') {
          ready = true;
          this.worker = worker;
          this.starting = null;
          resolve(worker);
        } else if (reply.type === 'fatal') {
          reject(fromWire(reply.error));
        } else {
          const p = this.pending.get(reply.id);
          if (!p) return;
          this.pending.delete(reply.id);
          if (reply.ok) p.resolve(reply.value);
          else p.reject(fromWire(reply.error));
        }
      });
      worker.on('error', (err) => {
        this.log.error({ err }, 'log writer thread failed');
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        this.worker = null;
        this.starting = null;
        if (!ready) reject(new Error(`log writer thread exited with code ${code} before it was ready`));
        if (this.pending.size > 0) {
          if (!this.closed) this.log.error({ code }, 'log writer thread exited with writes in flight');
          const lost = new IngestError(503, 'the log writer stopped; retry', null, null, 'unavailable');
          for (const p of this.pending.values()) p.reject(lost);
          this.pending.clear();
        }
      });
    });
    return this.starting;
  }

  private async request<T>(
    message: DistributiveOmit<Exclude<WriterRequest, { op: 'close' }>, 'id'>,
  ): Promise<T> {
    if (this.closed) throw new IngestError(503, 'the exporter is shutting down', null, null, 'unavailable');
    const worker = this.worker ?? (await this.thread());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  }

  writePredictions(records: readonly PredictionRecord[]): Promise<InsertResult> {
    return this.request({ op: 'predictions', rows: toRowBatch(records) });
  }

  writeFeedback(records: readonly FeedbackRecord[]): Promise<number> {
    return this.request({ op: 'feedback', rows: records as FeedbackRecord[] });
  }

  /**
   * One short transaction per request, so ingest batches queued meanwhile are written between them
   * instead of waiting for the whole deletion.
   */
  async prune(before: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < PRUNE_MAX_BATCHES && !this.closed; i++) {
      const n = await this.request<number>({ op: 'prune', before });
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  /** Waits for the writes in flight, then ends the thread (which closes its connection). */
  async close(): Promise<void> {
    this.closed = true;
    const inFlight = [...this.pending.values()].map(
      (p) =>
        new Promise<void>((done) => {
          const { resolve, reject } = p;
          p.resolve = (v) => {
            resolve(v);
            done();
          };
          p.reject = (e) => {
            reject(e);
            done();
          };
        }),
    );
    await Promise.all(inFlight);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ op: 'close' });
    });
  }
}
