/**
 * Ingest benchmark (issue: ≥ 50,000 predictions/s over HTTP and ≥ 0.6 of a raw better-sqlite3 insert).
 * Same rows both ways, measured in the same run, alternating rounds:
 *  - raw:  prepared INSERT of pre-serialised rows into the same schema, 1,000 rows per transaction
 *          (the headline baseline); also shown: from row objects, and 50 rows per statement (the
 *          technique the exporter's ingest itself uses) for an apples-to-apples view;
 *  - http: `modelwatch serve` as its own process (its evaluation loop running as deployed), this
 *          process POSTing NDJSON batches of 1,000 predictions with 20 features over 4 connections.
 * Prints a table and writes bench/results/ingest.json.
 * Usage: npm run bench:ingest [-- --rows 200000 --rounds 3 --concurrency 4]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../exporter/src/store/db';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
  },
});
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const FEATURES = 20;
const ROOT = new URL('..', import.meta.url).pathname;

interface Row {
  model: string;
  model_version: string;
  prediction_id: string;
  ts: number;
  features: Record<string, number | string>;
  prediction: number;
  score: number;
  latency_seconds: number;
}

function makeRows(round: number): Row[] {
  let seed = 12345 + round;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  const now = Date.now() / 1000;
  return Array.from({ length: ROWS }, (_, i) => {
    const features: Record<string, number | string> = {};
    for (let f = 0; f < FEATURES; f++)
      features[`f${f}`] = f % 5 === 4 ? cats[Math.floor(rand() * 5)]! : Math.round(rand() * 1e6) / 1e3;
    return {
      model: 'bench',
      model_version: 'v1',
      prediction_id: `r${round}-${i}`,
      ts: now + i / 1e4,
      features,
      prediction: rand() < 0.5 ? 1 : 0,
      score: Math.round(rand() * 1e4) / 1e4,
      latency_seconds: 0.01,
    };
  });
}

/** A row as the INSERT's parameters (JSON columns serialised). */
function tuple(r: Row) {
  return [
    r.model,
    r.model_version,
    r.prediction_id,
    r.ts,
    JSON.stringify(r.features),
    JSON.stringify(r.prediction),
    r.score,
    null,
    r.latency_seconds,
  ] as const;
}

/**
 * Raw better-sqlite3 insert. `serialise` false: the JSON columns are serialised before the clock starts
 * (database cost only, the strict baseline); true: from row objects, as a model server writing the log
 * directly would (JSON.stringify included).
 */
function raw(rows: Row[], dir: string, serialise: boolean, perStatement = 1): number {
  const db = openDatabase(join(dir, `raw-${serialise}-${perStatement}.db`));
  if (perStatement > 1) return rawMultiRow(db, rows, perStatement);
  const insert = db.prepare(
    `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const prepared = serialise ? [] : rows.map(tuple);
  const tx = db.transaction((from: number) => {
    const end = Math.min(from + BATCH, rows.length);
    if (serialise) for (let i = from; i < end; i++) insert.run(...tuple(rows[i]!));
    else for (let i = from; i < end; i++) insert.run(...prepared[i]!);
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) tx.immediate(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows.length / seconds;
}

/** Same rows, pre-serialised, `per` rows per INSERT statement (the technique the exporter's ingest uses). */
function rawMultiRow(db: ReturnType<typeof openDatabase>, rows: Row[], per: number): number {
  const insert = db.prepare(
    `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
     VALUES ${Array(per).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const flat = rows.flatMap(tuple);
  const width = 9 * per;
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + BATCH; i += per) insert.run(...flat.slice(i * 9, i * 9 + width));
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) tx.immediate(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows.length / seconds;
}

async function startServer(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROFILE=<dir>: write V8 CPU profiles of the server's threads there
      ...(process.env.BENCH_CPU_PROFILE
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE]
        : []),
      join(ROOT, 'exporter/bin/modelwatch.mjs'),
      'serve',
      '--db',
      join(dir, 'http.db'),
      '--port',
      String(port),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, MODELWATCH_LOG_LEVEL: 'warn' },
    },
  );
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('exporter did not start');
}

async function http(rows: Row[], dir: string, port: number): Promise<number> {
  const bodies: string[] = [];
  for (let i = 0; i < rows.length; i += BATCH)
    bodies.push(
      rows
        .slice(i, i + BATCH)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
  const server = await startServer(dir, port);
  try {
    let next = 0;
    const url = `http://127.0.0.1:${port}/api/v1/predictions`;
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body,
        });
        if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
        await r.arrayBuffer();
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const results: { round: number; raw: number; rawObjects: number; rawMulti: number; http: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-'));
    try {
      const rows = makeRows(round);
      const r = raw(rows, dir, false);
      const ro = raw(rows, dir, true);
      const rm = raw(rows, dir, false, 50);
      const h = await http(rows, dir, 19_000 + round);
      results.push({ round, raw: r, rawObjects: ro, rawMulti: rm, http: h });
      console.log(
        `round ${round + 1}/${ROUNDS}: raw ${Math.round(r)}/s, from objects ${Math.round(ro)}/s, 50 per statement ${Math.round(rm)}/s, http ${Math.round(h)}/s, ratio ${(h / r).toFixed(3)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const summary = {
    rows: ROWS,
    features: FEATURES,
    batch: BATCH,
    concurrency: CONCURRENCY,
    raw_per_second: median(results.map((r) => r.raw)),
    raw_from_objects_per_second: median(results.map((r) => r.rawObjects)),
    http_per_second: median(results.map((r) => r.http)),
    ratio: median(results.map((r) => r.http / r.raw)),
    ratio_vs_objects: median(results.map((r) => r.http / r.rawObjects)),
    raw_multi_row_per_second: median(results.map((r) => r.rawMulti)),
    ratio_vs_multi_row: median(results.map((r) => r.http / r.rawMulti)),
    targets: { http_per_second: 50_000, ratio: 0.6 },
    rounds: results,
    node: process.version,
    measured_at: new Date().toISOString(),
  };
  console.log('');
  const rate = (n: number) => `${Math.round(n).toString().padStart(9)} /s`;
  console.log(
    `median of ${ROUNDS} rounds, ${ROWS} predictions x ${FEATURES} features, batches of ${BATCH}, ${CONCURRENCY} connections`,
  );
  console.log('| measure                                   | value        | target  |');
  console.log('|-------------------------------------------|--------------|---------|');
  console.log(`| raw insert, pre-serialised rows           | ${rate(summary.raw_per_second)} |         |`);
  console.log(
    `| raw insert from row objects (+stringify)  | ${rate(summary.raw_from_objects_per_second)} |         |`,
  );
  console.log(`| HTTP ingest                               | ${rate(summary.http_per_second)} | ≥ 50000 |`);
  console.log(
    `| ratio HTTP / raw pre-serialised           | ${summary.ratio.toFixed(3).padStart(12)} | ≥ 0.6   |`,
  );
  console.log(
    `| ratio HTTP / raw from objects             | ${summary.ratio_vs_objects.toFixed(3).padStart(12)} |         |`,
  );
  console.log(
    `| raw insert, 50 rows per statement         | ${rate(summary.raw_multi_row_per_second)} |         |`,
  );
  console.log(
    `| ratio HTTP / raw 50 rows per statement    | ${summary.ratio_vs_multi_row.toFixed(3).padStart(12)} |         |`,
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

await main();
