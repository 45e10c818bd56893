/**
 * `npm run bench`: every benchmark part in sequence, each with its own temp dir and `modelwatch serve`
 * process — ingest over HTTP vs raw SQLite, /metrics scrape latency under concurrent ingest, memory with
 * a 1M-row log, time to recover after a restart, evaluation vs scipy — then one table
 * (measure | value | target | ratio | pass) and bench/results/bench.json (every figure plus the raw
 * per-part numbers). Ratios are against baselines measured in the same run.
 *
 * Usage: npm run bench [-- --quick] [-- --only scrape,memory] [-- --out file.json] [-- --python path]
 *   --quick   tiny sizes (a smoke test: every figure, none of them meaningful); writes bench-quick.json
 *   --only    comma-separated parts: ingest, scrape, memory, restart, evaluation, decision, compare
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Measure, type PartResult, passes, table } from './lib/report';
import { killChildren, ROOT } from './lib/server';
import { comparePart } from './parts/compare';
import { decisionPart } from './parts/decision';
import { evaluationPart } from './parts/evaluation';
import { ingestPart } from './parts/ingest';
import { memoryPart } from './parts/memory';
import { restartPart } from './parts/restart';
import { scrapePart } from './parts/scrape';

const PARTS = ['ingest', 'scrape', 'memory', 'restart', 'evaluation', 'decision', 'compare'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    python: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...PARTS];
for (const p of only) {
  if (!PARTS.includes(p as Part)) {
    console.error(`unknown part "${p}" (parts: ${PARTS.join(', ')})`);
    process.exit(2);
  }
}
const out = resolve(values.out ?? join(ROOT, 'bench/results', quick ? 'bench-quick.json' : 'bench.json'));

const log = (part: string) => (line: string) => console.log(`[${part}] ${line}`);

/** Sizes: the issue's for a full run, tiny ones for --quick. */
const run: Record<Part, () => Promise<PartResult>> = {
  ingest: () =>
    ingestPart(
      quick
        ? { rows: 3000, rounds: 1, concurrency: 2, batch: 500, log: log('ingest') }
        : { rows: 200_000, rounds: 5, concurrency: 4, batch: 1000, log: log('ingest') },
    ),
  scrape: () =>
    scrapePart(
      quick
        ? {
            models: 10,
            rowsPerModel: 600,
            referenceRows: 600,
            seconds: 2,
            connections: 2,
            rate: 20,
            ingestRate: 2000,
            ingestBatch: 100,
            interval: '1s',
            fullRateSeconds: 2,
            fullRateRows: 20_000,
            slowSockets: 40,
            maxConnections: 32,
            headerTimeout: 1,
            log: log('scrape'),
          }
        : {
            models: 10,
            rowsPerModel: 20_000,
            referenceRows: 10_000,
            seconds: 20,
            connections: 2,
            rate: 20,
            ingestRate: 10_000,
            ingestBatch: 500,
            interval: '5s',
            fullRateSeconds: 4,
            fullRateRows: 600_000,
            slowSockets: 2000,
            maxConnections: 1024,
            headerTimeout: 10,
            log: log('scrape'),
          },
    ),
  memory: () =>
    memoryPart(
      quick
        ? { rows: 20_000, window: 5000, referenceRows: 1000, rounds: 1, interval: '1s', log: log('memory') }
        : {
            rows: 1_000_000,
            window: 100_000,
            referenceRows: 20_000,
            rounds: 2,
            interval: '5s',
            log: log('memory'),
          },
    ),
  restart: () =>
    restartPart(
      quick
        ? { rows: 20_000, window: 5000, referenceRows: 1000, runs: 1, baselineRuns: 1, log: log('restart') }
        : {
            rows: 1_000_000,
            window: 100_000,
            referenceRows: 20_000,
            runs: 5,
            baselineRuns: 3,
            log: log('restart'),
          },
    ),
  evaluation: () =>
    evaluationPart({
      ...(quick ? { rows: 5000, features: 20, repeats: 1 } : { rows: 100_000, features: 20, repeats: 5 }),
      ...(values.python ? { python: values.python } : {}),
      log: log('evaluation'),
    }),
  decision: () =>
    decisionPart(
      quick
        ? { window: 5000, features: 20, referenceRows: 2000, repeats: 1, log: log('decision') }
        : { window: 100_000, features: 20, referenceRows: 20_000, repeats: 7, log: log('decision') },
    ),
  compare: () =>
    comparePart({
      ...(quick
        ? { rows: 1000, features: 20, bigRows: 5000, runs: 1, versionRuns: 2 }
        : { rows: 100_000, features: 20, bigRows: 1_000_000, runs: 5 }),
      ...(values.python ? { python: values.python } : {}),
      log: log('compare'),
    }),
};

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`;
  }
}

// Interrupted (Ctrl-C, a test's time limit): stop the exporters and load generators started so far.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

const startedAt = new Date();
const before = { uptime: uptime(), loadavg: loadavg() };
console.log(`modelwatch benchmarks${quick ? ' (--quick: tiny sizes)' : ''}: ${only.join(', ')}`);
console.log(`${cpus().length} CPUs, Node ${process.version}; ${before.uptime}`);

const parts: Record<
  string,
  { seconds: number; raw?: Record<string, unknown>; skipped?: string; error?: string }
> = {};
const measures: Measure[] = [];
let failed = false;
for (const part of PARTS) {
  if (!only.includes(part)) continue;
  const t0 = performance.now();
  console.log(`\n== ${part}`);
  try {
    const r = await run[part]();
    measures.push(...r.measures);
    parts[part] = {
      seconds: (performance.now() - t0) / 1000,
      raw: r.raw,
      ...(r.skipped !== undefined ? { skipped: r.skipped } : {}),
    };
  } catch (err) {
    failed = true;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`[${part}] failed: ${message}`);
    parts[part] = { seconds: (performance.now() - t0) / 1000, error: message };
  }
}
const after = { uptime: uptime(), loadavg: loadavg() };

console.log('');
console.log(table(measures));
console.log('');
const missed = measures.filter((m) => passes(m) === false);
const targets = measures.filter((m) => passes(m) !== null);
console.log(
  `${targets.length - missed.length} of ${targets.length} targets met${missed.length ? `; missed: ${missed.map((m) => m.key).join(', ')}` : ''}`,
);
for (const [part, p] of Object.entries(parts)) if (p.skipped) console.log(`${part}: ${p.skipped}`);
console.log(`before: ${before.uptime}\nafter:  ${after.uptime}`);

const report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  quick,
  measured_at: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  machine: { cpus: cpus().length, memory_bytes: totalmem(), node: process.version, before, after },
  measures: measures.map((m) => ({ ...m, pass: passes(m) })),
  parts,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);
if (failed) process.exitCode = 1;
