/**
 * Reading labels back from the `feedback` table at start-up, so the in-memory windows hold the labels
 * their rows had before a restart. New feedback is followed incrementally by `LogReader.readNewFeedback`.
 */
import type { Scalar } from '../ingest/validate';
import type { DB } from './db';

export interface StoredLabel {
  prediction_id: string;
  label: Scalar | null;
}

/**
 * Labels of a model's rows from an id on. From the predictions side (the (model, id) index), one lookup in
 * feedback's (model, prediction_id) index per row: proportional to the rows loaded, not to the feedback table.
 */
export const LABELS_FOR_ROWS_SQL = `SELECT p.prediction_id, f.label FROM predictions p
  JOIN feedback f ON f.model = p.model AND f.prediction_id = p.prediction_id
  WHERE p.model = ? AND p.id >= ?`;

export class FeedbackStore {
  private readonly forRows;
  private readonly orphans;
  /** Rows whose label JSON could not be parsed (written directly by a faulty writer); skipped. */
  malformed = 0;

  constructor(db: DB) {
    this.forRows = db.prepare<[string, number], [string, string]>(LABELS_FOR_ROWS_SQL).raw();
    this.orphans = db
      .prepare<[string, number], [string, string]>(
        `SELECT f.prediction_id, f.label FROM feedback f
         WHERE f.model = ? AND NOT EXISTS (
           SELECT 1 FROM predictions p WHERE p.model = f.model AND p.prediction_id = f.prediction_id)
         ORDER BY f.id DESC LIMIT ?`,
      )
      .raw();
  }

  /** Labels of the model's predictions with id ≥ `fromId` (the rows a window was loaded with). */
  *labelsFrom(model: string, fromId: number): Generator<StoredLabel> {
    for (const [id, label] of this.forRows.iterate(model, fromId)) {
      const parsed = this.parse(label);
      if (parsed !== undefined) yield { prediction_id: id, label: parsed };
    }
  }

  /**
   * The newest `limit` labels of the model whose prediction is not in the log (yet), oldest first:
   * feedback that arrived before its prediction and was waiting when the exporter stopped.
   */
  orphansOf(model: string, limit: number): StoredLabel[] {
    const out: StoredLabel[] = [];
    for (const [id, label] of this.orphans.all(model, limit)) {
      const parsed = this.parse(label);
      if (parsed !== undefined) out.push({ prediction_id: id, label: parsed });
    }
    return out.reverse();
  }

  private parse(label: string): Scalar | null | undefined {
    try {
      return JSON.parse(label) as Scalar | null;
    } catch {
      this.malformed++;
      return undefined;
    }
  }
}
