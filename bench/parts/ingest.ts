/**
 * Ingest over HTTP vs a raw better-sqlite3 insert of the same rows, measured in the same run, alternating
 * rounds:
 *  - raw:  prepared INSERT of pre-serialised rows into the same schema, `batch` rows per transaction
 *          (the headline baseline); also shown: from row objects, and 50 rows per statement (the
 *          technique the exporter's ingest itself uses) for an apples-to-apples view;
 *  - http: `modelwatch serve` as its own process (its evaluation loop running as deployed), warmed up
 *          with 10% more rows (not timed; see warmupBodies), then this process POSTing pre-encoded
 *          NDJSON batches of `batch` predictions with 20 features over `concurrency` keep-alive
 *          connections (bench/lib/ingest-client.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../exporter/src/store/db';
import { IngestClient } from '../lib/ingest-client';
import { median, type PartResult } from '../lib/report';
import { collectGarbage, FEATURES, INSERT_SQL, makeRows, ndjsonBodies, type Row, tuple } from '../lib/rows';
import { startServe } from '../lib/server';

export interface IngestOptions {
  rows: number;
  rounds: number;
  concurrency: number;
  batch: number;
  log?: (line: string) => void;
}

export interface IngestSummary {
  rows: number;
  features: number;
  batch: number;
  concurrency: number;
  raw_per_second: number;
  raw_from_objects_per_second: number;
  http_per_second: number;
  ratio: number;
  ratio_vs_objects: number;
  raw_multi_row_per_second: number;
  ratio_vs_multi_row: number;
  targets: { http_per_second: number; ratio: number };
  rounds: {
    round: number;
    /** Mean of the raw insert before and after the HTTP run. */
    raw: number;
    rawBefore: number;
    rawAfter: number;
    rawObjects: number;
    rawMulti: number;
    http: number;
  }[];
  node: string;
  measured_at: string;
}

export const INGEST_TARGET = 50_000;
export const INGEST_RATIO_TARGET = 0.6;

/** The rows of one round (the same in every run). */
export function ingestRows(count: number, round: number): Row[] {
  return makeRows(count, { seed: 12345 + round, model: 'bench', idPrefix: `r${round}-` });
}

/**
 * Raw better-sqlite3 insert. `serialise` false: the JSON columns are serialised before the clock starts
 * (database cost only, the strict baseline); true: from row objects, as a model server writing the log
 * directly would (JSON.stringify included).
 */
export function rawInsert(
  rows: Row[],
  dir: string,
  batch: number,
  serialise: boolean,
  perStatement = 1,
  tag = '',
): number {
  const db = openDatabase(join(dir, `raw-${serialise}-${perStatement}${tag}.db`));
  collectGarbage();
  if (perStatement > 1) return rawMultiRow(db, rows, batch, perStatement);
  const insert = db.prepare(INSERT_SQL);
  const prepared = serialise ? [] : rows.map(tuple);
  const tx = db.transaction((from: number) => {
    const end = Math.min(from + batch, rows.length);
    if (serialise) for (let i = from; i < end; i++) insert.run(...tuple(rows[i]!));
    else for (let i = from; i < end; i++) insert.run(...prepared[i]!);
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batch) tx.immediate(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows.length / seconds;
}

/** Same rows, pre-serialised, `per` rows per INSERT statement (the technique the exporter's ingest uses). */
function rawMultiRow(db: ReturnType<typeof openDatabase>, rows: Row[], batch: number, per: number): number {
  const insert = db.prepare(
    `INSERT INTO predictions (model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds)
     VALUES ${Array(per).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const single = db.prepare(INSERT_SQL);
  const flat = rows.flatMap(tuple);
  const width = 9 * per;
  const tx = db.transaction((from: number) => {
    const end = Math.min(from + batch, rows.length);
    let i = from;
    for (; i + per <= end; i += per) insert.run(...flat.slice(i * 9, i * 9 + width));
    for (; i < end; i++) single.run(...flat.slice(i * 9, i * 9 + 9));
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batch) tx.immediate(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows.length / seconds;
}

/** POSTs `bodies` (NDJSON) to the exporter over `concurrency` connections; returns when all are accepted. */
export async function postAll(
  url: string,
  bodies: readonly Uint8Array[],
  concurrency: number,
): Promise<void> {
  const client = new IngestClient(url, concurrency);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) await client.post(bodies[next++]!);
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.close();
  }
}

/**
 * Rows posted before the clock starts, to a freshly spawned exporter: its first batches run before V8
 * has compiled the ingest path (the first 40,000 rows went at ~2/3 of the later rate here), which a
 * long-running sidecar is past. Other prediction ids than the measured rows.
 */
export function warmupBodies(rows: number, batch: number, round: number): Buffer[] {
  const count = Math.min(20_000, Math.floor(rows / 10));
  return ndjsonBodies(
    makeRows(count, { seed: 777 + round, model: 'bench', idPrefix: `warm${round}-` }),
    batch,
  );
}

async function http(
  bodies: readonly Buffer[],
  warmup: readonly Buffer[],
  rows: number,
  dir: string,
  concurrency: number,
): Promise<number> {
  const server = await startServe({ db: join(dir, 'http.db') });
  try {
    await postAll(server.url, warmup, concurrency);
    const started = performance.now();
    await postAll(server.url, bodies, concurrency);
    return rows / ((performance.now() - started) / 1000);
  } finally {
    await server.stop();
  }
}

export async function ingestBench(opts: IngestOptions): Promise<IngestSummary> {
  const log = opts.log ?? (() => {});
  const results: IngestSummary['rounds'] = [];
  for (let round = 0; round < opts.rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-'));
    try {
      let rows: Row[] | undefined = ingestRows(opts.rows, round);
      const r = rawInsert(rows, dir, opts.batch, false);
      const ro = rawInsert(rows, dir, opts.batch, true);
      const rm = rawInsert(rows, dir, opts.batch, false, 50);
      // The client keeps only the encoded bodies while it measures (see ndjsonBodies).
      const bodies = ndjsonBodies(rows, opts.batch);
      const warmup = warmupBodies(opts.rows, opts.batch, round);
      rows = undefined;
      collectGarbage();
      const h = await http(bodies, warmup, opts.rows, dir, opts.concurrency);
      // The headline baseline once more after the HTTP run (the same rows, generated again): the
      // round's ratio is against the mean of the two, so one noisy raw run moves it less.
      const after = rawInsert(ingestRows(opts.rows, round), dir, opts.batch, false, 1, '-after');
      const raw = (r + after) / 2;
      results.push({ round, raw, rawBefore: r, rawAfter: after, rawObjects: ro, rawMulti: rm, http: h });
      log(
        `round ${round + 1}/${opts.rounds}: raw ${Math.round(r)}/s before, ${Math.round(after)}/s after, from objects ${Math.round(ro)}/s, 50 per statement ${Math.round(rm)}/s, http ${Math.round(h)}/s, ratio ${(h / raw).toFixed(3)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    rows: opts.rows,
    features: FEATURES,
    batch: opts.batch,
    concurrency: opts.concurrency,
    raw_per_second: median(results.map((r) => r.raw)),
    raw_from_objects_per_second: median(results.map((r) => r.rawObjects)),
    http_per_second: median(results.map((r) => r.http)),
    ratio: median(results.map((r) => r.http / r.raw)),
    ratio_vs_objects: median(results.map((r) => r.http / r.rawObjects)),
    raw_multi_row_per_second: median(results.map((r) => r.rawMulti)),
    ratio_vs_multi_row: median(results.map((r) => r.http / r.rawMulti)),
    targets: { http_per_second: INGEST_TARGET, ratio: INGEST_RATIO_TARGET },
    rounds: results,
    node: process.version,
    measured_at: new Date().toISOString(),
  };
}

/** The ingest part of `npm run bench`. */
export async function ingestPart(opts: IngestOptions): Promise<PartResult> {
  const s = await ingestBench(opts);
  return {
    raw: { ...s },
    measures: [
      {
        key: 'ingest.raw_per_second',
        label: 'raw better-sqlite3 insert (pre-serialised, 1 row/statement; before and after HTTP)',
        value: s.raw_per_second,
        unit: '/s',
      },
      {
        key: 'ingest.raw_from_objects_per_second',
        label: 'raw insert from row objects (+JSON.stringify)',
        value: s.raw_from_objects_per_second,
        unit: '/s',
      },
      {
        key: 'ingest.http_per_second',
        label: `HTTP ingest (${s.batch}/batch, ${s.concurrency} connections)`,
        value: s.http_per_second,
        unit: '/s',
        target: { op: '>=', value: INGEST_TARGET },
        ratio: { value: s.ratio, of: 'raw insert' },
      },
      {
        key: 'ingest.ratio',
        label: 'ratio HTTP / raw insert',
        value: s.ratio,
        unit: '',
        target: { op: '>=', value: INGEST_RATIO_TARGET },
      },
      {
        key: 'ingest.ratio_vs_multi_row',
        label: 'ratio HTTP / raw insert, 50 rows/statement',
        value: s.ratio_vs_multi_row,
        unit: '',
      },
    ],
  };
}
