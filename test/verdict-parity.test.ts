/**
 * `compare` and `serve` reach the same verdict on the same reference and window (docs/detection.md): the
 * calibrated level depends on the budget and the number of columns tested, not on traffic or on how often
 * the exporter evaluates. One data set, compared offline and streamed through a real exporter.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompareReport, type CompareReport } from '../exporter/src/compare/report';
import { type Cell, type Table, tableFromCells } from '../exporter/src/reference/table';
import type { Exporter } from '../exporter/src/server';
import { mulberry32 } from '../exporter/src/stats/multivariate';
import { parseExposition, post, startTestExporter, tempDir, testConfig } from '../exporter/src/testing';

const FEATURES = ['a', 'b', 'c', 'kind'] as const;

/** Rows of the data set: numeric a, b, c and a categorical kind; `shift` moves a and b, and kind's mix. */
function rows(n: number, seed: number, shift: number) {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() || 1e-300)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, () => {
    const a = normal() + shift;
    const b = 2 * normal() + 3 * shift;
    const c = Math.round(normal() * 10) / 10; // ties
    const u = rand();
    const kind = u < 0.5 - shift / 4 ? 'x' : u < 0.8 ? 'y' : 'z';
    const score = 1 / (1 + Math.exp(-(a + b / 2)));
    return { features: { a, b, c, kind }, score, prediction: score >= 0.5 ? 1 : 0 };
  });
}

function table(data: ReturnType<typeof rows>): Table {
  const names = [...FEATURES, 'prediction', 'score'];
  const columns = new Map<string, Cell[]>(names.map((n) => [n, []]));
  for (const r of data) {
    for (const f of FEATURES) columns.get(f)!.push(r.features[f]);
    columns.get('prediction')!.push(r.prediction);
    columns.get('score')!.push(r.score);
  }
  return tableFromCells(columns);
}

describe('compare and serve: the same verdict on the same reference and window', () => {
  let exporter: Exporter;
  let cleanup: () => void;
  const reference = rows(3000, 1, 0);
  const windows = { quiet: rows(1500, 2, 0), drifted: rows(1500, 3, 0.12) };

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    exporter = await startTestExporter(
      testConfig(join(t.dir, 'log.db'), {
        window: { rows: 1500 },
        drift: { min_rows: 100, multivariate: false },
        models: [{ name: 'quiet' }, { name: 'drifted' }],
      }),
    );
    for (const model of ['quiet', 'drifted'] as const) {
      const put = await fetch(`${exporter.url}/api/v1/models/${model}/reference`, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-ndjson' },
        body: reference.map((r) => JSON.stringify(r)).join('\n'),
      });
      expect(put.status).toBe(201);
      const items = windows[model].map((r, i) => ({ model, prediction_id: `${model}-${i}`, ...r }));
      expect((await post(`${exporter.url}/api/v1/predictions`, items)).status).toBe(202);
    }
    await exporter.engine.evaluateAll();
  });
  afterAll(async () => {
    await exporter.close();
    cleanup();
  });

  for (const model of ['quiet', 'drifted'] as const) {
    it(`${model}: per feature and for the output, the same test, score, threshold in force and verdict`, async () => {
      const report: CompareReport = buildCompareReport(table(reference), table(windows[model]), {
        score: 'score',
        features: [...FEATURES],
      });
      expect(report.drift.decision).toBe('calibrated');
      const text = await (await fetch(`${exporter.url}/metrics`)).text();
      const samples = parseExposition(text).filter((s) => s.labels.model === model);
      const value = (name: string, labels: Record<string, string>) =>
        samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
          ?.value;
      for (const f of FEATURES) {
        const c = report.drift.features[f]!;
        expect(c.drifted, f).not.toBeNull();
        const labels = { feature: f, method: c.test! };
        expect(value('modelwatch_feature_drift_score', labels), f).toBeCloseTo(c.score!, 12);
        expect(value('modelwatch_feature_drift_threshold', labels), f).toBeCloseTo(c.threshold, 12);
        expect(value('modelwatch_feature_drifted', { feature: f }), f).toBe(c.drifted ? 1 : 0);
      }
      const p = report.prediction_drift!;
      expect(value('modelwatch_prediction_drift_threshold', { method: p.test! })).toBeCloseTo(
        p.threshold,
        12,
      );
      expect(value('modelwatch_prediction_drifted', {})).toBe(p.drifted ? 1 : 0);
      expect(value('modelwatch_dataset_drift', {})).toBe(report.drift.dataset_drift ? 1 : 0);
      if (model === 'quiet') expect(report.drift.drifted_count).toBe(0);
      else expect(report.drift.drifted_count).toBeGreaterThan(0);
    });
  }
});
