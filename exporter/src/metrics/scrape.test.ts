/**
 * How /metrics is served: the output recorded on a fixed evaluation (any change to the families,
 * their series or their order shows here; after an intended change, review the diff of
 * __snapshots__/exposition*.txt written by `npx vitest run exporter/src/metrics/scrape.test.ts -u`),
 * both formats, and the per-round cache.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../server';
import { parseExposition, post, type Sample } from '../testing';
import { NOW, startScenario } from './fixture';

let exporter: Exporter;
let cleanup: () => void;
let text: string;

/**
 * The exposition without what varies from run to run: prom-client's process metrics are dropped and
 * the values of the timing families (and the database file size) replaced by "<v>".
 */
function stableExposition(body: string): string {
  const varying =
    /^(modelwatch_(http_request_duration_seconds|evaluation_duration_seconds|database_size_bytes))/;
  return body
    .split('\n')
    .filter((line) => !/^(# (HELP|TYPE|UNIT) )?(process_|nodejs_)/.test(line))
    .map((line) => (varying.test(line) ? line.replace(/ [^ ]+$/, ' <v>') : line))
    .join('\n');
}

beforeAll(async () => {
  ({ exporter, cleanup, text } = await startScenario());
});
afterAll(async () => {
  await exporter.close();
  cleanup();
});

describe('/metrics scrapes', () => {
  it('writes the same exposition as recorded (both formats; timings and process metrics masked)', async () => {
    const om = await (
      await fetch(`${exporter.url}/metrics`, {
        headers: { accept: 'application/openmetrics-text; version=1.0.0' },
      })
    ).text();
    await expect(stableExposition(text)).toMatchFileSnapshot('__snapshots__/exposition.txt');
    await expect(stableExposition(om)).toMatchFileSnapshot('__snapshots__/exposition.openmetrics.txt');
  });

  it('speaks OpenMetrics when the scraper asks for it', async () => {
    const r = await fetch(`${exporter.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(r.headers.get('content-type')).toMatch(/application\/openmetrics-text/);
    const body = await r.text();
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
    expect(body.match(/# EOF/g)).toHaveLength(1);
    expect(body).toContain('modelwatch_predictions_total{model="credit",model_version=""} 2000');
    expect(body).toContain('# TYPE modelwatch_feature_drift_score gauge');
  });

  it('keeps counter names in the text format after an OpenMetrics scrape', async () => {
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).toContain('# TYPE modelwatch_predictions_total counter');
    expect(text).toContain('modelwatch_predictions_total{model="credit",model_version=""}');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  });

  it('reuses the evaluation families between rounds and serves live counters fresh', async () => {
    const scrape = async () => parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
    const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    const before = await scrape();
    const window = { model: 'credit', window: 'current' };
    const rows = value(before, 'modelwatch_window_rows', window)!;
    const more = Array.from({ length: 10 }, (_, i) => ({
      model: 'credit',
      prediction_id: `late${i}`,
      ts: NOW - 1,
      features: { age: 40 },
      prediction: 0,
    }));
    expect((await post(`${exporter.url}/api/v1/predictions`, more)).status).toBe(202);
    const between = await scrape();
    // counters are live; the evaluation gauges are those of the last round until the next one
    expect(value(between, 'modelwatch_predictions_total', { model: 'credit', model_version: '' })).toBe(2010);
    expect(value(between, 'modelwatch_window_rows', window)).toBe(rows);
    exporter.engine.evaluateAll();
    const after = await scrape();
    expect(value(after, 'modelwatch_window_rows', window)).toBe(rows + 10);
  });

  it('after a scheduled round, serves the previous round until the new one is built in steps', async () => {
    const render = async () => parseExposition((await exporter.metrics.render(undefined)).body.toString());
    const rows = async () =>
      (await render()).find(
        (x) =>
          x.name === 'modelwatch_window_rows' && x.labels.model === 'credit' && x.labels.window === 'current',
      )?.value;
    const before = await rows();
    const more = Array.from({ length: 5 }, (_, i) => ({
      model: 'credit',
      prediction_id: `round${i}`,
      ts: NOW - 1,
      features: { age: 41 },
      prediction: 1,
    }));
    expect((await post(`${exporter.url}/api/v1/predictions`, more)).status).toBe(202);
    await exporter.engine.evaluateRound(); // ends with roundFinished(): the rebuild starts in steps
    expect(await rows()).toBe(before);
    const deadline = Date.now() + 10_000;
    while ((await rows()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await rows()).toBe(before! + 5);
  });
});
