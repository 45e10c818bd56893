/**
 * The scenario the /metrics tests scrape: an exporter on a real SQLite file with a classifier
 * ("credit": the demo's reference, then its drifted population with labels, protected attributes,
 * an intersection and segments) and a regression model ("price"), evaluated once at a fixed clock.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { Simulator } from '../demo/simulator';
import type { Exporter } from '../server';
import { post, startTestExporter, tempDir, testConfig } from '../testing';

export const NOW = 1_800_000_000;

export interface Scenario {
  exporter: Exporter;
  cleanup: () => void;
  /** The first scrape after the evaluation (text format). */
  text: string;
  /** Serving latencies logged with the credit predictions. */
  latencies: number[];
}

export async function startScenario(): Promise<Scenario> {
  const t = tempDir();
  const cleanup = t.cleanup;
  const exporter = await startTestExporter(
    testConfig(join(t.dir, 'log.db'), {
      drift: { min_rows: 100 },
      models: [
        {
          name: 'credit',
          protected_attributes: ['sex', 'age_group'],
          intersections: [['sex', 'age_group']],
          segments: ['region'],
        },
        { name: 'price', task: 'regression' },
      ],
    }),
    { clock: () => NOW },
  );
  // Reference: the demo's pre-drift population; current window: the drifted one.
  const sim = new Simulator(1);
  const ref = Array.from({ length: 3000 }, () => {
    const a = sim.next(false);
    return JSON.stringify({ features: a.features, prediction: a.prediction, score: a.score, label: a.label });
  }).join('\n');
  const put = await fetch(`${exporter.url}/api/v1/models/credit/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ref,
  });
  expect(put.status).toBe(201);
  const labels: { model: string; prediction_id: string; label: number | string }[] = [];
  const current = Array.from({ length: 2000 }, (_, i) => {
    const a = sim.next(true);
    if (i % 4 !== 0) labels.push({ model: 'credit', prediction_id: `c${i}`, label: a.label });
    return {
      model: 'credit',
      prediction_id: `c${i}`,
      ts: NOW - 100 + i / 100,
      features: a.features,
      prediction: a.prediction,
      score: a.score,
      attributes: a.attributes,
      latency_seconds: a.latency_seconds,
    };
  });
  expect((await post(`${exporter.url}/api/v1/predictions`, current)).status).toBe(202);
  const latencies = current.map((c) => c.latency_seconds as number);
  // A regression model with labels, so the regression families are on the page too.
  const prices = Array.from({ length: 200 }, (_, i) => ({
    model: 'price',
    prediction_id: `r${i}`,
    ts: NOW - 50 + i / 10,
    features: { size: 50 + i },
    prediction: 1000 + 10 * i,
  }));
  expect((await post(`${exporter.url}/api/v1/predictions`, prices)).status).toBe(202);
  for (let i = 0; i < 200; i++)
    labels.push({ model: 'price', prediction_id: `r${i}`, label: 1000 + 10 * i + (i % 7) - 3 });
  labels.push({ model: 'price', prediction_id: 'r1', label: 'expensive' }); // a correction that does not fit
  labels.push({ model: 'credit', prediction_id: 'not-yet', label: 1 });
  expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
  expect((await post(`${exporter.url}/api/v1/predictions`, [{ model: 'credit', features: {} }])).status).toBe(
    400,
  );
  exporter.engine.evaluateAll();
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  return { exporter, cleanup, text, latencies };
}
