/**
 * Evaluation vs scipy: the same arrays (`rows` reference vs `rows` current values × `features` numeric
 * features, seeded, written to a temp file both sides read) — KS, Wasserstein and PSI timed in-process
 * with the functions the engine uses (exporter/src/stats), and with scipy.stats.ks_2samp,
 * scipy.stats.wasserstein_distance and a numpy PSI in bench/eval_scipy.py (/usr/bin/python3). Each pass
 * starts from the raw arrays, as scipy's calls do (sorting and binning included). Also timed: one
 * column's drift as an evaluation computes it (`driftColumn`: every statistic, reference profiled
 * beforehand). Checks that the statistics agree (max relative difference). Without python3 + scipy only
 * modelwatch's own times are reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binNumeric } from '../../exporter/src/stats/binning';
import { driftColumn } from '../../exporter/src/stats/drift';
import { psi } from '../../exporter/src/stats/drift-tests/psi';
import { wassersteinDistance } from '../../exporter/src/stats/drift-tests/wasserstein';
import { ks2samp } from '../../exporter/src/stats/ks2samp';
import { sortedFinite } from '../../exporter/src/stats/numeric';
import { profileNumeric } from '../../exporter/src/stats/profile';
import { type Measure, median, type PartResult } from '../lib/report';
import { lcg } from '../lib/rows';
import { ROOT } from '../lib/server';

export interface EvaluationOptions {
  rows: number;
  features: number;
  repeats: number;
  python?: string;
  log?: (line: string) => void;
}

type Stat = 'ks_statistic' | 'ks_p_value' | 'wasserstein' | 'psi';

interface ScipyOutput {
  python: string;
  scipy: string;
  numpy: string;
  times: Record<'ks' | 'wasserstein' | 'psi', number[]>;
  stats: Record<Stat, number[]>;
}

/**
 * Feature f: by f mod 4 normal, log-normal, uniform rounded to 0.1 (ties) or exponential values; the
 * current side shifted or scaled by an amount growing with f, so p-values range from ~1 to tiny.
 */
export function evaluationData(rows: number, features: number): { ref: Float64Array; cur: Float64Array }[] {
  const rand = lcg(20_261_123);
  const uniform = () => (rand() * 2_147_483_647 + 0.5) / 2_147_483_648;
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  const draw = (kind: number, shift: number) => {
    switch (kind) {
      case 0:
        return normal() + shift;
      case 1:
        return Math.exp(0.5 * normal() + shift);
      case 2:
        return Math.round(uniform() * (100 + 100 * shift) * 10) / 10;
      default:
        return -Math.log(uniform()) * (1 + shift);
    }
  };
  return Array.from({ length: features }, (_, f) => {
    const kind = f % 4;
    const shift = 0.004 * Math.floor(f / 4) * (f % 3);
    const ref = new Float64Array(rows);
    const cur = new Float64Array(rows);
    for (let i = 0; i < rows; i++) ref[i] = draw(kind, 0);
    for (let i = 0; i < rows; i++) cur[i] = draw(kind, shift);
    return { ref, cur };
  });
}

/** Relative difference, 0 when both are equal (including both 0). */
const relDiff = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

function findPython(explicit?: string): { python: string } | { why: string } {
  const candidates = explicit ? [explicit] : ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    const r = spawnSync(python, ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
    if (r.error === undefined)
      return { why: `${python} has no scipy/numpy (${r.stderr.trim().split('\n').pop()})` };
  }
  return { why: `no python3 found (${candidates.join(', ')})` };
}

export async function evaluationPart(opts: EvaluationOptions): Promise<PartResult> {
  const log = opts.log ?? (() => {});
  const columns = evaluationData(opts.rows, opts.features);

  // modelwatch, in-process: each pass over all features, from the raw arrays.
  const ours: Record<Stat, number[]> = { ks_statistic: [], ks_p_value: [], wasserstein: [], psi: [] };
  const passes = {
    ks: () => {
      for (const { ref, cur } of columns) {
        const r = ks2samp(sortedFinite(ref), sortedFinite(cur));
        ours.ks_statistic.push(r.statistic);
        ours.ks_p_value.push(r.pValue);
      }
    },
    wasserstein: () => {
      for (const { ref, cur } of columns)
        ours.wasserstein.push(wassersteinDistance(sortedFinite(ref), sortedFinite(cur)));
    },
    psi: () => {
      for (const { ref, cur } of columns) {
        // The reference's quantile edges and counts as a profile holds them, then the current side.
        const profile = profileNumeric(ref, { sampleCap: 2 });
        ours.psi.push(psi(binNumeric(profile, sortedFinite(cur))));
      }
    },
  };
  const times: Record<keyof typeof passes, number[]> = { ks: [], wasserstein: [], psi: [] };
  for (const [name, pass] of Object.entries(passes) as [keyof typeof passes, () => void][]) {
    pass(); // warm-up; its values are the ones compared
    for (let i = 0; i < opts.repeats; i++) {
      const t0 = performance.now();
      pass();
      times[name].push((performance.now() - t0) / 1000);
    }
  }
  for (const k of Object.keys(ours) as Stat[]) ours[k].length = opts.features;

  // One column as an evaluation computes it: reference profiled once (not timed), every statistic.
  const profiles = columns.map(({ ref }) => profileNumeric(ref, { sampleCap: opts.rows }));
  const engineTimes: number[] = [];
  for (let i = 0; i <= opts.repeats; i++) {
    const t0 = performance.now();
    for (let f = 0; f < columns.length; f++)
      driftColumn(profiles[f]!, { type: 'numeric', values: columns[f]!.cur });
    if (i > 0) engineTimes.push((performance.now() - t0) / 1000);
  }
  const ms = (s: number[]) => median(s) * 1000;
  const label = `${opts.features} features × ${opts.rows.toLocaleString('en-US')} vs ${opts.rows.toLocaleString('en-US')} rows`;
  const measures: Measure[] = [];
  const raw: Record<string, unknown> = {
    rows: opts.rows,
    features: opts.features,
    repeats: opts.repeats,
    modelwatch_seconds: times,
    engine_column_seconds: engineTimes,
  };

  const found = findPython(opts.python);
  let scipyOut: ScipyOutput | null = null;
  let skipped: string | undefined;
  if ('why' in found) {
    skipped = `scipy comparison skipped: ${found.why}`;
    log(skipped);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-eval-'));
    try {
      const file = join(dir, 'columns.f64');
      const all = new Float64Array(opts.features * 2 * opts.rows);
      columns.forEach(({ ref, cur }, f) => {
        all.set(ref, 2 * f * opts.rows);
        all.set(cur, (2 * f + 1) * opts.rows);
      });
      writeFileSync(file, new Uint8Array(all.buffer));
      const r = spawnSync(
        found.python,
        [
          join(ROOT, 'bench/eval_scipy.py'),
          file,
          String(opts.rows),
          String(opts.features),
          String(opts.repeats),
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      if (r.status !== 0) throw new Error(`eval_scipy.py failed (${r.status}): ${r.stderr}`);
      scipyOut = JSON.parse(r.stdout) as ScipyOutput;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  for (const [name, title] of [
    ['ks', 'KS (ks_2samp)'],
    ['wasserstein', 'Wasserstein distance'],
    ['psi', 'PSI (10 quantile bins)'],
  ] as const) {
    const value = ms(times[name]);
    const theirs = scipyOut ? ms(scipyOut.times[name]) : null;
    measures.push({
      key: `evaluation.${name}_ms`,
      label: `${title}, modelwatch, ${label}`,
      value,
      unit: 'ms',
      ...(theirs !== null ? { ratio: { value: value / theirs, of: 'scipy' } } : {}),
    });
    if (theirs !== null)
      measures.push({
        key: `evaluation.scipy_${name}_ms`,
        label: `${title}, scipy/numpy`,
        value: theirs,
        unit: 'ms',
      });
  }
  measures.push({
    key: 'evaluation.engine_column_ms',
    label: 'one column as evaluated (all statistics, reference profiled)',
    value: ms(engineTimes) / opts.features,
    unit: 'ms',
  });

  if (scipyOut) {
    const agreement: Record<Stat, number> = { ks_statistic: 0, ks_p_value: 0, wasserstein: 0, psi: 0 };
    for (const k of Object.keys(agreement) as Stat[]) {
      for (let f = 0; f < opts.features; f++) {
        const a = ours[k][f]!;
        const b = scipyOut.stats[k][f]!;
        // docs/statistics.md: KS p-values are compared for p ≥ 1e-12.
        if (k === 'ks_p_value' && Math.max(a, b) < 1e-12) continue;
        agreement[k] = Math.max(agreement[k], relDiff(a, b));
      }
    }
    raw.scipy = scipyOut;
    raw.modelwatch_stats = ours;
    raw.max_relative_difference = agreement;
    const tolerance: Record<Stat, number> = {
      ks_statistic: 1e-9,
      ks_p_value: 1e-6,
      wasserstein: 1e-9,
      psi: 1e-9,
    };
    for (const k of Object.keys(agreement) as Stat[]) {
      measures.push({
        key: `evaluation.max_rel_diff_${k}`,
        label: `max relative difference vs scipy: ${k}`,
        value: agreement[k],
        unit: '',
        target: { op: '<=', value: tolerance[k] },
      });
    }
    log(
      `scipy ${scipyOut.scipy}, numpy ${scipyOut.numpy}: max relative differences ${JSON.stringify(agreement)}`,
    );
  }
  return { raw, measures, ...(skipped !== undefined ? { skipped } : {}) };
}
