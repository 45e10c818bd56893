/**
 * Smoke test of `npm run bench`: the whole benchmark at tiny sizes (`--quick`) runs to the end within a
 * minute and a half and writes every figure as a finite number. No timing is asserted: the figures of a quick run
 * mean nothing, and this machine is shared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every figure `npm run bench` reports; the scipy ones only when python3 + scipy are present. */
const MEASURES = [
  'ingest.raw_per_second',
  'ingest.raw_from_objects_per_second',
  'ingest.http_per_second',
  'ingest.ratio',
  'ingest.ratio_vs_multi_row',
  'scrape.baseline_p50_ms',
  'scrape.baseline_p99_ms',
  'scrape.baseline_max_ms',
  'scrape.baseline_per_second',
  'scrape.p50_ms',
  'scrape.p99_ms',
  'scrape.max_ms',
  'scrape.per_second',
  'scrape.ingest_per_second',
  'scrape.evaluation_ms_per_model',
  'memory.empty_rss_mib',
  'memory.rss_first_evaluation_mib',
  'memory.rss_after_rounds_mib',
  'memory.peak_rss_mib',
  'memory.evaluation_ms',
  'restart.version_s',
  'restart.empty_ready_s',
  'restart.ready_s',
  'restart.first_metrics_s',
  'evaluation.ks_ms',
  'evaluation.wasserstein_ms',
  'evaluation.psi_ms',
  'evaluation.engine_column_ms',
  'compare.csv_s',
  'compare.csv_rss_mib',
  'compare.parquet_s',
  'compare.parquet_rss_mib',
  'compare.big_parquet_s',
  'compare.big_parquet_rss_mib',
  'compare.version_s',
];
/** The pandas + scipy side of the compare part (only with a python3 that has pandas and scipy). */
const PANDAS_MEASURES = [
  'compare.pandas_s',
  'compare.pandas_rss_mib',
  'compare.speedup_vs_pandas',
  'compare.rss_vs_pandas',
  'compare.max_rel_diff_stats',
];
const SCIPY_MEASURES = [
  'evaluation.scipy_ks_ms',
  'evaluation.scipy_wasserstein_ms',
  'evaluation.scipy_psi_ms',
  'evaluation.max_rel_diff_ks_statistic',
  'evaluation.max_rel_diff_ks_p_value',
  'evaluation.max_rel_diff_wasserstein',
  'evaluation.max_rel_diff_psi',
];

interface Report {
  quick: boolean;
  measures: { key: string; value: number; ratio?: { value: number }; pass: boolean | null }[];
  parts: Record<string, { error?: string; skipped?: string }>;
}

function runQuick(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick', '--out', out],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // Bounded: a run past 85 s is stopped (on SIGTERM run.ts stops the exporters it started).
    const timer = setTimeout(() => child.kill('SIGTERM'), 85_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every part and writes every figure as a finite number', { timeout: 90_000 }, async () => {
    const out = join(dir, 'bench.json');
    const { code, output } = await runQuick(out);
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.quick).toBe(true);
    for (const [part, p] of Object.entries(report.parts)) expect(p.error, part).toBeUndefined();
    const byKey = new Map(report.measures.map((m) => [m.key, m]));
    const expected = [
      ...MEASURES,
      ...(report.parts.evaluation?.skipped ? [] : SCIPY_MEASURES),
      ...(report.parts.compare?.skipped ? [] : PANDAS_MEASURES),
    ];
    for (const key of expected) {
      const m = byKey.get(key);
      expect(m, `measure ${key}`).toBeDefined();
      expect(Number.isFinite(m!.value), `${key} = ${m!.value}`).toBe(true);
      if (m!.ratio) expect(Number.isFinite(m!.ratio.value), `${key} ratio`).toBe(true);
    }
    // The printed table names every figure too.
    expect(output).toContain('| measure');
    expect(output).toContain('targets met');
  });
});
