/**
 * Cost of the drift decision (docs/detection.md): one model's `ModelMonitor.evaluate` over a full window
 * (default 100,000 rows × 20 numeric features, 20,000-row reference), with `drift.decision: calibrated`
 * (the default) and `threshold`, alternating in one process so the ratio is measured in the same run.
 * The first calibrated evaluation also sizes each feature's Wasserstein null once per reference (timed
 * on its own). Multivariate tests and rolling performance windows are off: neither depends on the decision.
 */
import { buildConfig } from '../../exporter/src/config/load';
import { createMonitor, evaluationSettings } from '../../exporter/src/evaluate/settings';
import { NO_TELEMETRY } from '../../exporter/src/evaluate/telemetry';
import { buildProfile, DEFAULT_ROLES } from '../../exporter/src/reference/profile';
import type { Column, Table } from '../../exporter/src/reference/table';
import type { LogRow } from '../../exporter/src/store/reader';
import { median, type PartResult } from '../lib/report';
import { evaluationData } from './evaluation';

export interface DecisionOptions {
  window: number;
  features: number;
  referenceRows: number;
  repeats: number;
  log?: (line: string) => void;
}

export async function decisionPart(opts: DecisionOptions): Promise<PartResult> {
  const data = evaluationData(Math.max(opts.window, opts.referenceRows), opts.features);
  const names = data.map((_, f) => `f${f}`);
  const columns = new Map<string, Column>();
  names.forEach((n, f) => {
    columns.set(n, { type: 'numeric', values: data[f]!.ref.slice(0, opts.referenceRows) });
  });
  const table: Table = { names, columns, rows: opts.referenceRows };
  const profile = buildProfile(table, { ...DEFAULT_ROLES, attributes: new Set(), types: new Map() }, 20_000);
  const config = buildConfig({
    window: { rows: opts.window },
    performance_windows: [],
    drift: { multivariate: false },
    models: [
      { name: 'calibrated', drift: { decision: 'calibrated' } },
      { name: 'threshold', drift: { decision: 'threshold' } },
    ],
  });
  const monitors = ['calibrated', 'threshold'].map((name) => {
    const monitor = createMonitor(config, name, NO_TELEMETRY);
    monitor.setReference({
      id: 1,
      model: name,
      name: 'reference',
      created_at: 0,
      source: { kind: 'upload', format: 'csv' },
      rows: opts.referenceRows,
      profile,
    });
    return { name, monitor, settings: evaluationSettings(config, monitor.config), times: [] as number[] };
  });
  const t0 = 1_800_000_000;
  for (let i = 0; i < opts.window; i++) {
    const features: Record<string, number> = {};
    names.forEach((n, f) => {
      features[n] = data[f]!.cur[i]!;
    });
    const row: LogRow = {
      id: i + 1,
      model: 'bench',
      model_version: null,
      prediction_id: `p${i}`,
      ts: t0 + i / 1000,
      features,
      prediction: null,
      score: null,
      attributes: null,
      latency_seconds: null,
    };
    for (const m of monitors) m.monitor.append(row);
  }
  const now = t0 + opts.window / 1000 + 1;
  const first = performance.now();
  monitors[0]!.monitor.evaluate(now, monitors[0]!.settings);
  const firstMs = performance.now() - first;
  for (let r = 0; r < opts.repeats; r++) {
    for (const m of r % 2 === 0 ? monitors : [...monitors].reverse()) {
      const t = performance.now();
      m.monitor.evaluate(now, m.settings);
      m.times.push(performance.now() - t);
    }
  }
  const [calibrated, threshold] = monitors.map((m) => median(m.times)) as [number, number];
  opts.log?.(
    `evaluate ${opts.window} rows × ${opts.features} features: calibrated ${calibrated.toFixed(1)} ms, ` +
      `threshold ${threshold.toFixed(1)} ms (median of ${opts.repeats}); first calibrated ${firstMs.toFixed(1)} ms`,
  );
  const size = `${opts.window.toLocaleString('en')}-row window × ${opts.features} features`;
  return {
    measures: [
      {
        key: 'decision.calibrated_ms',
        label: `evaluation, calibrated decision (${size}), median`,
        value: calibrated,
        unit: 'ms',
        target: { op: '<=', value: 150 },
        ratio: { value: calibrated / threshold, of: 'threshold rule' },
      },
      {
        key: 'decision.threshold_ms',
        label: `evaluation, threshold rule (${size}), median`,
        value: threshold,
        unit: 'ms',
      },
      {
        key: 'decision.first_calibrated_ms',
        label: 'first calibrated evaluation of a reference (sizes the Wasserstein nulls)',
        value: firstMs,
        unit: 'ms',
      },
    ],
    raw: { times: Object.fromEntries(monitors.map((m) => [m.name, m.times])), firstMs },
  };
}
