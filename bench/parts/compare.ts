/**
 * `modelwatch compare` end to end vs the pandas + scipy script a user would write instead
 * (bench/compare_pandas.py: the same files, the same statistics — KS, normed Wasserstein, PSI, KL,
 * Jensen–Shannon). Both run as whole processes, alternating, `runs` times each; the medians of wall time
 * and of peak RSS (/usr/bin/time's maximum resident set size) are compared in the same run. Also: the
 * same data as Parquet (compare only; Debian's pandas has no Parquet engine), 1M × 20 against
 * 1M × 20 Parquet, `modelwatch --version`, and the largest relative difference between the two sides'
 * statistics. The CLI runs the compiled JavaScript (exporter/dist, rebuilt first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Measure, median, type PartResult } from '../lib/report';
import { buildOnce, ROOT } from '../lib/server';
import { evaluationData } from './evaluation';

export interface CompareBenchOptions {
  rows: number;
  features: number;
  /** Rows per side of the large Parquet comparison. */
  bigRows: number;
  runs: number;
  /** Runs of `modelwatch --version` (default 5). */
  versionRuns?: number;
  python?: string;
  log?: (line: string) => void;
}

const BIN = join(ROOT, 'exporter/bin/modelwatch.mjs');
const TIME = '/usr/bin/time';
const STATS = ['ks_statistic', 'ks_p_value', 'wasserstein_normed', 'psi', 'kl', 'jensenshannon'] as const;
type Stats = Record<string, Record<(typeof STATS)[number], number>>;

interface Run {
  seconds: number;
  rssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end: wall time, peak RSS (via /usr/bin/time -f %M), output. */
function measure(cmd: string, args: string[], dir: string): Run {
  const rssFile = join(dir, 'rss.txt');
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed
    ? spawnSync(TIME, ['-f', '%M', '-o', rssFile, cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const rssMiB = timed ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : Number.NaN;
  return { seconds, rssMiB, stdout: r.stdout, stderr: r.stderr };
}

function findPandas(explicit?: string): string | null {
  for (const python of explicit ? [explicit] : ['/usr/bin/python3', 'python3']) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    const r = spawnSync(python, ['-c', 'import pandas, scipy, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return null;
}

function writeCsv(path: string, columns: Float64Array[]): void {
  const names = columns.map((_, f) => `f${f}`);
  const lines = [names.join(',')];
  for (let i = 0; i < columns[0]!.length; i++) lines.push(columns.map((c) => String(c[i])).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Parquet of the same values (DuckDB parses the CSV's shortest-form doubles exactly). */
async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${parquet}' (FORMAT parquet)`);
  db.closeSync();
}

/** rows × features doubles per side, in SQL (the mix of evaluationData: normal, log-normal, ties, exponential). */
async function bigParquet(
  path: string,
  rows: number,
  features: number,
  shift: number,
  seed: number,
): Promise<void> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`SELECT setseed(${seed})`);
  const normal = 'sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())';
  const cols = Array.from({ length: features }, (_, f) => {
    const s = shift * (f % 3);
    switch (f % 4) {
      case 0:
        return `${normal} + ${s} AS f${f}`;
      case 1:
        return `exp(0.5 * ${normal} + ${s}) AS f${f}`;
      case 2:
        return `round(random() * ${100 + 100 * s} * 10) / 10 AS f${f}`;
      default:
        return `-ln(1 - random()) * ${1 + s} AS f${f}`;
    }
  });
  await db.run(`COPY (SELECT ${cols.join(', ')} FROM range(${rows})) TO '${path}' (FORMAT parquet)`);
  db.closeSync();
}

const relDiff = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

export async function comparePart(opts: CompareBenchOptions): Promise<PartResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-compare-'));
  try {
    buildOnce();
    log(`data: ${opts.features} numeric features × ${opts.rows} rows per side (CSV and Parquet)`);
    const data = evaluationData(opts.rows, opts.features);
    const files = {
      refCsv: join(dir, 'reference.csv'),
      curCsv: join(dir, 'current.csv'),
      refParquet: join(dir, 'reference.parquet'),
      curParquet: join(dir, 'current.parquet'),
      bigRef: join(dir, 'big_reference.parquet'),
      bigCur: join(dir, 'big_current.parquet'),
    };
    writeCsv(
      files.refCsv,
      data.map((d) => d.ref),
    );
    writeCsv(
      files.curCsv,
      data.map((d) => d.cur),
    );
    await csvToParquet(files.refCsv, files.refParquet);
    await csvToParquet(files.curCsv, files.curParquet);
    log(`data: ${opts.features} features × ${opts.bigRows} rows per side (Parquet)`);
    await bigParquet(files.bigRef, opts.bigRows, opts.features, 0, 0.25);
    await bigParquet(files.bigCur, opts.bigRows, opts.features, 0.02, 0.75);

    const python = findPandas(opts.python);
    const compare = (ref: string, cur: string) =>
      measure(process.execPath, [BIN, 'compare', '--reference', ref, '--current', cur], dir);
    const runs = { csv: [] as Run[], parquet: [] as Run[], pandas: [] as Run[] };
    for (let i = 0; i < opts.runs; i++) {
      runs.csv.push(compare(files.refCsv, files.curCsv));
      if (python)
        runs.pandas.push(
          measure(python, [join(ROOT, 'bench/compare_pandas.py'), files.refCsv, files.curCsv], dir),
        );
      runs.parquet.push(compare(files.refParquet, files.curParquet));
      log(
        `run ${i + 1}: compare CSV ${runs.csv[i]!.seconds.toFixed(2)} s, ` +
          `${python ? `pandas+scipy ${runs.pandas[i]!.seconds.toFixed(2)} s, ` : ''}compare Parquet ${runs.parquet[i]!.seconds.toFixed(2)} s`,
      );
    }
    const big: Run[] = [];
    for (let i = 0; i < Math.max(1, Math.min(opts.runs, 3)); i++) {
      big.push(compare(files.bigRef, files.bigCur));
      log(`${opts.bigRows} rows: ${big[i]!.seconds.toFixed(2)} s, peak RSS ${big[i]!.rssMiB.toFixed(0)} MiB`);
    }
    const version: number[] = [];
    for (let i = 0; i < (opts.versionRuns ?? 5); i++)
      version.push(measure(process.execPath, [BIN, '--version'], dir).seconds);

    const med = (rs: Run[], k: 'seconds' | 'rssMiB') => median(rs.map((r) => r[k]));
    const csvS = med(runs.csv, 'seconds');
    const parquetS = med(runs.parquet, 'seconds');
    const measures: Measure[] = [
      {
        key: 'compare.csv_s',
        label: `compare, ${opts.features} × ${opts.rows} CSV vs same`,
        value: csvS,
        unit: 's',
      },
      {
        key: 'compare.csv_rss_mib',
        label: 'compare CSV, peak RSS',
        value: med(runs.csv, 'rssMiB'),
        unit: 'MiB',
      },
      {
        key: 'compare.parquet_s',
        label: 'compare, same data as Parquet',
        value: parquetS,
        unit: 's',
        ratio: { value: csvS / parquetS, of: 'CSV time / Parquet time' },
        target: { op: '<=', value: csvS },
      },
      {
        key: 'compare.parquet_rss_mib',
        label: 'compare Parquet, peak RSS',
        value: med(runs.parquet, 'rssMiB'),
        unit: 'MiB',
      },
      {
        key: 'compare.big_parquet_s',
        label: `compare, ${opts.features} × ${opts.bigRows} Parquet vs same`,
        value: med(big, 'seconds'),
        unit: 's',
        target: { op: '<=', value: 5 },
      },
      {
        key: 'compare.big_parquet_rss_mib',
        label: `compare ${opts.bigRows} rows, peak RSS`,
        value: med(big, 'rssMiB'),
        unit: 'MiB',
        target: { op: '<=', value: 1024 },
      },
      {
        key: 'compare.version_s',
        label: 'modelwatch --version',
        value: median(version),
        unit: 's',
        target: { op: '<=', value: 0.15 },
      },
    ];
    const raw: Record<string, unknown> = {
      runs: Object.fromEntries(
        Object.entries(runs).map(([k, rs]) => [
          k,
          rs.map((r) => ({ seconds: r.seconds, rss_mib: r.rssMiB })),
        ]),
      ),
      big: big.map((r) => ({ seconds: r.seconds, rss_mib: r.rssMiB })),
      big_progress_line: big[0]!.stderr.trim().split('\n').pop() ?? '',
      version_seconds: version,
    };
    let skipped: string | undefined;
    if (python) {
      const pandasS = med(runs.pandas, 'seconds');
      const pandasRss = med(runs.pandas, 'rssMiB');
      measures.push(
        {
          key: 'compare.pandas_s',
          label: 'pandas + scipy script, same files and statistics',
          value: pandasS,
          unit: 's',
        },
        {
          key: 'compare.pandas_rss_mib',
          label: 'pandas + scipy script, peak RSS',
          value: pandasRss,
          unit: 'MiB',
        },
        {
          key: 'compare.speedup_vs_pandas',
          label: 'compare CSV speed-up over pandas + scipy',
          value: pandasS / csvS,
          unit: '×',
          target: { op: '>=', value: 4 },
        },
        {
          key: 'compare.rss_vs_pandas',
          label: 'compare CSV peak RSS / pandas + scipy peak RSS',
          value: med(runs.csv, 'rssMiB') / pandasRss,
          unit: '',
          target: { op: '<=', value: 1 },
        },
      );
      // Same statistics on both sides (the last runs' outputs).
      const ours = JSON.parse(runs.csv.at(-1)!.stdout) as {
        drift: { features: Record<string, { stats: Record<string, number> }> };
      };
      const theirs = JSON.parse(runs.pandas.at(-1)!.stdout) as Stats;
      let worst = 0;
      for (const [name, s] of Object.entries(theirs)) {
        for (const k of STATS) worst = Math.max(worst, relDiff(ours.drift.features[name]!.stats[k]!, s[k]));
      }
      measures.push({
        key: 'compare.max_rel_diff_stats',
        label: 'largest relative difference, compare vs pandas + scipy statistics',
        value: worst,
        unit: '',
        target: { op: '<=', value: 1e-9 },
      });
      raw.python = python;
    } else {
      skipped =
        'no python3 with pandas and scipy (apt-get install python3-pandas python3-scipy): compare figures only';
    }
    return { measures, raw, ...(skipped !== undefined ? { skipped } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
