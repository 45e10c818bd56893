import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulator } from '../demo/simulator';
import { LATENCY_BUCKETS } from '../evaluate/telemetry';
import type { Exporter } from '../server';
import { parseExposition, post, type Sample, startTestExporter, tempDir, testConfig } from '../testing';
import { CATALOG } from './catalog';
import { EXCLUDED_DEFAULT_METRICS } from './registry';

const NOW = 1_800_000_000;
let exporter: Exporter;
let cleanup: () => void;
let text: string;
let latencies: number[] = [];

const samples = parseExposition;

function find(name: string, labels: Record<string, string> = {}) {
  return samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/**
 * The exposition without what varies from run to run: prom-client's process metrics are dropped and
 * the values of the timing families (and the database file size) replaced by "<v>".
 */
function stableExposition(body: string): string {
  const varying = /^(modelwatch_(http_request_duration_seconds|evaluation_duration_seconds|database_size_bytes))/;
  return body
    .split('\n')
    .filter((line) => !/^(# (HELP|TYPE|UNIT) )?(process_|nodejs_)/.test(line))
    .map((line) => (varying.test(line) ? line.replace(/ [^ ]+$/, ' <v>') : line))
    .join('\n');
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  exporter = await startTestExporter(
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
  latencies = current.map((c) => c.latency_seconds as number);
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
  text = await (await fetch(`${exporter.url}/metrics`)).text();
});
afterAll(async () => {
  await exporter.close();
  cleanup();
});

describe('/metrics', () => {
  it('passes promtool check metrics', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('writes the same exposition as recorded (both formats; timings and process metrics masked)', async () => {
    const om = await (
      await fetch(`${exporter.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    ).text();
    await expect(stableExposition(text)).toMatchFileSnapshot('__snapshots__/exposition.txt');
    await expect(stableExposition(om)).toMatchFileSnapshot('__snapshots__/exposition.openmetrics.txt');
  });

  it('has HELP and TYPE for every catalog family and leaves out the misnamed default gauges', () => {
    for (const f of CATALOG) {
      expect(text).toContain(`# HELP ${f.name} `);
      expect(text).toContain(`# TYPE ${f.name} ${f.kind}`);
    }
    for (const name of EXCLUDED_DEFAULT_METRICS) expect(text).not.toContain(name);
    expect(text).toContain('process_cpu_seconds_total');
    expect(find('modelwatch_build_info')[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exports every performance, estimation, fairness and feedback family for labelled models', () => {
    const families = CATALOG.map((f) => f.name).filter((n) =>
      /^modelwatch_(model_|estimated_|fairness_|group_|label_coverage|feedback_)/.test(n),
    );
    expect(families).toHaveLength(33);
    for (const name of families) expect(find(name).length, name).toBeGreaterThan(0);
    expect(find('modelwatch_model_mae', { model: 'price', window: 'current' })[0]?.value).toBeCloseTo(
      (3 + 2 + 1 + 0 + 1 + 2 + 3) / 7,
      1,
    );
    expect(find('modelwatch_model_accuracy_ratio', { model: 'credit', window: 'reference' })).toHaveLength(1);
    expect(
      find('modelwatch_model_accuracy_ratio', { model: 'credit', window: '1h', segment: 'region=north' }),
    ).toHaveLength(1);
    expect(find('modelwatch_group_rows', { model: 'credit', attribute: 'sex&age_group' }).length).toBe(6);
    expect(find('modelwatch_feedback_orphaned_total', { model: 'credit' })[0]?.value).toBe(1);
    expect(
      find('modelwatch_feedback_rejected_total', { model: 'price', reason: 'invalid_label' })[0]?.value,
    ).toBe(1);
  });

  it('never exposes NaN or infinite values', () => {
    for (const s of samples(text)) {
      if (s.name.endsWith('_bucket') && s.labels.le === '+Inf') continue;
      expect(Number.isFinite(s.value), `${s.name} ${JSON.stringify(s.labels)}`).toBe(true);
    }
  });

  it('shows drift per feature with method, threshold and the dataset share', () => {
    const drifted = find('modelwatch_feature_drifted', { model: 'credit' });
    expect(drifted.map((s) => s.labels.feature).sort()).toEqual(
      [
        'age',
        'credit_amount',
        'duration_months',
        'employment_years',
        'housing',
        'income',
        'open_credit_lines',
        'purpose',
      ].sort(),
    );
    const byFeature = Object.fromEntries(drifted.map((s) => [s.labels.feature, s.value]));
    // The simulator shifts age, income, duration and purpose; credit amount and housing stay put.
    expect(byFeature).toMatchObject({
      age: 1,
      income: 1,
      duration_months: 1,
      purpose: 1,
      credit_amount: 0,
      housing: 0,
    });
    const score = find('modelwatch_feature_drift_score', { model: 'credit', feature: 'age' })[0]!;
    expect(score.labels.method).toBe('wasserstein'); // reference > 1000 rows, numeric → Wasserstein (DESIGN §6)
    expect(
      find('modelwatch_feature_drift_threshold', { feature: 'age', method: 'wasserstein' })[0]?.value,
    ).toBe(0.1);
    expect(find('modelwatch_feature_drift_score', { feature: 'purpose' })[0]?.labels.method).toBe(
      'jensenshannon',
    );
    const share = find('modelwatch_dataset_drift_share_ratio', { model: 'credit' })[0]!.value;
    expect(share).toBeCloseTo(drifted.filter((s) => s.value === 1).length / drifted.length, 12);
    expect(find('modelwatch_dataset_drift', { model: 'credit' })[0]?.value).toBe(share >= 0.5 ? 1 : 0);
    expect(find('modelwatch_model_status', { model: 'credit' })[0]?.value).toBe(2);
    expect(find('modelwatch_prediction_drift_score', { model: 'credit' })).toHaveLength(1);
    // All numeric features together: the shifted population is far from the reference.
    expect(
      find('modelwatch_multivariate_drift_p_value', { model: 'credit', method: 'mmd' })[0]!.value,
    ).toBeLessThan(0.05);
    expect(
      find('modelwatch_multivariate_drift_score', { model: 'credit', method: 'mmd' })[0]!.value,
    ).toBeGreaterThan(0);
    expect(
      find('modelwatch_multivariate_drift_score', { model: 'credit', method: 'classifier' })[0]!.value,
    ).toBeGreaterThan(0.7);
    expect(find('modelwatch_window_rows', { model: 'credit', window: 'current' })[0]?.value).toBe(2000);
    expect(find('modelwatch_reference_rows', { model: 'credit' })[0]?.value).toBe(3000);
  });

  it('exposes reference and current histograms whose ratios sum to one, with bins matching the counters', () => {
    for (const feature of ['age', 'purpose', 'duration_months']) {
      for (const dataset of ['reference', 'current']) {
        const bins = find('modelwatch_feature_bin_ratio', { model: 'credit', feature, dataset });
        expect(bins.length).toBeGreaterThan(1);
        expect(bins.reduce((a, s) => a + s.value, 0)).toBeCloseTo(1, 9);
      }
      const ratioBins = new Set(
        find('modelwatch_feature_bin_ratio', { feature, dataset: 'current' })
          .filter((s) => s.value > 0)
          .map((s) => s.labels.bin),
      );
      const counters = find('modelwatch_feature_bin_observations_total', { model: 'credit', feature });
      const total = counters.reduce((a, s) => a + s.value, 0);
      expect(total).toBe(2000);
      for (const c of counters.filter((s) => s.value > 0)) {
        expect(ratioBins.has(c.labels.bin!), `${feature} bin ${c.labels.bin}`).toBe(true);
        const ratio = find('modelwatch_feature_bin_ratio', {
          feature,
          dataset: 'current',
          bin: c.labels.bin!,
        })[0]!.value;
        expect(ratio).toBeCloseTo(c.value / total, 12);
      }
    }
    const ageBins = find('modelwatch_feature_bin_ratio', { feature: 'age', dataset: 'reference' }).map(
      (s) => s.labels.bin,
    );
    expect(ageBins.at(-1)).toBe('+Inf');
  });

  it('counts traffic, latency, rejects and evaluations', () => {
    expect(find('modelwatch_predictions_total', { model: 'credit', model_version: '' })[0]?.value).toBe(2000);
    expect(find('modelwatch_prediction_latency_seconds_count', { model: 'credit' })[0]?.value).toBe(2000);
    // cumulative buckets: the logged latencies at or below each bound
    const buckets = find('modelwatch_prediction_latency_seconds_bucket', { model: 'credit' });
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    for (const b of buckets) {
      const le = b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le);
      expect(b.value).toBe(latencies.filter((l) => l <= le).length);
    }
    expect(find('modelwatch_prediction_latency_seconds_sum', { model: 'credit' })[0]?.value).toBeCloseTo(
      latencies.reduce((a, b) => a + b, 0),
      9,
    );
    expect(find('modelwatch_ingest_rejected_total', { reason: 'invalid_field' })[0]?.value).toBe(1);
    expect(find('modelwatch_ingest_rejected_total', { reason: 'conflict' })[0]?.value).toBe(0);
    expect(find('modelwatch_evaluation_duration_seconds_count')[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find('modelwatch_last_evaluation_timestamp_seconds', { model: 'credit' })[0]?.value).toBe(NOW);
    expect(find('modelwatch_last_prediction_timestamp_seconds', { model: 'credit' })[0]?.value).toBeCloseTo(
      NOW - 100 + 19.99,
      6,
    );
    expect(find('modelwatch_feature_missing_ratio', { model: 'credit', feature: 'age' })[0]?.value).toBe(0);
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
