/** Past evaluations (audit trail, GET …/history) and retraining requests, under the retention policy. */
import type { DB } from './db';

export interface HistoryEntry<R = unknown> {
  id: number;
  model: string;
  ts: number;
  status: string;
  report: R;
}

export interface RetrainRequest {
  id: number;
  model: string;
  ts: number;
  source: string;
  reason: unknown;
}

export class HistoryStore {
  private readonly insertEvaluation;
  private readonly insertRetrain;

  constructor(private readonly db: DB) {
    this.insertEvaluation = db.prepare(
      'INSERT INTO evaluations (model, ts, status, report) VALUES (?, ?, ?, ?)',
    );
    this.insertRetrain = db.prepare(
      'INSERT INTO retraining_requests (model, ts, source, reason) VALUES (?, ?, ?, ?)',
    );
  }

  /** `report`: the report's JSON text (serialised by the caller, so it crosses threads as a string). */
  record(model: string, ts: number, status: string, report: string): void {
    this.insertEvaluation.run(model, ts, status, report);
  }

  query(model: string, from: number, to: number, limit: number): HistoryEntry[] {
    return this.db
      .prepare<
        [string, number, number, number],
        { id: number; model: string; ts: number; status: string; report: string }
      >(
        'SELECT id, model, ts, status, report FROM evaluations WHERE model = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT ?',
      )
      .all(model, from, to, limit)
      .map((r) => ({ ...r, report: JSON.parse(r.report) as unknown }));
  }

  /** `reason`: JSON text. */
  recordRetrain(model: string, ts: number, source: string, reason: string): number {
    return Number(this.insertRetrain.run(model, ts, source, reason).lastInsertRowid);
  }

  retrainRequests(model: string, limit = 100): RetrainRequest[] {
    return this.db
      .prepare<
        [string, number],
        { id: number; model: string; ts: number; source: string; reason: string | null }
      >('SELECT * FROM retraining_requests WHERE model = ? ORDER BY id DESC LIMIT ?')
      .all(model, limit)
      .map((r) => ({ ...r, reason: r.reason === null ? null : (JSON.parse(r.reason) as unknown) }));
  }

  /** Deletes evaluations and retraining requests older than `before` in small batches; returns rows deleted. */
  prune(before: number, batch = 1000): number {
    let total = 0;
    for (const table of ['evaluations', 'retraining_requests']) {
      const stmt = this.db.prepare(
        `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ts < ? LIMIT ?)`,
      );
      for (;;) {
        const n = stmt.run(before, batch).changes;
        total += n;
        if (n < batch) break;
      }
    }
    return total;
  }
}
