/**
 * Model and exporter health: each model's status and retraining recommendation, evaluation timing and
 * errors, HTTP latency, the database size and the build. The evaluation and HTTP counters and
 * histograms are fed by `Telemetry` events (registry.ts).
 */
import { statusValue } from '../evaluate/report';
import { VERSION } from '../version';
import { type Collector, family, type HandlesOf, refreshed, setFinite } from './family';

export const HEALTH_FAMILIES = [
  family('gauge', 'model_status', ['model'], 'Health of the model: 0 healthy, 1 warning, 2 critical.'),
  family('gauge', 'retraining_recommended', ['model'], '1 when retraining is recommended, else 0.'),
  family(
    'counter',
    'retraining_requests_total',
    ['model'],
    'Retraining requests recorded (API calls and recommendations).',
  ),
  family(
    'histogram',
    'evaluation_duration_seconds',
    [],
    'Wall time of one model evaluation (read new rows, drift, findings).',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ),
  family(
    'gauge',
    'last_evaluation_timestamp_seconds',
    ['model'],
    'Unix time of the last completed evaluation of the model.',
  ),
  family('counter', 'evaluation_errors_total', ['model'], 'Evaluations that failed.'),
  family(
    'histogram',
    'http_request_duration_seconds',
    ['route', 'method', 'code'],
    'HTTP requests served by the exporter.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ),
  refreshed(
    'live',
    family('gauge', 'database_size_bytes', [], 'Size of the SQLite database file including its WAL.'),
  ),
  family(
    'counter',
    'webhook_alerts_ignored_total',
    ['reason'],
    'Firing alerts the Alertmanager webhook did not turn into a retraining request: unknown_model (a model the exporter neither monitors nor is configured with), no_model (no valid model label).',
  ),
  family(
    'counter',
    'write_errors_total',
    ['what', 'reason'],
    'Writes besides ingest that failed on the writer thread: what is history, retrain, reference or retention; reason is the SQLite error code (SQLITE_FULL: disk full).',
  ),
  refreshed(
    'live',
    family(
      'gauge',
      'window_memory_bytes',
      ['model'],
      "Memory the model's in-memory window takes (slots allocated x bytes per slot, plus its category dictionaries); it grows with the rows held, and all models together stay within limits.max_window_bytes.",
    ),
  ),
  refreshed(
    'live',
    family('gauge', 'build_info', ['version'], 'Always 1; the version label carries the exporter version.'),
  ),
] as const;

export const health: Collector<HandlesOf<typeof HEALTH_FAMILIES>> = {
  name: 'health',

  init(h) {
    h.modelwatch_build_info.set({ version: VERSION }, 1);
  },

  model(h, monitor) {
    const model = monitor.name;
    const result = monitor.latest;
    if (!result) return;
    setFinite(h.modelwatch_model_status, { model }, statusValue(result.report.status));
    h.modelwatch_retraining_recommended.set({ model }, result.report.retraining.recommended ? 1 : 0);
    setFinite(h.modelwatch_last_evaluation_timestamp_seconds, { model }, result.evaluatedAt);
  },

  live(h, engine) {
    h.modelwatch_database_size_bytes.set(engine.databaseSize());
    const memory = h.modelwatch_window_memory_bytes;
    memory.reset();
    for (const m of engine.monitors.values()) memory.set({ model: m.name }, m.window.bytes);
  },
};
