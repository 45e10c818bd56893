import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulator } from '../demo/simulator';
import type { Exporter } from '../server';
import {
  binaryClassificationMetrics,
  multiclassClassificationMetrics,
  regressionMetrics,
} from '../stats/performance';
import { parseExposition, post, type Sample, startTestExporter, tempDir, testConfig } from '../testing';
import { foldedGroups } from './performance';
import { OTHER } from './window';

const NOW = 1_800_000_000;

const parse = parseExposition;

async function scrape(exporter: Exporter): Promise<Sample[]> {
  return parse(await (await fetch(`${exporter.url}/metrics`)).text());
}

/** Samples of `name` whose labels are exactly `labels` (no other label). */
function exact(samples: Sample[], name: string, labels: Record<string, string>): number[] {
  return samples
    .filter(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )
    .map((s) => s.value);
}

const FAMILIES = {
  accuracy: 'modelwatch_model_accuracy_ratio',
  precision: 'modelwatch_model_precision_ratio',
  recall: 'modelwatch_model_recall_ratio',
  f1: 'modelwatch_model_f1_ratio',
  roc_auc: 'modelwatch_model_roc_auc_ratio',
  log_loss: 'modelwatch_model_log_loss',
  brier: 'modelwatch_model_brier_score',
  ece: 'modelwatch_model_calibration_error_ratio',
} as const;

interface Row {
  id: string;
  ts: number;
  label: number | null;
  prediction: number;
  score: number;
  region: string;
}

/** The metrics of `rows`' labelled rows, computed straight from the rows (independent of the window). */
function expected(rows: readonly Row[]) {
  const labelled = rows.filter((r) => r.label !== null);
  return binaryClassificationMetrics(
    Uint8Array.from(labelled, (r) => r.label!),
    Uint8Array.from(labelled, (r) => r.prediction),
    Float64Array.from(labelled, (r) => r.score),
  );
}

function referenceNdjson(sim: Simulator, rows: number): string {
  return Array.from({ length: rows }, () => {
    const a = sim.next(false);
    return JSON.stringify({ features: a.features, prediction: a.prediction, score: a.score, label: a.label });
  }).join('\n');
}

async function putReference(exporter: Exporter, model: string, body: string): Promise<void> {
  const r = await fetch(`${exporter.url}/api/v1/models/${model}/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(r.status).toBe(201);
}

describe('realised performance on /metrics', () => {
  let exporter: Exporter;
  let cleanup: () => void;
  let samples: Sample[];
  const rows: Row[] = [];
  const reference: { label: number; prediction: number; score: number }[] = [];

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    exporter = await startTestExporter(
      testConfig(join(t.dir, 'log.db'), {
        window: { rows: 2000, duration: '24h' },
        performance_windows: [
          { name: '1h', duration: '1h' },
          { name: 'last500', rows: 500 },
        ],
        drift: { min_rows: 100 },
        limits: { max_categories: 3 },
        models: [{ name: 'credit', task: 'binary_classification', segments: ['region'] }],
      }),
      { clock: () => NOW },
    );
    const sim = new Simulator(7);
    const ref = Array.from({ length: 3000 }, () => sim.next(false));
    for (const a of ref) reference.push({ label: a.label, prediction: a.prediction, score: a.score });
    await putReference(
      exporter,
      'credit',
      ref
        .map((a) =>
          JSON.stringify({ features: a.features, prediction: a.prediction, score: a.score, label: a.label }),
        )
        .join('\n'),
    );
    const items = Array.from({ length: 1500 }, (_, i) => {
      const a = sim.next(i > 1000);
      const row: Row = {
        id: `c${i}`,
        ts: NOW - 7200 + i * 4.8,
        label: i % 10 < 7 ? a.label : null,
        prediction: a.prediction,
        score: a.score,
        region: a.attributes.region,
      };
      rows.push(row);
      return {
        model: 'credit',
        prediction_id: row.id,
        ts: row.ts,
        features: a.features,
        prediction: a.prediction,
        score: a.score,
        attributes: a.attributes,
      };
    });
    expect((await post(`${exporter.url}/api/v1/predictions`, items)).status).toBe(202);
    const labels = rows
      .filter((r) => r.label !== null)
      .map((r) => ({ model: 'credit', prediction_id: r.id, label: r.label }));
    expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
    exporter.engine.evaluateAll();
    samples = await scrape(exporter);
  });
  afterAll(async () => {
    await exporter.close();
    cleanup();
  });

  const windows: [string, (rs: Row[]) => Row[]][] = [
    ['current', (rs) => rs],
    ['1h', (rs) => rs.filter((r) => r.ts >= NOW - 3600)],
    ['last500', (rs) => rs.slice(-500)],
  ];

  it.each(windows)('equals binaryClassificationMetrics on the same rows for window %s', (window, pick) => {
    const picked = pick(rows);
    const want = expected(picked);
    for (const [metric, family] of Object.entries(FAMILIES)) {
      const value = want[metric as keyof typeof FAMILIES];
      expect(value, metric).not.toBeNull();
      expect(exact(samples, family, { model: 'credit', window }), `${family} ${window}`).toEqual([value]);
    }
    expect(exact(samples, 'modelwatch_window_rows', { model: 'credit', window })).toEqual([picked.length]);
    const labelled = picked.filter((r) => r.label !== null).length;
    expect(exact(samples, 'modelwatch_label_coverage_ratio', { model: 'credit', window })).toEqual([
      labelled / picked.length,
    ]);
  });

  it.each(windows)(
    'equals it per segment "region=<value>" for window %s, top values plus __other__',
    (window, pick) => {
      const picked = pick(rows);
      // limits.max_categories = 3 and four regions: the two with most rows, then __other__.
      const counts = new Map<string, number>();
      for (const r of picked) counts.set(r.region, (counts.get(r.region) ?? 0) + 1);
      const kept = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 2)
        .map(([v]) => v);
      const segments = new Map<string, Row[]>();
      for (const r of picked) {
        const key = `region=${kept.includes(r.region) ? r.region : OTHER}`;
        segments.set(key, [...(segments.get(key) ?? []), r]);
      }
      expect(segments.size).toBe(3);
      const exported = new Set(
        samples
          .filter((s) => s.name === FAMILIES.accuracy && s.labels.window === window && s.labels.segment)
          .map((s) => s.labels.segment),
      );
      expect(exported).toEqual(new Set(segments.keys()));
      for (const [segment, members] of segments) {
        const want = expected(members);
        for (const [metric, family] of Object.entries(FAMILIES)) {
          const value = want[metric as keyof typeof FAMILIES];
          const got = exact(samples, family, { model: 'credit', window, segment });
          expect(got, `${family} ${window} ${segment}`).toEqual(value === null ? [] : [value]);
        }
      }
    },
  );

  it('exports the reference baseline as window="reference"', () => {
    const want = binaryClassificationMetrics(
      Uint8Array.from(reference, (r) => r.label),
      Uint8Array.from(reference, (r) => r.prediction),
      Float64Array.from(reference, (r) => r.score),
    );
    for (const [metric, family] of Object.entries(FAMILIES))
      expect(exact(samples, family, { model: 'credit', window: 'reference' }), family).toEqual([
        want[metric as keyof typeof FAMILIES],
      ]);
  });

  it('exposes no regression series for a classifier and never NaN', () => {
    expect(samples.filter((s) => s.name === 'modelwatch_model_mae')).toEqual([]);
    for (const s of samples) {
      if (s.name.endsWith('_bucket') && s.labels.le === '+Inf') continue;
      expect(Number.isFinite(s.value), `${s.name} ${JSON.stringify(s.labels)}`).toBe(true);
    }
  });
});

describe('degradation findings and the label-free estimate', () => {
  let exporter: Exporter;
  let cleanup: () => void;
  let samples: Sample[];

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    exporter = await startTestExporter(
      testConfig(join(t.dir, 'log.db'), {
        window: { rows: 3000 },
        performance_windows: [{ name: '24h', duration: '24h' }],
        drift: { min_rows: 500 },
        retraining: { sustained_evaluations: 2 },
        models: [
          { name: 'steady', task: 'binary_classification' },
          { name: 'drifting', task: 'binary_classification' },
        ],
      }),
      { clock: () => NOW },
    );
    // A labelled reference of 12000 rows: four chunks of the window's 3000 rows for the bands.
    const body = referenceNdjson(new Simulator(21), 12_000);
    await putReference(exporter, 'steady', body);
    await putReference(exporter, 'drifting', body);
    const sim = new Simulator(22);
    for (const model of ['steady', 'drifting']) {
      const applicants = Array.from({ length: 3000 }, () => sim.next(model === 'drifting'));
      const items = applicants.map((a, i) => ({
        model,
        prediction_id: `${model}-${i}`,
        ts: NOW - 3000 + i,
        features: a.features,
        prediction: a.prediction,
        score: a.score,
      }));
      expect((await post(`${exporter.url}/api/v1/predictions`, items)).status).toBe(202);
      const labels = applicants.map((a, i) => ({ model, prediction_id: `${model}-${i}`, label: a.label }));
      expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
    }
    exporter.engine.evaluateAll();
    exporter.engine.evaluateAll();
    samples = await scrape(exporter);
  });
  afterAll(async () => {
    await exporter.close();
    cleanup();
  });

  const report = (model: string) => exporter.engine.monitors.get(model)!.latest!.report;

  it('raises no performance finding while the model performs as on its reference', () => {
    expect(report('steady').findings.filter((f) => f.type === 'performance_degradation')).toEqual([]);
    expect(report('steady').retraining.recommended).toBe(false);
  });

  it('raises direction-aware findings, warning and critical, on a simulated drop and recommends retraining', () => {
    const findings = report('drifting').findings.filter(
      (f) => f.type === 'performance_degradation' && f.window === 'current',
    );
    const byMetric = Object.fromEntries(findings.map((f) => [f.metric, f]));
    // Accuracy falls by about 17%: beyond the 10% tolerance, not beyond twice it.
    expect(byMetric.accuracy).toMatchObject({ severity: 'warning' });
    expect(byMetric.accuracy!.value!).toBeLessThan(byMetric.accuracy!.threshold!);
    // Log loss and Brier rise (lower is better) by more than 20%.
    expect(byMetric.log_loss).toMatchObject({ severity: 'critical' });
    expect(byMetric.log_loss!.value!).toBeGreaterThan(byMetric.log_loss!.threshold!);
    expect(byMetric.brier).toMatchObject({ severity: 'critical' });
    expect(byMetric.accuracy!.description).toMatch(
      /accuracy over window "current" is 0\.\d+, \d+\.\d% below the reference baseline/,
    );
    // Precision rises under this concept drift: no finding for it.
    expect(byMetric.precision).toBeUndefined();
    expect(report('drifting').status).toBe('critical');
    const retraining = report('drifting').retraining;
    expect(retraining.recommended).toBe(true);
    expect(retraining.urgency).toBe('high');
    expect(retraining.reasons.join('\n')).toMatch(
      /performance degraded from the reference baseline over 2 evaluations/,
    );
  });

  it('estimates accuracy without labels within 0.02 of the realised accuracy on a calibrated stream', () => {
    const realised = exact(samples, FAMILIES.accuracy, { model: 'steady', window: 'current' })[0]!;
    const at = (bound: string) =>
      exact(samples, 'modelwatch_estimated_accuracy_ratio', {
        model: 'steady',
        window: 'current',
        bound,
      })[0]!;
    expect(Math.abs(at('estimate') - realised)).toBeLessThan(0.02);
    expect(at('lower')).toBeLessThan(at('estimate'));
    expect(at('upper')).toBeGreaterThan(at('estimate'));
    for (const name of ['precision', 'recall', 'f1', 'roc_auc'])
      expect(
        exact(samples, `modelwatch_estimated_${name}_ratio`, {
          model: 'steady',
          window: 'current',
          bound: 'estimate',
        }),
      ).toHaveLength(1);
    expect(report('steady').findings.filter((f) => f.metric?.startsWith('estimated_'))).toEqual([]);
  });
});

describe('tasks inferred from the labels', () => {
  let exporter: Exporter;
  let cleanup: () => void;
  afterAll(async () => {
    await exporter.close();
    cleanup();
  });

  it('computes multiclass and regression metrics, and notes a single-class binary window', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    exporter = await startTestExporter(testConfig(join(t.dir, 'log.db')), { clock: () => NOW });
    const classes = ['cat', 'dog', 'bird'];
    const mc = Array.from({ length: 60 }, (_, i) => ({
      prediction: classes[i % 3]!,
      label: classes[(i * 7) % 5 === 0 ? (i + 1) % 3 : i % 3]!,
    }));
    const reg = Array.from({ length: 60 }, (_, i) => ({
      prediction: i * 0.5,
      label: i * 0.5 + ((i % 5) - 2) / 3,
    }));
    const send = async (model: string, rows: { prediction: unknown; label: unknown; score?: number }[]) => {
      const items = rows.map((r, i) => ({
        model,
        prediction_id: `${model}${i}`,
        ts: NOW - 100 + i,
        features: { x: i },
        prediction: r.prediction,
        ...(r.score === undefined ? {} : { score: r.score }),
      }));
      expect((await post(`${exporter.url}/api/v1/predictions`, items)).status).toBe(202);
      const labels = rows.map((r, i) => ({ model, prediction_id: `${model}${i}`, label: r.label }));
      expect((await post(`${exporter.url}/api/v1/feedback`, labels)).status).toBe(202);
    };
    await send('animals', mc);
    await send('prices', reg);
    await send(
      'oneclass',
      Array.from({ length: 20 }, (_, i) => ({ prediction: i % 2, label: 1, score: (i % 10) / 10 })),
    );
    const results = Object.fromEntries(exporter.engine.evaluateAll().map((r) => [r.model, r]));

    const animals = results.animals!.performance;
    expect([animals.task, animals.taskSource]).toEqual(['multiclass', 'labels']);
    expect(animals.windows[0]!.metrics).toEqual(
      multiclassClassificationMetrics(
        mc.map((r) => r.label),
        mc.map((r) => r.prediction),
      ),
    );
    expect(results.animals!.report.notes.join('\n')).toMatch(
      /task inferred from the labels in memory: multiclass/,
    );

    const prices = results.prices!.performance;
    expect(prices.task).toBe('regression');
    expect(prices.windows[0]!.metrics).toEqual(
      regressionMetrics(
        Float64Array.from(reg, (r) => r.label),
        Float64Array.from(reg, (r) => r.prediction),
      ),
    );

    const oneclass = results.oneclass!;
    expect(oneclass.performance.task).toBe('binary');
    expect(oneclass.performance.windows[0]!.metrics!.roc_auc).toBeNull();
    expect(oneclass.report.notes.join('\n')).toMatch(/window "current": .*labels hold one class only/);
    const samples = await scrape(exporter);
    expect(exact(samples, FAMILIES.roc_auc, { model: 'oneclass', window: 'current' })).toEqual([]);
    expect(exact(samples, FAMILIES.accuracy, { model: 'oneclass', window: 'current' })).toEqual([0.5]);
    expect(exact(samples, 'modelwatch_model_r2', { model: 'prices', window: 'current' })).toEqual([
      prices.windows[0]!.metrics!.r2,
    ]);
  });
});

describe('folding attribute values into __other__', () => {
  it('keeps every value when they fit, else the top values by rows and __other__ (dictionary overflow included)', () => {
    const dict = ['a', 'b', 'c', 'd', OTHER];
    const codes = Int32Array.from([0, 0, 0, 1, 1, 2, 3, 3, -1, 4]);
    const all = Int32Array.from(codes.keys());
    expect(foldedGroups(codes, dict.slice(0, 4), all.subarray(0, 8), 4)).toMatchObject({
      labels: ['a', 'b', 'c', 'd'],
      rows: [3, 2, 1, 2],
    });
    const folded = foldedGroups(codes, dict, all, 3, '(missing)');
    expect(folded.labels).toEqual(['a', 'b', OTHER]);
    expect(folded.rows).toEqual([3, 2, 5]);
    expect(folded.groupOfCode[0]).toBe(2); // missing → folded with the rest
  });
});
