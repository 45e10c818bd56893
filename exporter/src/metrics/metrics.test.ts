import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '../evaluate/telemetry';
import type { Exporter } from '../server';
import { parseExposition } from '../testing';
import { CATALOG } from './catalog';
import { NOW, startScenario } from './fixture';
import { EXCLUDED_DEFAULT_METRICS } from './registry';

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

beforeAll(async () => {
  ({ exporter, cleanup, text, latencies } = await startScenario());
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
    expect(score.labels.method).toBe('wasserstein'); // reference > 1000 rows, numeric → Wasserstein (docs/statistics.md)
    // The calibrated line in force: above the smallest change counted (0.05σ), and the score beyond it
    // (docs/detection.md).
    const line = find('modelwatch_feature_drift_threshold', { feature: 'age', method: 'wasserstein' })[0]!;
    expect(line.value).toBeGreaterThanOrEqual(0.05);
    expect(line.value).toBeLessThan(score.value);
    expect(find('modelwatch_prediction_drift_threshold', { model: 'credit' })).toHaveLength(1);
    expect(find('modelwatch_prediction_drifted', { model: 'credit' })).toHaveLength(1);
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
});
