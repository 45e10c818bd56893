import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestError } from '../ingest/errors';
import { validateFeedback, validatePredictions } from '../ingest/validate';
import { item, tempDir } from '../testing';
import { DatabaseOpenError, type DB, openDatabase } from './db';
import { MIGRATIONS } from './migrations';
import { PredictionWriter } from './predictions';
import { LogReader, pruneLog } from './reader';
import { ReferenceStore } from './references';

let dir: string;
let cleanup: () => void;
let db: DB;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  db = openDatabase(join(dir, 'log.db'));
});
afterEach(() => {
  db.close();
  cleanup();
});

const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const records = (items: unknown[]) => validatePredictions(items, 1_700_000_000, 100);

describe('opening the log', () => {
  it('uses WAL, synchronous=NORMAL and records the schema version', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const columns = (db.prepare('PRAGMA table_info(predictions)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).toEqual([
      'id',
      'model',
      'model_version',
      'prediction_id',
      'ts',
      'features',
      'prediction',
      'score',
      'attributes',
      'latency_seconds',
    ]);
  });

  it('re-opening applies no migration twice and keeps data', () => {
    new PredictionWriter(db).writePredictions(records([item(1)]));
    db.close();
    db = openDatabase(join(dir, 'log.db'));
    expect(count('predictions')).toBe(1);
  });

  it('fails clearly on a file that is not a database', () => {
    const path = join(dir, 'corrupt.db');
    writeFileSync(
      path,
      'this is definitely not an SQLite database file, just text padding it out '.repeat(100),
    );
    expect(() => openDatabase(path)).toThrow(DatabaseOpenError);
    expect(() => openDatabase(path)).toThrow(/not a modelwatch SQLite database or is corrupt/);
  });

  it('fails clearly on a schema newer than this version', () => {
    const path = join(dir, 'newer.db');
    const other = new Database(path);
    other.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    other.close();
    expect(() => openDatabase(path)).toThrow(/newer than this modelwatch/);
  });

  it('fails clearly when another process holds an exclusive lock', async () => {
    const path = join(dir, 'locked.db');
    openDatabase(path).close();
    // A real second process (the sqlite3 shell) takes an exclusive lock and holds it.
    const holder = spawn('sqlite3', [path], { stdio: ['pipe', 'pipe', 'inherit'] });
    holder.stdin.write("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT 'locked';\n");
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    try {
      expect(() => openDatabase(path, { busyTimeout: 0.2 })).toThrow(/locked by another process/);
    } finally {
      holder.kill();
    }
  });
});

describe('writing predictions', () => {
  it('writes a batch in one transaction', () => {
    const w = new PredictionWriter(db);
    expect(w.writePredictions(records([item(1), item(2), item(3)]))).toEqual({
      inserted: 3,
      duplicates: 0,
      ids: [1, 2, 3],
    });
    expect(count('predictions')).toBe(3);
  });

  it('treats an identical re-send as an idempotent success', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(records([item(1), item(2)]));
    // Same content with the features in a different key order, plus one new item (the skipped
    // duplicate still consumes an AUTOINCREMENT id, so the new row is 4).
    const reordered = item(1, { features: { color: 'green', z: Math.sin(1), y: 7, x: 1 } });
    expect(w.writePredictions(records([reordered, item(3)]))).toEqual({
      inserted: 1,
      duplicates: 1,
      ids: [0, 4],
    });
    expect(count('predictions')).toBe(3);
  });

  it('rejects a prediction_id stored with different content and writes nothing of the batch', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(records([item(1)]));
    let error: IngestError | undefined;
    try {
      w.writePredictions(records([item(5), item(6), item(1, { score: 0.99 })]));
    } catch (e) {
      error = e as IngestError;
    }
    expect(error).toBeInstanceOf(IngestError);
    expect(error!.status).toBe(409);
    expect(error!.toJSON()).toMatchObject({ index: 2, field: 'prediction_id' });
    expect(count('predictions')).toBe(1);
  });

  it('detects a conflict inside one batch', () => {
    const w = new PredictionWriter(db);
    expect(() => w.writePredictions(records([item(1), item(1, { prediction: 5 })]))).toThrow(IngestError);
    expect(count('predictions')).toBe(0);
    expect(w.writePredictions(records([item(1), item(1)]))).toEqual({
      inserted: 1,
      duplicates: 1,
      ids: [1, 0],
    });
  });

  it('behaves the same through the multi-row statements used for large batches', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(records([item(5), item(60)]));
    // 130 records: two full chunks of 50 and 30 single rows; stored duplicates (p5, p60) inside the
    // chunks and a duplicate pair within the first chunk (p10 twice).
    const batch = Array.from({ length: 130 }, (_, i) => item(i));
    batch[20] = item(10);
    const result = w.writePredictions(records(batch));
    expect(result.duplicates).toBe(3);
    expect(result.inserted).toBe(127);
    expect([result.ids[5], result.ids[60], result.ids[20]]).toEqual([0, 0, 0]);
    const written = result.ids.filter((id) => id > 0);
    expect(written).toEqual([...written].sort((a, b) => a - b)); // ids follow the record order
    expect(new Set(written).size).toBe(127);
    expect(count('predictions')).toBe(129);
    // Every id handed back is the stored row's: full chunks (consecutive ids), a chunk with skipped
    // duplicates (ids with gaps), and the single-row tail.
    const idOf = db
      .prepare<[string], number>("SELECT id FROM predictions WHERE model = 'm1' AND prediction_id = ?")
      .pluck();
    result.ids.forEach((id, i) => {
      if (i !== 20 && i !== 5 && i !== 60) expect(id).toBe(idOf.get(`p${i}`));
    });
    const fresh = w.writePredictions(records(Array.from({ length: 100 }, (_, i) => item(500 + i))));
    expect(fresh.ids).toEqual(Array.from({ length: 100 }, (_, i) => idOf.get(`p${500 + i}`)));

    // A conflict in the second chunk: 409 naming its index, nothing of the batch written.
    const next = Array.from({ length: 120 }, (_, i) => item(1000 + i));
    next[77] = item(42, { score: 0.999 });
    let error: IngestError | undefined;
    try {
      w.writePredictions(records(next));
    } catch (e) {
      error = e as IngestError;
    }
    expect(error?.status).toBe(409);
    expect(error?.toJSON()).toMatchObject({ index: 77, field: 'prediction_id' });
    expect(count('predictions')).toBe(229);
  });

  it('compares the timestamp only when the client sent one', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(validatePredictions([item(1, { ts: undefined })], 100, 10));
    expect(w.writePredictions(validatePredictions([item(1, { ts: undefined })], 200, 10)).duplicates).toBe(1);
    expect(() => w.writePredictions(validatePredictions([item(1, { ts: 300 })], 200, 10))).toThrow(
      /different content/,
    );
  });

  it('replaces a corrected label and gives it a new id', () => {
    const w = new PredictionWriter(db);
    w.writeFeedback(validateFeedback([{ model: 'm1', prediction_id: 'p1', label: 0 }], 1));
    w.writeFeedback(validateFeedback([{ model: 'm1', prediction_id: 'p1', label: 1 }], 2));
    const rows = db.prepare('SELECT id, label FROM feedback').all() as { id: number; label: string }[];
    expect(rows).toEqual([{ id: 2, label: '1' }]);
  });
});

describe('reading incrementally', () => {
  it('follows rows by id, whoever wrote them, without re-reading', () => {
    const w = new PredictionWriter(db);
    const reader = new LogReader(db);
    w.writePredictions(records([item(1), item(2)]));
    expect(reader.readNew().map((r) => r.prediction_id)).toEqual(['p1', 'p2']);
    expect(reader.readNew()).toEqual([]);
    // A model server writing the log directly with its own connection.
    const direct = new Database(join(dir, 'log.db'));
    direct
      .prepare(
        'INSERT INTO predictions (model, prediction_id, ts, features, prediction, score) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run('m2', 'd1', 1_700_000_100, '{"x": 3.5}', '1', 0.7);
    direct
      .prepare('INSERT INTO predictions (model, prediction_id, ts, features) VALUES (?, ?, ?, ?)')
      .run('m2', 'bad', 1, 'not json');
    direct.close();
    const rows = reader.readNew();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      model: 'm2',
      prediction_id: 'd1',
      features: { x: 3.5 },
      prediction: 1,
      score: 0.7,
    });
    expect(reader.malformed).toBe(1);
    expect(reader.cursor).toBe(4);
  });

  it('reads in pages of the given size', () => {
    new PredictionWriter(db).writePredictions(records(Array.from({ length: 25 }, (_, i) => item(i))));
    const reader = new LogReader(db);
    expect(reader.readNew(10)).toHaveLength(10);
    expect(reader.readNew(10)).toHaveLength(10);
    expect(reader.readNew(10)).toHaveLength(5);
  });

  it('lists models by index skip-scan and tails one model', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(
      records([item(1), item(2, { model: 'b' }), item(3), item(4, { model: 'a' }), item(5)]),
    );
    const reader = new LogReader(db);
    expect(reader.models()).toEqual(['a', 'b', 'm1']);
    expect([...reader.tail('m1', 2)].map((r) => r.prediction_id)).toEqual(['p3', 'p5']);
    expect([...reader.tail('m1', 10, 1_700_000_004)].map((r) => r.prediction_id)).toEqual(['p5']);
    expect([...reader.tail('m1', 3)].map((r) => r.prediction_id)).toEqual(['p1', 'p3', 'p5']);
    expect([...reader.tail('m1', 1, 1_700_000_002)].map((r) => r.prediction_id)).toEqual(['p5']);
    expect([...reader.tail('m1', 5, 1_700_000_002)].map((r) => r.prediction_id)).toEqual(['p3', 'p5']);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM predictions WHERE model = ? ORDER BY id DESC LIMIT 5')
      .all('m1') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX predictions_model_id/);
  });

  it('prunes rows older than the horizon in batches', () => {
    new PredictionWriter(db).writePredictions(records(Array.from({ length: 30 }, (_, i) => item(i))));
    expect(pruneLog(db, 1_700_000_010, 4)).toBe(10);
    expect(count('predictions')).toBe(20);
  });
});

describe('reference store', () => {
  it('keeps one active reference per model and survives re-opening', () => {
    const refs = new ReferenceStore(db);
    refs.save('m1', 'a', { kind: 'upload', format: 'csv' }, 10, { hello: 1 }, 100);
    const b = refs.save('m1', 'b', { kind: 'log', from_ts: 1, to_ts: 2 }, 20, { hello: 2 }, 200);
    expect(refs.active('m1')).toMatchObject({ id: b.id, name: 'b', rows: 20, profile: { hello: 2 } });
    expect(refs.activeIds()).toEqual(new Map([['m1', b.id]]));
    db.close();
    db = openDatabase(join(dir, 'log.db'));
    expect(new ReferenceStore(db).active('m1')).toMatchObject({
      name: 'b',
      source: { kind: 'log', from_ts: 1, to_ts: 2 },
    });
    expect(new ReferenceStore(db).list('m1').map((r) => r.name)).toEqual(['a', 'b']);
  });
});
