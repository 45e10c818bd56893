/**
 * A hostile (or careless) client must not explode Prometheus or the exporter's memory: models,
 * versions, features, categories, segment and group values are capped, the excess is folded into
 * `__other__` or dropped, and `modelwatch_cardinality_limited_total{model,kind}` says how much.
 * Nothing acknowledged is lost: every prediction is in the log.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../server';
import { parseExposition, post, type Sample, startTestExporter, tempDir, testConfig } from '../testing';

const NOW = 1_700_100_000;
const HOSTILE_ROWS = 12_000;
const OTHER_MODELS = 10;
const LIMITS = { max_models: 3, max_features: 8, max_categories: 10, max_model_versions: 3 };

let exporter: Exporter;
let cleanup: () => void;
let dbPath: string;
let samples: Sample[];
let exposition: string;

const valuesOf = (name: string, label: string, where: Record<string, string> = {}) =>
  new Set(
    samples
      .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
      .map((s) => s.labels[label]),
  );
const sampleValue = (name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dbPath = join(t.dir, 'log.db');
  exporter = await startTestExporter(
    testConfig(dbPath, {
      limits: LIMITS,
      models: [{ name: 'hostile', protected_attributes: ['group'], segments: ['region'] }],
      drift: { min_rows: 50 },
    }),
    { clock: () => NOW },
  );
  const csv = `x,city\n${Array.from({ length: 400 }, (_, i) => `${i % 37},city${i % 40}`).join('\n')}\n`;
  const put = await fetch(`${exporter.url}/api/v1/models/hostile/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: csv,
  });
  expect(put.status).toBe(201);

  // Every row: a new city, group and region, a new model_version every row, three never-seen features.
  for (let start = 0; start < HOSTILE_ROWS; start += 2000) {
    const batch = Array.from({ length: 2000 }, (_, k) => {
      const i = start + k;
      const features: Record<string, unknown> = { x: i % 41, city: `c${i}"\n` };
      for (let j = 0; j < 3; j++) features[`junk_${i}_${j}`] = j;
      return {
        model: 'hostile',
        model_version: `v${i}`,
        prediction_id: `h${i}`,
        ts: NOW - 10,
        features,
        prediction: i % 2,
        score: (i % 100) / 100,
        attributes: { group: `g${i}`, region: `r${i}` },
      };
    });
    expect((await post(`${exporter.url}/api/v1/predictions`, batch)).status).toBe(202);
    const labels = batch.map((b, k) => ({
      model: 'hostile',
      prediction_id: b.prediction_id,
      label: (k >> 1) % 2,
    }));
    expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
  }
  for (let m = 0; m < OTHER_MODELS; m++) {
    const batch = Array.from({ length: 10 }, (_, i) => ({
      model: `m${m}`,
      prediction_id: `p${i}`,
      ts: NOW - 10,
      features: { a: i },
      prediction: 1,
    }));
    expect((await post(`${exporter.url}/api/v1/predictions`, batch)).status).toBe(202);
  }
  exporter.engine.poll();
  exporter.engine.evaluateAll();
  exposition = await (await fetch(`${exporter.url}/metrics`)).text();
  samples = parseExposition(exposition);
}, 120_000);

afterAll(async () => {
  await exporter?.close();
  cleanup?.();
});

describe('cardinality guards', () => {
  it('loses nothing acknowledged: every prediction is in the log', () => {
    const db = new Database(dbPath, { readonly: true });
    const n = (db.prepare('SELECT count(*) AS n FROM predictions').get() as { n: number }).n;
    db.close();
    expect(n).toBe(HOSTILE_ROWS + OTHER_MODELS * 10);
  });

  it('monitors at most max_models models and counts the others as __other__', () => {
    expect([...exporter.engine.monitors.keys()]).toEqual(['hostile', 'm0', 'm1']);
    for (const s of samples)
      if (s.labels.model !== undefined)
        expect(['hostile', 'm0', 'm1', '__other__']).toContain(s.labels.model);
    expect(sampleValue('modelwatch_predictions_total', { model: '__other__' })).toBe((OTHER_MODELS - 2) * 10);
    expect(sampleValue('modelwatch_cardinality_limited_total', { model: '__other__', kind: 'model' })).toBe(
      (OTHER_MODELS - 2) * 10,
    );
  });

  it('keeps max_model_versions versions as labels and folds the rest', () => {
    expect(valuesOf('modelwatch_predictions_total', 'model_version', { model: 'hostile' })).toEqual(
      new Set(['v0', 'v1', 'v2', '__other__']),
    );
    expect(
      sampleValue('modelwatch_predictions_total', { model: 'hostile', model_version: '__other__' }),
    ).toBe(HOSTILE_ROWS - 3);
    expect(
      sampleValue('modelwatch_cardinality_limited_total', { model: 'hostile', kind: 'model_version' }),
    ).toBe(HOSTILE_ROWS - 3);
  });

  it('keeps at most max_features feature columns and counts the dropped values', () => {
    const window = exporter.engine.monitors.get('hostile')!.window;
    expect(window.features.columns.size).toBe(LIMITS.max_features);
    // x and city come from the reference; the first six junk columns fill the rest
    const kept = LIMITS.max_features - 2;
    expect(sampleValue('modelwatch_cardinality_limited_total', { model: 'hostile', kind: 'feature' })).toBe(
      HOSTILE_ROWS * 3 - kept,
    );
    for (const family of ['modelwatch_feature_missing_ratio', 'modelwatch_feature_drift_score'])
      expect(valuesOf(family, 'feature', { model: 'hostile' }).size).toBeLessThanOrEqual(LIMITS.max_features);
  });

  it('bounds category dictionaries, bins, groups and segments', () => {
    // city, group and region: 12,000 distinct values each, 10,000 kept per column in memory
    expect(sampleValue('modelwatch_cardinality_limited_total', { model: 'hostile', kind: 'category' })).toBe(
      3 * (HOSTILE_ROWS - 10_000),
    );
    const bins = valuesOf('modelwatch_feature_bin_ratio', 'bin', { model: 'hostile', feature: 'city' });
    expect(bins.size).toBeGreaterThan(1);
    expect(bins.size).toBeLessThanOrEqual(LIMITS.max_categories);
    expect(bins.has('__other__')).toBe(true);
    const groups = valuesOf('modelwatch_group_selection_rate_ratio', 'group', { model: 'hostile' });
    expect(groups.size).toBeGreaterThan(1);
    expect(groups.size).toBeLessThanOrEqual(LIMITS.max_categories);
    // segments: at most max_categories values per attribute in each window
    const segmented = samples.filter((s) => s.labels.model === 'hostile' && s.labels.segment);
    const windows = new Set(segmented.map((s) => s.labels.window));
    expect(windows.size).toBeGreaterThan(0);
    for (const window of windows) {
      const segments = new Set(
        segmented.filter((s) => s.labels.window === window).map((s) => s.labels.segment),
      );
      expect(segments.size).toBeGreaterThan(1);
      expect(segments.size).toBeLessThanOrEqual(LIMITS.max_categories);
    }
    // Prometheus sees a bounded exposition whatever the client sent
    expect(samples.length).toBeLessThan(2000);
  });

  it('still passes promtool check metrics (label values with quotes and newlines escaped)', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    expect(r.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
