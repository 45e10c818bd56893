/**
 * Incremental reading of the log by `id` (docs/log-schema.md): the exporter never rescans the table.
 * At start-up it loads each model's most recent rows through the (model, id) index, then follows
 * new rows with `id > cursor`, whoever wrote them (the HTTP API or a model server writing directly).
 */
import type { Scalar } from '../ingest/validate';
import type { DB } from './db';

export interface LogRow {
  id: number;
  model: string;
  model_version: string | null;
  prediction_id: string;
  ts: number;
  features: Record<string, unknown>;
  prediction: unknown;
  score: number | null;
  attributes: Record<string, unknown> | null;
  latency_seconds: number | null;
}

export interface FeedbackRow {
  id: number;
  model: string;
  prediction_id: string;
  label: Scalar | null;
  ts: number;
}

type RawRow = [
  number,
  string,
  string | null,
  string,
  number,
  string,
  string | null,
  number | null,
  string | null,
  number | null,
];

const COLUMNS =
  'id, model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds';

export class LogReader {
  /** Highest prediction id consumed. */
  cursor = 0;
  feedbackCursor = 0;
  /** Rows whose JSON columns could not be parsed (written directly by a faulty writer); skipped. */
  malformed = 0;
  private readonly next;
  private readonly nextUpTo;
  private readonly nextFeedback;
  private readonly tailStart;
  private readonly tailStartSince;
  private readonly tailStmt;
  private readonly tailSince;

  constructor(private readonly db: DB) {
    this.next = db
      .prepare<[number, number], RawRow>(
        `SELECT ${COLUMNS} FROM predictions WHERE id > ? ORDER BY id LIMIT ?`,
      )
      .raw();
    this.nextUpTo = db
      .prepare<[number, number, number], RawRow>(
        `SELECT ${COLUMNS} FROM predictions WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
      )
      .raw();
    this.nextFeedback = db
      .prepare<[number, number], [number, string, string, string, number]>(
        'SELECT id, model, prediction_id, label, ts FROM feedback WHERE id > ? ORDER BY id LIMIT ?',
      )
      .raw();
    this.tailStart = db.prepare<[string, number], { id: number }>(
      'SELECT id FROM predictions WHERE model = ? ORDER BY id DESC LIMIT 1 OFFSET ?',
    );
    this.tailStartSince = db.prepare<[string, number, number], { id: number }>(
      'SELECT id FROM predictions WHERE model = ? AND ts >= ? ORDER BY id DESC LIMIT 1 OFFSET ?',
    );
    this.tailStmt = db
      .prepare<[string, number], RawRow>(
        `SELECT ${COLUMNS} FROM predictions WHERE model = ? AND id >= ? ORDER BY id`,
      )
      .raw();
    this.tailSince = db
      .prepare<[string, number, number], RawRow>(
        `SELECT ${COLUMNS} FROM predictions WHERE model = ? AND id >= ? AND ts >= ? ORDER BY id`,
      )
      .raw();
  }

  /** Distinct models, by a skip-scan over the (model, id) index: O(models · log n), not a table scan. */
  models(): string[] {
    return this.db
      .prepare<[], { model: string }>(
        `WITH RECURSIVE m(model) AS (
           SELECT (SELECT min(model) FROM predictions)
           UNION ALL
           SELECT (SELECT min(model) FROM predictions WHERE model > m.model) FROM m WHERE m.model IS NOT NULL
         ) SELECT model FROM m WHERE model IS NOT NULL`,
      )
      .all()
      .map((r) => r.model);
  }

  maxIds(): { predictions: number; feedback: number } {
    const p = this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM predictions').get();
    const f = this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM feedback').get();
    return { predictions: p?.id ?? 0, feedback: f?.id ?? 0 };
  }

  /**
   * The model's newest `limit` rows (optionally only ts ≥ since), oldest first, one at a time: the
   * start-up load of a 100k-row window never holds all the decoded rows at once (memory peak).
   */
  *tail(model: string, limit: number, since?: number): Generator<LogRow> {
    if (limit <= 0) return;
    const start =
      since === undefined
        ? this.tailStart.get(model, limit - 1)
        : this.tailStartSince.get(model, since, limit - 1);
    const from = start?.id ?? 0; // fewer rows than the limit: all of them
    const raw =
      since === undefined ? this.tailStmt.iterate(model, from) : this.tailSince.iterate(model, from, since);
    for (const r of raw) {
      const row = this.decode(r);
      if (row) yield row;
    }
  }

  /**
   * The model's predictions with ts in [from, to] and their labels, oldest first, as records for a
   * reference taken from the log (`features`/`attributes` objects, `prediction`, `score`, `label`).
   */
  *rangeWithLabels(
    model: string,
    from: number,
    to: number,
    limit = 2_000_000,
  ): Generator<Record<string, unknown>> {
    const rows = this.db
      .prepare<
        [string, number, number, number],
        {
          features: string;
          prediction: string | null;
          score: number | null;
          attributes: string | null;
          label: string | null;
        }
      >(
        `SELECT p.features, p.prediction, p.score, p.attributes, f.label
         FROM predictions p LEFT JOIN feedback f ON f.model = p.model AND f.prediction_id = p.prediction_id
         WHERE p.model = ? AND p.ts >= ? AND p.ts <= ? ORDER BY p.id LIMIT ?`,
      )
      .iterate(model, from, to, limit);
    for (const r of rows) {
      yield {
        features: JSON.parse(r.features) as unknown,
        attributes: r.attributes === null ? {} : (JSON.parse(r.attributes) as unknown),
        prediction: r.prediction === null ? null : (JSON.parse(r.prediction) as unknown),
        score: r.score,
        label: r.label === null ? null : (JSON.parse(r.label) as unknown),
      };
    }
  }

  /** Rows written since the last call (at most `limit`, ids ≤ `upTo` when given); advances the cursor. */
  readNew(limit = 5000, upTo?: number): LogRow[] {
    const raw =
      upTo === undefined ? this.next.all(this.cursor, limit) : this.nextUpTo.all(this.cursor, upTo, limit);
    const rows: LogRow[] = [];
    for (const r of raw) {
      this.cursor = r[0];
      const row = this.decode(r);
      if (row) rows.push(row);
    }
    return rows;
  }

  readNewFeedback(limit = 5000): FeedbackRow[] {
    const raw = this.nextFeedback.all(this.feedbackCursor, limit);
    const rows: FeedbackRow[] = [];
    for (const [id, model, predictionId, label, ts] of raw) {
      this.feedbackCursor = id;
      try {
        rows.push({ id, model, prediction_id: predictionId, label: JSON.parse(label) as Scalar | null, ts });
      } catch {
        this.malformed++;
      }
    }
    return rows;
  }

  private decode(r: RawRow): LogRow | null {
    try {
      const features = JSON.parse(r[5]) as unknown;
      if (typeof features !== 'object' || features === null || Array.isArray(features))
        throw new Error('features');
      const attributes = r[8] === null ? null : (JSON.parse(r[8]) as unknown);
      return {
        id: r[0],
        model: r[1],
        model_version: r[2],
        prediction_id: r[3],
        ts: r[4],
        features: features as Record<string, unknown>,
        prediction: r[6] === null ? null : (JSON.parse(r[6]) as unknown),
        score: r[7],
        attributes:
          attributes !== null && typeof attributes === 'object' && !Array.isArray(attributes)
            ? (attributes as Record<string, unknown>)
            : null,
        latency_seconds: r[9],
      };
    } catch {
      this.malformed++;
      return null;
    }
  }
}

/** Deletes predictions and feedback older than `before` in small batches (one short transaction each). */
export function pruneLog(db: DB, before: number, batch = 2000, maxBatches = 50): number {
  const predictions = db.prepare(
    'DELETE FROM predictions WHERE id IN (SELECT id FROM predictions WHERE ts < ? ORDER BY id LIMIT ?)',
  );
  const feedback = db.prepare(
    'DELETE FROM feedback WHERE id IN (SELECT id FROM feedback WHERE ts < ? ORDER BY id LIMIT ?)',
  );
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = predictions.run(before, batch).changes + feedback.run(before, batch).changes;
    total += n;
    if (n === 0) break;
  }
  return total;
}
