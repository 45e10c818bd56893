/**
 * The benchmarks' prediction rows: 20 features (16 numeric, every fifth categorical over 5 values), a 0/1
 * prediction, a score and a latency, from a seeded generator, so every part (HTTP ingest, the raw insert
 * baseline, the logs written directly for the memory and restart parts, the references) uses one shape.
 */
import { openDatabase } from '../../exporter/src/store/db';

export const FEATURES = 20;
export const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'] as const;

export interface Row {
  model: string;
  model_version: string;
  prediction_id: string;
  ts: number;
  features: Record<string, number | string>;
  prediction: number;
  score: number;
  latency_seconds: number;
}

export interface RowOptions {
  seed: number;
  model?: string;
  /** prediction_id = prefix + index. */
  idPrefix?: string;
  /** ts of the first row (Unix seconds) and the step between rows. */
  ts0?: number;
  tsStep?: number;
  /** Index of the first row (ids and timestamps continue from there). */
  start?: number;
}

/**
 * A linear congruential generator in [0, 1) (cheap, seeded, the same sequence on every machine):
 * s ← (1103515245·s + 12345) mod 2³¹ in exact integer arithmetic (Math.imul keeps the low 32 bits of the
 * product), period 2³¹. Computed in floating point instead, the product loses its low bits and the
 * sequence falls into a cycle of ~10,000 values.
 */
export function lcg(seed: number): () => number {
  let s = seed & 0x7fffffff;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) & 0x7fffffff;
    return s / 2_147_483_648;
  };
}

/** Rows one at a time (for logs too large to hold as objects). */
export class RowGenerator {
  private readonly rand: () => number;
  private i: number;
  private readonly model: string;
  private readonly idPrefix: string;
  private readonly ts0: number;
  private readonly tsStep: number;

  constructor(opts: RowOptions) {
    this.rand = lcg(opts.seed);
    this.i = opts.start ?? 0;
    this.model = opts.model ?? 'bench';
    this.idPrefix = opts.idPrefix ?? '';
    this.ts0 = opts.ts0 ?? Date.now() / 1000;
    this.tsStep = opts.tsStep ?? 1e-4;
  }

  next(): Row {
    const rand = this.rand;
    const features: Record<string, number | string> = {};
    for (let f = 0; f < FEATURES; f++)
      features[`f${f}`] = f % 5 === 4 ? CATEGORIES[Math.floor(rand() * 5)]! : Math.round(rand() * 1e6) / 1e3;
    const i = this.i++;
    return {
      model: this.model,
      model_version: 'v1',
      prediction_id: `${this.idPrefix}${i}`,
      ts: this.ts0 + i * this.tsStep,
      features,
      prediction: rand() < 0.5 ? 1 : 0,
      score: Math.round(rand() * 1e4) / 1e4,
      latency_seconds: 0.01,
    };
  }
}

export function makeRows(count: number, opts: RowOptions): Row[] {
  const gen = new RowGenerator(opts);
  return Array.from({ length: count }, () => gen.next());
}

/** NDJSON body of rows (one prediction object per line, as the ingest API and reference uploads take). */
export function ndjson(rows: readonly Row[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

/**
 * NDJSON request bodies of `batch` rows each, encoded once. A load generator should hold bytes rather
 * than row objects while it measures: with a few hundred thousand row objects alive, its own major
 * garbage collections took a core from the server under test every few seconds (throughput dips of
 * half, at the same rows in every run).
 */
export function ndjsonBodies(rows: readonly Row[], batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < rows.length; i += batch) bodies.push(Buffer.from(ndjson(rows.slice(i, i + batch))));
  return bodies;
}

/** Runs a full garbage collection when node was started with --expose-gc (the bench scripts are). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export const INSERT_SQL = `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A row as the INSERT's parameters (JSON columns serialised). */
export function tuple(r: Row) {
  return [
    r.model,
    r.model_version,
    r.prediction_id,
    r.ts,
    JSON.stringify(r.features),
    JSON.stringify(r.prediction),
    r.score,
    null,
    r.latency_seconds,
  ] as const;
}

export interface LogSpec {
  /** Models and their rows; each model's rows end `ageSeconds` before now, 1 ms apart by default. */
  models: { name: string; rows: number }[];
  seed?: number;
  /** Rows per transaction. */
  transaction?: number;
  tsStep?: number;
}

/**
 * Writes a prediction log directly with better-sqlite3 (the schema the exporter migrates to), in large
 * transactions, generating rows as it goes; checkpoints the WAL so the file is complete on its own.
 * Returns the rows written per second (generation included).
 */
export function writeLog(path: string, spec: LogSpec): { rows: number; seconds: number } {
  const db = openDatabase(path);
  const insert = db.prepare(INSERT_SQL);
  const per = spec.transaction ?? 50_000;
  const step = spec.tsStep ?? 1e-3;
  const started = performance.now();
  let total = 0;
  try {
    spec.models.forEach((m, k) => {
      const gen = new RowGenerator({
        seed: (spec.seed ?? 777) + k,
        model: m.name,
        idPrefix: 'p',
        ts0: Date.now() / 1000 - m.rows * step - 1,
        tsStep: step,
      });
      const tx = db.transaction((n: number) => {
        for (let i = 0; i < n; i++) insert.run(...tuple(gen.next()));
      });
      for (let done = 0; done < m.rows; done += per) tx.immediate(Math.min(per, m.rows - done));
      total += m.rows;
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { rows: total, seconds: (performance.now() - started) / 1000 };
}

/** A reference data set for `model` in NDJSON (prediction-shaped rows, same distribution as the log). */
export function referenceNdjson(rows: number, seed: number): string {
  return ndjson(makeRows(rows, { seed, model: 'reference', idPrefix: 'ref' }));
}
