import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig, modelConfig } from '../config/load';
import type { Exporter } from '../server';
import type { LogRow } from '../store/reader';
import { item, post, startTestExporter, tempDir, testConfig } from '../testing';
import { ModelMonitor } from './monitor';
import { type LabelRejectReason, NO_TELEMETRY, type Telemetry } from './telemetry';

/** The test items are stamped 1_700_000_000 + i: the exporter's clock sits just after them. */
const NOW = 1_700_000_100;
const MODELS = { models: [{ name: 'm1', task: 'binary_classification' }] };

let dir: string;
let cleanup: () => void;
let dbPath: string;
let exporter: Exporter;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, 'log.db');
});
afterEach(async () => {
  await exporter?.close();
  cleanup();
});

async function start(raw: Record<string, unknown> = MODELS): Promise<void> {
  exporter = await startTestExporter(testConfig(dbPath, raw), { clock: () => NOW });
}

async function feedback(items: unknown): Promise<void> {
  expect((await post(`${exporter.url}/api/v1/feedback`, items)).status).toBe(202);
}

/** The label the window holds for a prediction id (undefined when the prediction is not in it). */
function labelOf(predictionId: string): number | string | null | undefined {
  const monitor = exporter.engine.monitors.get('m1')!;
  const slot = monitor.window.slotOf(predictionId);
  return slot === undefined ? undefined : monitor.window.labels.get(slot);
}

async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('labels joined to predictions', () => {
  it('joins feedback sent after its prediction, and before it (API and direct writers), with corrections', async () => {
    await start();
    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 10 }, (_, i) => item(i)),
    );
    await feedback([
      { model: 'm1', prediction_id: 'p1', label: 1 },
      { model: 'm1', prediction_id: 'p2', label: 0 },
    ]);
    exporter.engine.poll();
    expect(labelOf('p1')).toBe(1);
    expect(labelOf('p2')).toBe(0);
    expect(labelOf('p3')).toBeNull();

    // Labels first: held, counted as orphans, joined when the prediction arrives.
    await feedback([
      { model: 'm1', prediction_id: 'p20', label: 1 },
      { model: 'm1', prediction_id: 'p30', label: true },
    ]);
    exporter.engine.poll();
    const monitor = exporter.engine.monitors.get('m1')!;
    expect(monitor.pendingLabels).toBe(2);
    expect(await sample('modelwatch_feedback_orphaned_total', { model: 'm1' })).toBe(2);
    expect(await sample('modelwatch_feedback_pending_labels', { model: 'm1' })).toBe(2);
    // Through the API (engine.ingested appends directly) …
    await post(`${exporter.url}/api/v1/predictions`, [item(20)]);
    expect(labelOf('p20')).toBe(1);
    // … and written straight to SQLite by a model server (the reader's path).
    const direct = new Database(dbPath);
    direct
      .prepare(
        'INSERT INTO predictions (model, prediction_id, ts, features, prediction) VALUES (?, ?, ?, ?, ?)',
      )
      .run('m1', 'p30', NOW - 5, '{"x": 1}', '1');
    direct.close();
    exporter.engine.poll();
    expect(labelOf('p30')).toBe(1); // boolean labels count as 1/0
    expect(monitor.pendingLabels).toBe(0);
    expect(await sample('modelwatch_feedback_pending_labels', { model: 'm1' })).toBe(0);

    // A correction replaces the earlier label.
    await feedback({ model: 'm1', prediction_id: 'p1', label: 0 });
    exporter.engine.poll();
    expect(labelOf('p1')).toBe(0);
    expect(monitor.window.labelled).toBe(4);
    expect(await sample('modelwatch_feedback_total', { model: 'm1' })).toBe(5);
    expect(await sample('modelwatch_feedback_orphaned_total', { model: 'm1' })).toBe(2);

    exporter.engine.evaluateAll();
    // 12 rows, 4 labelled (p1, p2, p20, p30).
    expect(await sample('modelwatch_label_coverage_ratio', { model: 'm1', window: 'current' })).toBe(4 / 12);
    expect(await sample('modelwatch_window_rows', { model: 'm1', window: '24h' })).toBe(12);
  });

  it('restores the labels of the loaded rows, and the labels still waiting, after a restart', async () => {
    await start();
    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 50 }, (_, i) => item(i)),
    );
    await feedback([
      ...Array.from({ length: 20 }, (_, i) => ({
        model: 'm1',
        prediction_id: `p${i}`,
        label: i % 3 === 0 ? 1 : 0,
      })),
      { model: 'm1', prediction_id: 'late', label: 1 },
    ]);
    await feedback({ model: 'm1', prediction_id: 'p3', label: 0 }); // correction before the restart
    exporter.engine.poll();
    exporter.engine.evaluateAll();
    const before = exporter.engine.monitors.get('m1')!.latest!.performance.windows[0]!;
    await exporter.close();

    await start();
    const monitor = exporter.engine.monitors.get('m1')!;
    expect(monitor.window.size).toBe(50);
    expect(monitor.window.labelled).toBe(20);
    expect(labelOf('p0')).toBe(1);
    expect(labelOf('p3')).toBe(0);
    expect(labelOf('p4')).toBe(0);
    expect(labelOf('p25')).toBeNull();
    expect(monitor.pendingLabels).toBe(1);
    // Restored orphans were counted by the earlier process, not again.
    expect(await sample('modelwatch_feedback_orphaned_total', { model: 'm1' })).toBe(0);
    exporter.engine.evaluateAll();
    const after = monitor.latest!.performance.windows[0]!;
    expect(after.metrics).toEqual(before.metrics);
    expect(after.labelled).toBe(20);
    await post(`${exporter.url}/api/v1/predictions`, [item(60, { prediction_id: 'late' })]);
    expect(labelOf('late')).toBe(1);
    expect(monitor.pendingLabels).toBe(0);
  });

  it('counts labels that do not fit the task once, leaves them out, and says so in the report', async () => {
    await start();
    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 10 }, (_, i) => item(i)),
    );
    await feedback([
      { model: 'm1', prediction_id: 'p0', label: 0 },
      { model: 'm1', prediction_id: 'p1', label: 1 },
      { model: 'm1', prediction_id: 'p2', label: 2 },
      { model: 'm1', prediction_id: 'p3', label: 'cat' },
    ]);
    exporter.engine.evaluateAll();
    exporter.engine.evaluateAll();
    expect(await sample('modelwatch_feedback_rejected_total', { model: 'm1', reason: 'invalid_label' })).toBe(
      2,
    );
    // p0 (prediction 0, label 0) and p1 (1, 1): both right.
    expect(await sample('modelwatch_model_accuracy_ratio', { model: 'm1', window: 'current' })).toBe(1);
    const report = exporter.engine.monitors.get('m1')!.latest!.report;
    expect(report.notes.join('\n')).toMatch(
      /2 labels in memory do not fit the binary task \(e\.g\. 2, "cat"\)/,
    );
    // A correction to a valid label makes the row count again (p2 predicted 0, labelled 1: wrong).
    await feedback({ model: 'm1', prediction_id: 'p2', label: 1 });
    exporter.engine.evaluateAll();
    expect(await sample('modelwatch_model_accuracy_ratio', { model: 'm1', window: 'current' })).toBe(2 / 3);
    expect(await sample('modelwatch_feedback_rejected_total', { model: 'm1', reason: 'invalid_label' })).toBe(
      2,
    );
  });

  it('never throws on a string label for a regression model', async () => {
    await start({ models: [{ name: 'm1', task: 'regression' }] });
    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 4 }, (_, i) => item(i, { prediction: i * 1.5, score: undefined })),
    );
    await feedback([
      { model: 'm1', prediction_id: 'p0', label: 0.5 },
      { model: 'm1', prediction_id: 'p1', label: 'high' },
      { model: 'm1', prediction_id: 'p2', label: 3 },
    ]);
    const [result] = exporter.engine.evaluateAll();
    expect(result!.performance.task).toBe('regression');
    const current = result!.performance.windows[0]!;
    expect(current).toMatchObject({ rows: 4, labelled: 3, used: 2 });
    expect(current.metrics!.mae).toBeCloseTo((0.5 + 0) / 2, 12);
    expect(await sample('modelwatch_feedback_rejected_total', { model: 'm1', reason: 'invalid_label' })).toBe(
      1,
    );
  });
});

describe('the ring size', () => {
  it('holds the largest window asked for (100k for a window by time only), within limits.max_window_rows', async () => {
    const capacity = async (raw: Record<string, unknown>) => {
      await exporter?.close();
      await start(raw);
      return exporter.engine.monitor('x')!.window.maxRows;
    };
    expect(await capacity({})).toBe(100_000); // default: drift 10k rows, performance windows 1h and 24h
    expect(await capacity({ performance_windows: [{ name: 'a', rows: 20_000 }] })).toBe(20_000);
    expect(
      await capacity({ window: { rows: 3_000_000 }, performance_windows: [{ name: 'a', rows: 500 }] }),
    ).toBe(1_000_000);
    expect(await capacity({ limits: { max_window_rows: 5000 } })).toBe(5000);
  });
});

describe('the window ring and the pending labels', () => {
  const row = (i: number): LogRow => ({
    id: i + 1,
    model: 'm',
    model_version: null,
    prediction_id: `p${i}`,
    ts: 1000 + i,
    features: { x: i },
    prediction: i % 2,
    score: null,
    attributes: null,
    latency_seconds: null,
  });

  it('forgets the prediction ids and labels of overwritten rows', () => {
    const config = modelConfig(buildConfig({}), 'm');
    const monitor = new ModelMonitor('m', config, 4, NO_TELEMETRY);
    for (let i = 0; i < 4; i++) monitor.append(row(i));
    monitor.label('p0', 1);
    monitor.label('p2', 0);
    expect(monitor.window.labelled).toBe(2);
    monitor.append(row(4));
    monitor.append(row(5));
    expect(monitor.window.slotOf('p0')).toBeUndefined();
    expect(monitor.window.slotOf('p1')).toBeUndefined();
    expect(monitor.window.labelled).toBe(1);
    const slot = monitor.window.slotOf('p5')!;
    expect(monitor.window.labels.get(slot)).toBeNull();
    // A label for a row that left the ring is held like any orphan.
    expect(monitor.label('p1', 1)).toBe(false);
    expect(monitor.pendingLabels).toBe(1);
  });

  it('holds at most the cap of orphan labels, dropping the oldest and counting it', () => {
    const events: string[] = [];
    const telemetry: Telemetry = {
      ...NO_TELEMETRY,
      feedbackOrphaned: (model) => events.push(`orphan ${model}`),
      feedbackRejected: (model, reason: LabelRejectReason, n) => events.push(`${reason} ${model} ${n}`),
    };
    const config = modelConfig(buildConfig({}), 'm');
    const monitor = new ModelMonitor('m', config, 10, telemetry, 50, 3);
    for (const i of [0, 1, 2, 3, 4]) monitor.label(`p${i}`, 1);
    expect(monitor.pendingLabels).toBe(3);
    expect(events.filter((e) => e === 'orphan m')).toHaveLength(5);
    expect(events.filter((e) => e.startsWith('orphan_evicted'))).toEqual([
      'orphan_evicted m 1',
      'orphan_evicted m 1',
    ]);
    for (let i = 0; i < 5; i++) monitor.append(row(i));
    const labelled = [0, 1, 2, 3, 4].filter((i) =>
      monitor.window.labels.has(monitor.window.slotOf(`p${i}`)!),
    );
    expect(labelled).toEqual([2, 3, 4]);
    expect(monitor.pendingLabels).toBe(0);
  });
});
