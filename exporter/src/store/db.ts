/**
 * Opening the prediction log (docs/log-schema.md): WAL, synchronous=NORMAL, busy timeout, versioned migrations
 * via `PRAGMA user_version`. A corrupt or locked file fails here, at start-up, with a clear message.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type DB = Database.Database;

/** The database cannot be used; the CLI prints the message and exits non-zero. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

export interface OpenOptions {
  /** Seconds to wait for a lock held by another connection. */
  busyTimeout?: number;
  readonly?: boolean;
  /** Largest size the database file may reach (bytes); writes beyond it fail with SQLITE_FULL. */
  maxBytes?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): DB {
  const busyMs = Math.round((options.busyTimeout ?? 5) * 1000);
  let db: DB;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, timeout: busyMs });
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${path}: ${(err as Error).message}`);
  }
  try {
    // Reading the schema forces SQLite to parse the header: a file that is not a database fails here.
    db.pragma('schema_version');
    if (!options.readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal' && path !== ':memory:') {
        throw new Error(`could not switch to WAL journal mode (got ${String(mode)})`);
      }
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      if (options.maxBytes !== undefined) {
        const page = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / page))}`);
      }
      // A file whose write lock another process holds is not usable: fail now (exit 1), not at the
      // first acknowledged write.
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    }
  } catch (err) {
    db.close();
    const e = err as Error & { code?: string };
    const hint =
      e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED'
        ? ' (the database is locked by another process; stop it or raise database.busy_timeout)'
        : e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT'
          ? ' (the file is not a modelwatch SQLite database or is corrupt)'
          : '';
    throw new DatabaseOpenError(`cannot open database ${path}: ${e.message}${hint}`);
  }
  return db;
}

/** Applies pending migrations, each in its own transaction, and records the version. */
export function migrate(db: DB): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this modelwatch (${MIGRATIONS.length}); upgrade modelwatch`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return MIGRATIONS.length;
}

/** Size of the database file plus its WAL, for the health metrics. */
export function databaseSizeBytes(db: DB): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  return pages * pageSize;
}
