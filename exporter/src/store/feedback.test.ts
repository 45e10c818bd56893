import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateFeedback, validatePredictions } from '../ingest/validate';
import { item, tempDir } from '../testing';
import { type DB, openDatabase } from './db';
import { FeedbackStore, LABELS_FOR_ROWS_SQL } from './feedback';
import { PredictionWriter } from './predictions';

let cleanup: () => void;
let db: DB;
beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  db = openDatabase(join(t.dir, 'log.db'));
});
afterEach(() => {
  db.close();
  cleanup();
});

const labels = (items: { model?: string; prediction_id: string; label: unknown }[], ts = 1) =>
  validateFeedback(
    items.map((i) => ({ model: 'm1', ...i })),
    ts,
  );

describe('reading labels back at start-up', () => {
  it('gives the latest label of each prediction from an id on, and the labels whose prediction is not logged', () => {
    const w = new PredictionWriter(db);
    w.writePredictions(validatePredictions([item(1), item(2), item(3), item(4, { model: 'm2' })], 1, 100));
    w.writeFeedback(
      labels([
        { prediction_id: 'p1', label: 0 },
        { prediction_id: 'p2', label: 'yes' },
        { prediction_id: 'early', label: 1 },
        { model: 'm2', prediction_id: 'p4', label: 1 },
        { model: 'm2', prediction_id: 'other', label: 0 },
      ]),
    );
    w.writeFeedback(labels([{ prediction_id: 'p2', label: 1 }], 2)); // correction
    w.writeFeedback(labels([{ prediction_id: 'later', label: 0 }], 3));
    db.prepare(
      "INSERT INTO feedback (model, prediction_id, label, ts) VALUES ('m1', 'p3', 'not json', 4)",
    ).run();
    const store = new FeedbackStore(db);
    const all = [...store.labelsFrom('m1', 0)].sort((a, b) => a.prediction_id.localeCompare(b.prediction_id));
    expect(all).toEqual([
      { prediction_id: 'p1', label: 0 },
      { prediction_id: 'p2', label: 1 },
    ]);
    expect(store.malformed).toBe(1);
    expect([...store.labelsFrom('m1', 2)].map((l) => l.prediction_id)).toEqual(['p2']);
    // Orphans: newest `limit`, returned oldest first.
    expect(store.orphansOf('m1', 10)).toEqual([
      { prediction_id: 'early', label: 1 },
      { prediction_id: 'later', label: 0 },
    ]);
    expect(store.orphansOf('m1', 1)).toEqual([{ prediction_id: 'later', label: 0 }]);
    expect(store.orphansOf('m2', 10)).toEqual([{ prediction_id: 'other', label: 0 }]);
  });

  it('looks labels up through the indexes, not by scanning the predictions', () => {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${LABELS_FOR_ROWS_SQL}`).all('m1', 0) as { detail: string }[];
    const detail = plan.map((p) => p.detail).join(' | ');
    expect(detail).toMatch(/SEARCH p USING (COVERING )?INDEX predictions_model_id/);
    expect(detail).toMatch(/SEARCH f USING INDEX sqlite_autoindex_feedback_1/);
  });
});
