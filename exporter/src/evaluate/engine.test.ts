import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../config/load';
import { validatePredictions } from '../ingest/validate';
import { openDatabase } from '../store/db';
import { item } from '../testing';
import { Engine } from './engine';
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
      const result = await engine.writer.writePredictions(records);
      engine.ingested(records, result.ids);
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
