import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../config/load';
import { validatePredictions } from '../ingest/validate';
import { openDatabase } from '../store/db';
import { InlineLogWriter, type LogWriter } from '../store/log-writer';
import { PredictionWriter } from '../store/predictions';
import { item, post, startTestExporter, tempDir, testConfig } from '../testing';
import { Engine } from './engine';
import { evaluationSettings } from './settings';
import { NO_TELEMETRY } from './telemetry';

describe('the scheduled evaluation round', () => {
  it('evaluates every model like evaluateAll, handing the event loop back between models', async () => {
    const db = openDatabase(':memory:');
    const engine = new Engine(db, buildConfig({}), NO_TELEMETRY, pino({ level: 'silent' }), {
      clock: () => 1_700_001_000,
    });
    await engine.load();
    for (const model of ['a', 'b', 'c']) {
      const records = validatePredictions(
        Array.from({ length: 50 }, (_, i) => item(i, { model })),
        1_700_000_000,
        100,
      );
      await engine.ingest(records);
    }
    const order: string[] = [];
    const evaluate = engine.monitors.get('b')!.evaluate.bind(engine.monitors.get('b')!);
    engine.monitors.get('b')!.evaluate = (...args) => {
      order.push('b evaluated');
      return evaluate(...args);
    };
    const generation = engine.generation;
    const round = engine.evaluateRound();
    // other work queued meanwhile runs before the round is over
    setImmediate(() => order.push('other work'));
    await round;
    expect(order).toEqual(['other work', 'b evaluated']);
    expect(engine.generation).toBe(generation + 1);
    expect([...engine.monitors.values()].every((m) => m.latest !== null)).toBe(true);
    db.close();
  });
});

describe('drift snapshots', () => {
  it('give evaluate the same drift results, computed a feature at a time', async () => {
    const t = tempDir();
    const exporter = await startTestExporter(testConfig(join(t.dir, 'log.db'), { drift: { min_rows: 50 } }), {
      clock: () => 1_700_001_000,
    });
    try {
      const reference = Array.from({ length: 300 }, (_, i) => JSON.stringify(item(i + 1000).features)).join(
        '\n',
      );
      const put = await fetch(`${exporter.url}/api/v1/models/m1/reference`, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-ndjson' },
        body: reference
          .split('\n')
          .map((f) => `{"features":${f}}`)
          .join('\n'),
      });
      expect(put.status).toBe(201);
      await post(
        `${exporter.url}/api/v1/predictions`,
        Array.from({ length: 200 }, (_, i) =>
          item(i, { features: { ...(item(i).features as object), x: i % 13 } }),
        ),
      );
      const engine = exporter.engine;
      engine.poll();
      const monitor = engine.monitors.get('m1')!;
      const settings = evaluationSettings(engine.config, monitor.config);
      let pauses = 0;
      const snapshot = await monitor.driftSnapshot(
        1_700_001_000,
        settings,
        async () => {
          pauses++;
        },
        0,
      );
      // a budget of 0 ms hands the event loop back between every two features
      expect(snapshot!.features.size).toBe(4);
      expect(pauses).toBeGreaterThanOrEqual(snapshot!.features.size - 1);
      const withSnapshot = monitor.evaluate(1_700_001_000, settings, snapshot);
      const inline = monitor.evaluate(1_700_001_000, settings);
      expect(withSnapshot.features.map((f) => f.result)).toEqual(inline.features.map((f) => f.result));
      expect(withSnapshot.windowRows).toBe(inline.windowRows);
      expect(withSnapshot.features.some((f) => f.result.drifted === true)).toBe(true);
    } finally {
      await exporter.close();
      t.cleanup();
    }
  });
});

describe('ingest and the log reader', () => {
  it('does not read back a batch of its own while it is being written, and still reads other writers', async () => {
    const db = openDatabase(':memory:');
    const inline = new InlineLogWriter(db);
    let release = () => {};
    // committed at once, acknowledged when the test says so (as the writer thread's reply would be)
    const writer: LogWriter = {
      ...inline,
      writePredictions: async (records) => {
        const result = await inline.writePredictions(records);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return result;
      },
      writeFeedback: (r) => inline.writeFeedback(r),
      prune: (b) => inline.prune(b),
      write: (op, args) => inline.write(op, args),
      close: () => inline.close(),
    };
    const engine = new Engine(db, buildConfig({}), NO_TELEMETRY, pino({ level: 'silent' }), { writer });
    await engine.load();
    const batch = (from: number) =>
      validatePredictions(
        Array.from({ length: 50 }, (_, i) => item(from + i)),
        1_700_000_000,
        100,
      );
    const ingest = engine.ingest(batch(0));
    await new Promise((r) => setImmediate(r));
    // another process writes the log meanwhile, after our batch
    new PredictionWriter(db).writePredictions(batch(100));
    expect(engine.poll()).toBe(0);
    expect(engine.monitors.get('m1')?.window.size ?? 0).toBe(0);
    release();
    await ingest;
    const window = engine.monitors.get('m1')!.window;
    expect(window.size).toBe(50);
    expect(engine.poll()).toBe(50);
    expect(window.size).toBe(100);
    expect(window.appended).toBe(100);
    expect([...window.ids.subarray(0, 100)]).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    db.close();
  });
});
