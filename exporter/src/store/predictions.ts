/**
 * Writes to the prediction log. A batch is one transaction: all items are stored or none.
 * A prediction_id already stored with identical content is an idempotent success (not counted
 * twice); with different content the batch fails with 409 naming the item.
 */
import { IngestError } from '../ingest/errors';
import type { FeedbackRecord, PredictionRecord } from '../ingest/validate';
import type { DB } from './db';

interface StoredPrediction {
  model_version: string | null;
  ts: number;
  features: string;
  prediction: string | null;
  score: number | null;
  attributes: string | null;
  latency_seconds: number | null;
}

export interface InsertResult {
  /** New rows written. */
  inserted: number;
  /** Items that were already stored with identical content. */
  duplicates: number;
  /** Row id per record, 0 for a duplicate (not written again). */
  ids: number[];
}

export class PredictionWriter {
  private readonly insert;
  private readonly existing;
  private readonly insertFeedback;
  private readonly batch;
  private readonly feedbackBatch;

  constructor(db: DB) {
    this.insert = db.prepare(
      `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, prediction_id) DO NOTHING`,
    );
    this.existing = db.prepare<[string, string], StoredPrediction>(
      `SELECT model_version, ts, features, prediction, score, attributes, latency_seconds
       FROM predictions WHERE model = ? AND prediction_id = ?`,
    );
    // REPLACE gives a corrected label a new id, so the incremental reader sees the correction.
    this.insertFeedback = db.prepare(
      'INSERT OR REPLACE INTO feedback (model, prediction_id, label, ts) VALUES (?, ?, ?, ?)',
    );
    this.batch = db.transaction((records: readonly PredictionRecord[]): InsertResult => {
      let inserted = 0;
      const ids = new Array<number>(records.length).fill(0);
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const info = this.insert.run(
          r.model,
          r.model_version,
          r.prediction_id,
          r.ts,
          r.featuresJson,
          r.predictionJson,
          r.score,
          r.attributesJson,
          r.latency_seconds,
        );
        if (info.changes === 1) {
          inserted++;
          ids[i] = Number(info.lastInsertRowid);
          continue;
        }
        const stored = this.existing.get(r.model, r.prediction_id);
        if (!stored || !sameContent(stored, r)) {
          throw new IngestError(
            409,
            `prediction_id "${r.prediction_id}" of model "${r.model}" is already stored with different content`,
            i,
            'prediction_id',
            'conflict',
          );
        }
      }
      return { inserted, duplicates: records.length - inserted, ids };
    });
    this.feedbackBatch = db.transaction((records: readonly FeedbackRecord[]) => {
      for (const r of records) this.insertFeedback.run(r.model, r.prediction_id, r.labelJson, r.ts);
      return records.length;
    });
  }

  /** Writes the batch in one immediate transaction; throws IngestError(409) and writes nothing on conflict. */
  writePredictions(records: readonly PredictionRecord[]): InsertResult {
    return this.batch.immediate(records);
  }

  writeFeedback(records: readonly FeedbackRecord[]): number {
    return this.feedbackBatch.immediate(records);
  }
}

function sameContent(stored: StoredPrediction, r: PredictionRecord): boolean {
  if (r.tsProvided && stored.ts !== r.ts) return false;
  if ((stored.model_version ?? null) !== r.model_version) return false;
  if ((stored.score ?? null) !== r.score) return false;
  if (r.latency_seconds !== null && stored.latency_seconds !== r.latency_seconds) return false;
  if (stored.prediction !== r.predictionJson && !sameJson(stored.prediction, r.predictionJson)) return false;
  if (stored.features !== r.featuresJson && !sameJson(stored.features, r.featuresJson)) return false;
  return stored.attributes === r.attributesJson || sameJson(stored.attributes, r.attributesJson);
}

/** Compares two JSON texts of scalars or flat objects regardless of key order. */
function sameJson(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const x: unknown = JSON.parse(a);
  const y: unknown = JSON.parse(b);
  if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) return x === y;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  const ox = x as Record<string, unknown>;
  const oy = y as Record<string, unknown>;
  return kx.every((k) => Object.hasOwn(oy, k) && ox[k] === oy[k]);
}
