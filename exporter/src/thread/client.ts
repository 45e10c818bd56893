/**
 * A worker thread that answers requests in order: the main thread's side. Used for the log writer
 * (SQLite commits) and the multivariate drift tests (CPU-heavy), so neither blocks the event loop that
 * serves scrapes and ingest. The thread's side is `serveThread` (serve.ts).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { IngestError } from '../ingest/errors';
import { startWorker } from './entries';

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

export type ThreadReply =
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

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** The caller's promise, settled by the two above. */
  settled: Promise<unknown>;
}

/**
 * Requests are answered in order. If the thread dies (it should not), the requests in flight fail with
 * 503 and the next request starts a new thread. After `close()` every request fails with 503.
 */
export class ThreadClient<Request extends object> {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  closed = false;

  private constructor(
    private readonly module: URL,
    private readonly data: Record<string, unknown>,
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  /** Starts the thread running `module` and waits until it is ready (its start-up error rejects here). */
  static async start<R extends object>(
    module: URL,
    data: Record<string, unknown>,
    log: Logger,
    name: string,
  ): Promise<ThreadClient<R>> {
    const client = new ThreadClient<R>(module, data, log, name);
    await client.thread();
    return client;
  }

  /** Requests in flight. */
  get busy(): number {
    return this.pending.size;
  }

  private thread(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker(this.module, this.data);
      let ready = false;
      worker.on('message', (reply: ThreadReply) => {
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
        this.log.error({ err }, `${this.name} thread failed`);
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        this.worker = null;
        this.starting = null;
        if (!ready) reject(new Error(`${this.name} thread exited with code ${code} before it was ready`));
        if (this.pending.size > 0) {
          if (!this.closed) this.log.error({ code }, `${this.name} thread exited with requests in flight`);
          const lost = new IngestError(503, `the ${this.name} stopped; retry`, null, null, 'unavailable');
          for (const p of this.pending.values()) p.reject(lost);
          this.pending.clear();
        }
      });
    });
    return this.starting;
  }

  async request<T>(message: Request): Promise<T> {
    if (this.closed) throw new IngestError(503, 'the exporter is shutting down', null, null, 'unavailable');
    const worker = this.worker ?? (await this.thread());
    const id = this.nextId++;
    let handlers!: Pick<Pending, 'resolve' | 'reject'>;
    const settled = new Promise<T>((resolve, reject) => {
      handlers = { resolve: resolve as (value: unknown) => void, reject };
    });
    this.pending.set(id, { ...handlers, settled });
    worker.postMessage({ ...message, id });
    return settled;
  }

  /** Waits for the requests in flight, then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending.values()].map((p) => p.settled));
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ op: 'close' });
    });
  }
}
