/** Reference profiles (docs/log-schema.md `references`): stored per model and name; one is active per model. */
import type { DB } from './db';

export interface ReferenceSource {
  kind: 'upload' | 'log' | 'file';
  format?: 'csv' | 'tsv' | 'parquet' | 'ndjson';
  from_ts?: number;
  to_ts?: number;
  file?: string;
}

export interface StoredReference<P = unknown> {
  id: number;
  model: string;
  name: string;
  created_at: number;
  source: ReferenceSource;
  rows: number;
  profile: P;
}

interface Row {
  id: number;
  model: string;
  name: string;
  created_at: number;
  source: string;
  rows: number;
  profile: string;
}

export class ReferenceStore {
  constructor(private readonly db: DB) {}

  /** Stores (or replaces) the named reference and makes it the model's active one. */
  save<P>(
    model: string,
    name: string,
    source: ReferenceSource,
    rows: number,
    profile: P,
    now: number,
  ): StoredReference<P> {
    const id = this.saveJson(model, name, source, rows, JSON.stringify(profile), now);
    return { id, model, name, created_at: now, source, rows, profile };
  }

  /** `save` with the profile already serialised (it crosses to the writer thread as text); returns the id. */
  saveJson(
    model: string,
    name: string,
    source: ReferenceSource,
    rows: number,
    profile: string,
    now: number,
  ): number {
    const run = this.db.transaction(() => {
      this.db.prepare('UPDATE "references" SET active = 0 WHERE model = ?').run(model);
      this.db.prepare('DELETE FROM "references" WHERE model = ? AND name = ?').run(model, name);
      const info = this.db
        .prepare(
          'INSERT INTO "references" (model, name, created_at, source, rows, profile, active) VALUES (?, ?, ?, ?, ?, ?, 1)',
        )
        .run(model, name, now, JSON.stringify(source), rows, profile);
      return Number(info.lastInsertRowid);
    });
    return run.immediate();
  }

  active<P>(model: string): StoredReference<P> | undefined {
    const row = this.db
      .prepare<[string], Row>(
        'SELECT * FROM "references" WHERE model = ? AND active = 1 ORDER BY id DESC LIMIT 1',
      )
      .get(model);
    return row ? decode<P>(row) : undefined;
  }

  /** Id of each model's active reference: cheap to poll for changes made by other processes. */
  activeIds(): Map<string, number> {
    const rows = this.db
      .prepare<[], { model: string; id: number }>(
        'SELECT model, max(id) AS id FROM "references" WHERE active = 1 GROUP BY model',
      )
      .all();
    return new Map(rows.map((r) => [r.model, r.id]));
  }

  list(model: string): Omit<StoredReference, 'profile'>[] {
    return this.db
      .prepare<[string], Omit<Row, 'profile'> & { active: number }>(
        'SELECT id, model, name, created_at, source, rows, active FROM "references" WHERE model = ? ORDER BY id',
      )
      .all(model)
      .map((r) => ({ ...r, source: JSON.parse(r.source) as ReferenceSource, active: r.active === 1 }));
  }
}

function decode<P>(row: Row): StoredReference<P> {
  return {
    id: row.id,
    model: row.model,
    name: row.name,
    created_at: row.created_at,
    source: JSON.parse(row.source) as ReferenceSource,
    rows: row.rows,
    profile: JSON.parse(row.profile) as P,
  };
}
