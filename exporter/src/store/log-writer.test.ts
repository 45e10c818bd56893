import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestError } from '../ingest/errors';
import { validateFeedback, validatePredictions } from '../ingest/validate';
import { item, silentLogger, tempDir } from '../testing';
import { type DB, openDatabase } from './db';
import { ThreadLogWriter } from './log-writer';

let dir: string;
let cleanup: () => void;
let db: DB;
let path: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'log.db');
  db = openDatabase(path);
});
afterEach(() => {
  db.close();
  cleanup();
});

const records = (items: unknown[]) => validatePredictions(items, 1_700_000_000, 100);
const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('the writer thread', () => {
  it('commits batches in order and answers with the row ids', async () => {
    const writer = await ThreadLogWriter.start(path, { busyTimeout: 5 }, silentLogger);
    const batches = [0, 1, 2, 3].map((b) =>
      records(Array.from({ length: 120 }, (_, i) => item(b * 120 + i))),
    );
    const results = await Promise.all(batches.map((b) => writer.writePredictions(b)));
    await writer.close();
    expect(results.map((r) => r.inserted)).toEqual([120, 120, 120, 120]);
    // ids are contiguous per batch and increase from batch to batch (the engine relies on it)
    const ids = results.flatMap((r) => r.ids);
    expect(ids).toEqual(Array.from({ length: 480 }, (_, i) => ids[0]! + i));
    expect(count('predictions')).toBe(480);
  });

  it('brings a conflict back as the same IngestError and writes nothing of that batch', async () => {
    const writer = await ThreadLogWriter.start(path, { busyTimeout: 5 }, silentLogger);
    await writer.writePredictions(records([item(1)]));
    const err = await writer
      .writePredictions(records([item(2), item(1, { prediction: 9 })]))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({ status: 409, index: 1, field: 'prediction_id', reason: 'conflict' });
    expect(
      await writer.writeFeedback(validateFeedback([{ model: 'm1', prediction_id: 'p1', label: 1 }], 5)),
    ).toBe(1);
    await writer.close();
    expect(count('predictions')).toBe(1);
    expect(count('feedback')).toBe(1);
  });

  it('prunes in batches interleaved with writes, and close waits for writes already handed over', async () => {
    const writer = await ThreadLogWriter.start(path, { busyTimeout: 5 }, silentLogger);
    await writer.writePredictions(records(Array.from({ length: 2500 }, (_, i) => item(i, { ts: 1000 + i }))));
    const pruned = writer.prune(1000 + 2400);
    const during = writer.writePredictions(records([item(99_999, { ts: 5000 })]));
    expect(await pruned).toBe(2400);
    expect((await during).inserted).toBe(1);
    // a pass still running when the exporter stops ends after its current batch
    const stopped = writer.prune(1000 + 2450);
    const late = writer.writePredictions(records([item(99_998, { ts: 5000 })]));
    const closing = writer.close();
    expect(await stopped).toBe(50);
    expect((await late).inserted).toBe(1);
    await closing;
    expect(count('predictions')).toBe(52);
    await expect(writer.writePredictions(records([item(7)]))).rejects.toMatchObject({ status: 503 });
  });

  it('fails at start when the database cannot be opened', async () => {
    await expect(
      ThreadLogWriter.start(join(dir, 'missing', 'x.db'), { busyTimeout: 5 }, silentLogger),
    ).rejects.toThrow(/cannot open database/);
  });
});
