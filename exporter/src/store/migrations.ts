/**
 * Schema migrations, applied in order; index i brings the schema to user_version i + 1.
 * Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the prediction log (docs/log-schema.md), feedback, reference profiles, evaluation history, retraining requests.
  `
  CREATE TABLE predictions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    model_version TEXT,
    prediction_id TEXT NOT NULL,
    ts REAL NOT NULL,
    features TEXT NOT NULL,
    prediction TEXT,
    score REAL,
    attributes TEXT,
    latency_seconds REAL
  );
  CREATE UNIQUE INDEX predictions_model_prediction_id ON predictions (model, prediction_id);
  CREATE INDEX predictions_model_id ON predictions (model, id);

  CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    prediction_id TEXT NOT NULL,
    label TEXT NOT NULL,
    ts REAL NOT NULL,
    UNIQUE (model, prediction_id)
  );

  CREATE TABLE "references" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    source TEXT NOT NULL,
    rows INTEGER NOT NULL,
    profile TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (model, name)
  );
  CREATE INDEX references_active ON "references" (model, active);

  CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    ts REAL NOT NULL,
    status TEXT NOT NULL,
    report TEXT NOT NULL
  );
  CREATE INDEX evaluations_model_ts ON evaluations (model, ts);

  CREATE TABLE retraining_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    ts REAL NOT NULL,
    source TEXT NOT NULL,
    reason TEXT
  );
  `,
];
