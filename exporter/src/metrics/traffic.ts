/**
 * Traffic: predictions and labels accepted or rejected, serving latency, and the rows the windows
 * hold. The event counters are fed by `Telemetry` (registry.ts); predictions by version and serving
 * latency are read from the monitors' tallies at scrape.
 */
import type { Engine } from '../evaluate/engine';
import { LABEL_REJECT_REASONS, LATENCY_BUCKETS, type PredictionTally } from '../evaluate/telemetry';
import { OTHER } from '../evaluate/window';
import { REJECT_REASONS } from '../ingest/errors';
import { type Collector, family, type HandlesOf, refreshed, setFinite } from './family';

export const TRAFFIC_FAMILIES = [
  family(
    'counter',
    'predictions_total',
    ['model', 'model_version'],
    'Predictions accepted into the log (idempotent re-sends are not counted twice).',
  ),
  family('counter', 'feedback_total', ['model'], 'Ground-truth labels accepted (corrections included).'),
  family(
    'counter',
    'feedback_orphaned_total',
    ['model'],
    'Labels that arrived for a prediction not in the window; held (at most 100k per model) and joined if the prediction arrives.',
  ),
  refreshed(
    'live',
    family(
      'gauge',
      'feedback_pending_labels',
      ['model'],
      'Labels currently held for predictions not (yet) in the window.',
    ),
  ),
  family(
    'counter',
    'feedback_rejected_total',
    ['model', 'reason'],
    `Labels left out of performance, each counted once, by reason (${LABEL_REJECT_REASONS.join(', ')}).`,
  ),
  family(
    'counter',
    'ingest_rejected_total',
    ['reason'],
    `Write requests rejected, by reason (${REJECT_REASONS.join(', ')}).`,
  ),
  family(
    'counter',
    'cloudevents_received_total',
    ['type'],
    'KServe inference-logger events received on /api/v1/cloudevents with valid headers, by type="request|response" (re-deliveries included).',
  ),
  family(
    'counter',
    'cloudevents_joined_total',
    ['order'],
    'Request/response event pairs joined into predictions; order="response_first" when the response arrived before its request.',
  ),
  family(
    'counter',
    'cloudevents_unpaired_total',
    ['type', 'reason'],
    'Events dropped before their partner arrived, by the half that waited (type) and reason="expired" (kserve.pending_timeout) or "evicted" (kserve.max_pending or max_pending_bytes).',
  ),
  refreshed(
    'live',
    family('gauge', 'cloudevents_pending', [], 'Events waiting for the other half of their pair.'),
  ),
  refreshed(
    'live',
    family(
      'gauge',
      'last_prediction_timestamp_seconds',
      ['model'],
      'Unix time of the newest prediction seen for the model.',
    ),
  ),
  family(
    'histogram',
    'prediction_latency_seconds',
    ['model'],
    'Model serving latency as logged with each prediction.',
    LATENCY_BUCKETS,
  ),
  family(
    'gauge',
    'window_rows',
    ['model', 'window'],
    'Rows in the evaluation window: window="current" for drift, performance windows by name (a window covers at most the rows the in-memory ring holds).',
  ),
  family(
    'gauge',
    'window_min_rows',
    ['model'],
    'Minimum rows the current window needs before drift verdicts are given.',
  ),
  family(
    'gauge',
    'reference_rows',
    ['model'],
    'Rows in the active reference profile (absent when no reference is set).',
  ),
] as const;

/** Prediction tallies by model label value: the monitors', and `__other__` for unmonitored models. */
export function* tallies(engine: Engine | null): Generator<[string, PredictionTally]> {
  if (!engine) return;
  for (const m of engine.monitors.values()) yield [m.name, m.predictions];
  if (engine.unmonitored.total > 0) yield [OTHER, engine.unmonitored];
}

export const traffic: Collector<HandlesOf<typeof TRAFFIC_FAMILIES>> = {
  name: 'traffic',

  init(h) {
    for (const reason of REJECT_REASONS) h.modelwatch_ingest_rejected_total.inc({ reason }, 0);
    // KServe CloudEvents counters start at 0 for every label value, so rate() has series before the first event.
    for (const type of ['request', 'response'] as const) {
      h.modelwatch_cloudevents_received_total.inc({ type }, 0);
      for (const reason of ['expired', 'evicted'] as const)
        h.modelwatch_cloudevents_unpaired_total.inc({ type, reason }, 0);
    }
    for (const order of ['request_first', 'response_first'] as const)
      h.modelwatch_cloudevents_joined_total.inc({ order }, 0);
  },

  model(h, monitor) {
    const model = monitor.name;
    setFinite(h.modelwatch_window_min_rows, { model }, monitor.latest?.minRows);
    if (monitor.reference) setFinite(h.modelwatch_reference_rows, { model }, monitor.reference.rows);
    const result = monitor.latest;
    if (!result) return;
    setFinite(h.modelwatch_window_rows, { model, window: 'current' }, result.windowRows);
    for (const w of result.performance.windows)
      setFinite(h.modelwatch_window_rows, { model, window: w.window }, w.rows);
    // Label counters start at 0 once the model is evaluated, so rate() sees their first increment.
    h.modelwatch_feedback_orphaned_total.inc({ model }, 0);
    for (const reason of LABEL_REJECT_REASONS) h.modelwatch_feedback_rejected_total.inc({ model, reason }, 0);
  },

  live(h, engine) {
    const last = h.modelwatch_last_prediction_timestamp_seconds;
    const pending = h.modelwatch_feedback_pending_labels;
    const predictions = h.modelwatch_predictions_total;
    last.reset();
    pending.reset();
    predictions.reset();
    for (const [model, tally] of tallies(engine)) {
      for (const [version, count] of tally.versions)
        predictions.inc({ model, model_version: version }, count);
    }
    for (const m of engine.monitors.values()) {
      if (m.lastPredictionTs > 0) last.set({ model: m.name }, m.lastPredictionTs);
      pending.set({ model: m.name }, m.pendingLabels);
    }
  },
};
