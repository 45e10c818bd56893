/**
 * Writes to the prediction log. A batch is one transaction: all items are stored or none.
 * A prediction_id already stored with identical content is an idempotent success (not counted
 * twice); with different content the batch fails with 409 naming the item.
 */
import type { IngestSource } from '../ingest/body';
import { IngestError } from '../ingest/errors';
import { storedMemberText } from '../ingest/member-text';
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

/** Rows per multi-row INSERT statement (9 parameters each, well below SQLite's limit). */
const CHUNK = 50;

/**
 * A validated batch as the log stores it, column by column: strings and typed arrays only, so it
 * crosses to the writer thread as a cheap structured clone (about 0.6 µs per 20-feature row, against
 * 3 µs for the same rows as objects). NaN stands for a missing score or latency.
 */
export interface RowBatch {
  length: number;
  model: string[];
  model_version: (string | null)[];
  prediction_id: string[];
  ts: Float64Array;
  /** 1 when the client sent `ts` (a re-send without it is compared without the timestamp). */
  tsProvided: Uint8Array;
  /** null: taken from the item's line in `source` on the writing thread (resolveFeatures). */
  features: (string | null)[];
  /** PredictionRecord.featureQuotes per row (a sliced text must have exactly as many quotes). */
  featureQuotes: Int32Array;
  prediction: string[];
  score: Float64Array;
  attributes: (string | null)[];
  latency: Float64Array;
  /** The NDJSON body the batch was parsed from, when any features text is left null. */
  source: IngestSource | null;
}

export function toRowBatch(records: readonly PredictionRecord[], source?: IngestSource): RowBatch {
  const n = records.length;
  const batch: RowBatch = {
    length: n,
    model: new Array(n),
    model_version: new Array(n),
    prediction_id: new Array(n),
    ts: new Float64Array(n),
    tsProvided: new Uint8Array(n),
    features: new Array(n),
    featureQuotes: new Int32Array(n),
    prediction: new Array(n),
    score: new Float64Array(n),
    attributes: new Array(n),
    latency: new Float64Array(n),
    source: source ?? null,
  };
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    batch.model[i] = r.model;
    batch.model_version[i] = r.model_version;
    batch.prediction_id[i] = r.prediction_id;
    batch.ts[i] = r.ts;
    batch.tsProvided[i] = r.tsProvided ? 1 : 0;
    batch.features[i] = r.featuresJson;
    batch.featureQuotes[i] = r.featureQuotes;
    batch.prediction[i] = r.predictionJson;
    batch.score[i] = r.score ?? Number.NaN;
    batch.attributes[i] = r.attributesJson;
    batch.latency[i] = r.latency_seconds ?? Number.NaN;
  }
  return batch;
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

function pushParams(out: unknown[], b: RowBatch, i: number): void {
  out.push(
    b.model[i],
    b.model_version[i],
    b.prediction_id[i],
    b.ts[i],
    b.features[i],
    b.prediction[i],
    orNull(b.score[i]!),
    b.attributes[i],
    orNull(b.latency[i]!),
  );
}

export class PredictionWriter {
  private readonly insert;
  private readonly insertMany;
  private readonly existing;
  private readonly idOf;
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
    this.insertMany = db.prepare<unknown[]>(
      `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
       VALUES ${Array(CHUNK).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (model, prediction_id) DO NOTHING`,
    );
    this.idOf = db
      .prepare<[string, string], number>('SELECT id FROM predictions WHERE model = ? AND prediction_id = ?')
      .pluck();
    this.batch = db.transaction((rows: RowBatch): InsertResult => {
      const ids = new Array<number>(rows.length).fill(0);
      let i = 0;
      // Full chunks in one statement each (1.5x faster than a statement per row); the rest row by row.
      for (; i + CHUNK <= rows.length; i += CHUNK) this.writeChunk(rows, i, ids);
      const values: unknown[] = [];
      for (; i < rows.length; i++) {
        values.length = 0;
        pushParams(values, rows, i);
        const info = this.insert.run(...values);
        if (info.changes === 1) ids[i] = Number(info.lastInsertRowid);
        else this.checkDuplicate(rows, i);
      }
      const inserted = ids.reduce((n, id) => n + (id > 0 ? 1 : 0), 0);
      return { inserted, duplicates: rows.length - inserted, ids };
    });
    this.feedbackBatch = db.transaction((records: readonly FeedbackRecord[]) => {
      for (const r of records) this.insertFeedback.run(r.model, r.prediction_id, r.labelJson, r.ts);
      return records.length;
    });
  }

  /**
   * Inserts records[from .. from+CHUNK) with one statement. When every row was new, their ids are
   * consecutive in VALUES order: the statement runs inside the batch's write transaction, and each
   * AUTOINCREMENT id is one more than the largest before it. Otherwise (a re-send) the chunk is
   * resolved row by row.
   */
  private writeChunk(rows: RowBatch, from: number, ids: number[]): void {
    const values: unknown[] = [];
    for (let k = from; k < from + CHUNK; k++) pushParams(values, rows, k);
    const info = this.insertMany.run(...values);
    if (info.changes === CHUNK) {
      const first = Number(info.lastInsertRowid) - CHUNK + 1;
      for (let k = 0; k < CHUNK; k++) ids[from + k] = first + k;
    } else {
      this.resolveChunk(rows, from, info.changes, ids);
    }
  }

  /**
   * A chunk where only `inserted` rows were new. Each record's stored id is looked up; since ids only
   * grow, the `inserted` largest distinct ones are this statement's rows (a skipped duplicate may have
   * used up an id, so they need not be consecutive). A record whose id is among them is the first
   * with its prediction_id; any other is a duplicate (of a stored row or of an earlier record of the
   * batch) and must have the same content, or the whole batch fails with 409.
   */
  private resolveChunk(rows: RowBatch, from: number, inserted: number, ids: number[]): void {
    const stored: number[] = [];
    for (let k = from; k < from + CHUNK; k++)
      stored.push(this.idOf.get(rows.model[k]!, rows.prediction_id[k]!)!);
    const fresh = new Set([...new Set(stored)].sort((a, b) => b - a).slice(0, inserted));
    for (let k = 0; k < CHUNK; k++) {
      const id = stored[k]!;
      if (fresh.delete(id)) ids[from + k] = id;
      else this.checkDuplicate(rows, from + k);
    }
  }

  /** A row that was not inserted: an idempotent re-send, or a 409 conflict. */
  private checkDuplicate(rows: RowBatch, index: number): void {
    const model = rows.model[index]!;
    const predictionId = rows.prediction_id[index]!;
    const stored = this.existing.get(model, predictionId);
    if (!stored || !sameContent(stored, rows, index)) {
      throw new IngestError(
        409,
        `prediction_id "${predictionId}" of model "${model}" is already stored with different content`,
        index,
        'prediction_id',
        'conflict',
      );
    }
  }

  /** Writes the batch in one immediate transaction; throws IngestError(409) and writes nothing on conflict. */
  writePredictions(records: readonly PredictionRecord[], source?: IngestSource): InsertResult {
    return this.writeRows(toRowBatch(records, source));
  }

  writeRows(rows: RowBatch): InsertResult {
    resolveFeatures(rows);
    return this.batch.immediate(rows);
  }

  writeFeedback(records: readonly FeedbackRecord[]): number {
    return this.feedbackBatch.immediate(records);
  }
}

/**
 * Fills in the features texts left to the writing thread, so that what is stored is exactly what the
 * main thread validated, for every spelling of every key. The client's own text of the object is
 * sliced from the item's line when it is the member JSON.parse took and has no repeated key
 * (storedMemberText: no escaped quote, and as many quotes as validation counted keys and string
 * values, so a reader that keeps the first of two duplicates, as SQLite's json_extract does, reads the
 * same values). Otherwise the line's parsed object is serialised again. Slicing here rather than on
 * the main thread moves ~1 µs per 20-feature row off the thread that parses and validates.
 */
export function resolveFeatures(b: RowBatch): void {
  const source = b.source;
  for (let i = 0; i < b.length; i++) {
    if (b.features[i] !== null) continue;
    if (!source) throw new Error(`row ${i}: features text left to the writer without its source line`);
    const line = source.text.slice(source.lines.start[i]!, source.lines.end[i]!);
    b.features[i] =
      storedMemberText(line, 'features', b.featureQuotes[i]!) ??
      JSON.stringify((JSON.parse(line) as { features: unknown }).features);
  }
}

function sameContent(stored: StoredPrediction, rows: RowBatch, i: number): boolean {
  if (rows.tsProvided[i] === 1 && stored.ts !== rows.ts[i]) return false;
  if ((stored.model_version ?? null) !== rows.model_version[i]) return false;
  if ((stored.score ?? null) !== orNull(rows.score[i]!)) return false;
  const latency = orNull(rows.latency[i]!);
  if (latency !== null && stored.latency_seconds !== latency) return false;
  const prediction = rows.prediction[i]!;
  if (stored.prediction !== prediction && !sameJson(stored.prediction, prediction)) return false;
  const features = rows.features[i] as string;
  if (stored.features !== features && !sameJson(stored.features, features)) return false;
  const attributes = rows.attributes[i] ?? null;
  return stored.attributes === attributes || sameJson(stored.attributes, attributes);
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
