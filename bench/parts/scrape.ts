/**
 * `/metrics` scrape latency: `modelwatch serve` with `models` models × 20 features (16 numeric, 4
 * categorical), a reference uploaded for each (PUT …/reference, NDJSON), windows filled from the log,
 * evaluation every `interval` (so evaluation rounds happen while scraping). autocannon, in its own
 * process, GETs /metrics over `connections` connections for `seconds`; first alone (the baseline), then
 * while this process posts NDJSON batches round-robin across the models at `ingestRate` predictions/s,
 * then while it posts them as fast as the exporter takes them (full rate, issue 14: p99 ≤ 50 ms), then
 * while `slowSockets` sockets send headers a byte at a time and never finish (issue 14: the exporter
 * bounds connections, `listen.max_connections`, and header time, `listen.header_timeout`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CannonResult } from '../lib/cannon';
import { IngestClient } from '../lib/ingest-client';
import type { PartResult } from '../lib/report';
import { collectGarbage, makeRows, ndjsonBodies, referenceNdjson, writeLog } from '../lib/rows';
import { getText, metricSum, ROOT, startServe, track, waitEvaluated } from '../lib/server';

export interface ScrapeOptions {
  models: number;
  rowsPerModel: number;
  referenceRows: number;
  seconds: number;
  connections: number;
  /**
   * Scrapes per second during the latency runs (over all connections): a bounded rate, so the
   * latencies are those of a scrape, not of a queue of them. Throughput is measured apart, unbounded.
   */
  rate: number;
  /** Predictions per second posted during the second phase. */
  ingestRate: number;
  ingestBatch: number;
  /** evaluation.interval, e.g. "5s". */
  interval: string;
  /** Seconds of the full-rate ingest phase, and the predictions prepared for it at most. */
  fullRateSeconds: number;
  fullRateRows: number;
  /** Slow-header sockets opened during the last phase, and the exporter's limits for it. */
  slowSockets: number;
  maxConnections: number;
  headerTimeout: number;
  log?: (line: string) => void;
}

export const SCRAPE_P99_TARGET_MS = 20;
export const FULL_RATE_P99_TARGET_MS = 50;

/**
 * Opens `count` sockets that send the start of a request and then one header byte per second, never
 * finishing. Resolves once all are open (or refused); `closedByServer()` counts those the exporter closed.
 */
async function slowHeaderSockets(port: number, count: number) {
  const sockets: Socket[] = [];
  let closed = 0;
  let refused = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            s.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
            resolve();
          });
          s.on('error', () => {
            refused++;
            resolve();
          });
          s.on('close', () => closed++);
          s.resume();
          sockets.push(s);
        }),
    ),
  );
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }, 1000);
  return {
    closedByServer: () => closed,
    refused: () => refused,
    stop() {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    },
  };
}

/** Runs bench/lib/cannon.ts in its own process. */
export function runCannon(
  url: string,
  connections: number,
  seconds: number,
  rate = 0,
): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'bench/lib/cannon.ts'),
          '--url',
          url,
          '--connections',
          String(connections),
          '--seconds',
          String(seconds),
          '--rate',
          String(rate),
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`autocannon exited with ${code}: ${out}`));
      else resolve(JSON.parse(last) as CannonResult);
    });
  });
}

interface IngestLoop {
  /** Stops sending and resolves with what was achieved. */
  stop(): Promise<{
    rows: number;
    seconds: number;
    per_second: number;
    batches: number;
    late_batches: number;
    /** The prepared batches ran out before the measurement ended. */
    exhausted: boolean;
  }>;
}

const MAX_IN_FLIGHT = 4;

/**
 * Posts `bodies` (each `batch` rows) at a fixed rate, at most MAX_IN_FLIGHT in flight; a batch that
 * cannot be sent on time is sent as soon as a connection frees up (counted as late).
 */
function ingestLoop(url: string, bodies: readonly Buffer[], batch: number, rate: number): IngestLoop {
  const interval = (batch / rate) * 1000;
  const started = performance.now();
  let stopped = false;
  let sent = 0;
  let accepted = 0;
  let late = 0;
  let failure: Error | null = null;
  const inFlight = new Set<Promise<void>>();
  const client = new IngestClient(url, MAX_IN_FLIGHT);
  const run = (async () => {
    for (let k = 0; k < bodies.length && !stopped; k++) {
      const due = started + k * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -interval) late++;
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      if (stopped) break;
      const p: Promise<void> = (async () => {
        try {
          await client.post(bodies[k]!);
          accepted += batch;
        } catch (err) {
          failure ??= err as Error;
        }
      })().finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await run;
      await Promise.all(inFlight);
      client.close();
      if (failure) throw failure;
      const seconds = (performance.now() - started) / 1000;
      return {
        rows: accepted,
        seconds,
        per_second: accepted / seconds,
        batches: sent,
        late_batches: late,
        exhausted: sent === bodies.length,
      };
    },
  };
}

/** Evaluations done so far (all models) and the seconds they took, from /metrics. */
async function evaluations(url: string): Promise<{ count: number; seconds: number }> {
  const text = await getText(`${url}/metrics`);
  return {
    count: metricSum(text, 'modelwatch_evaluation_duration_seconds_count'),
    seconds: metricSum(text, 'modelwatch_evaluation_duration_seconds_sum'),
  };
}

export async function scrapePart(opts: ScrapeOptions): Promise<PartResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-scrape-'));
  const models = Array.from({ length: opts.models }, (_, k) => `m${k}`);
  try {
    const db = join(dir, 'log.db');
    const filled = writeLog(db, { models: models.map((name) => ({ name, rows: opts.rowsPerModel })) });
    log(`log: ${filled.rows} rows written directly in ${filled.seconds.toFixed(1)} s`);
    const config = join(dir, 'modelwatch.yaml');
    writeFileSync(
      config,
      `evaluation:\n  interval: ${opts.interval}\nwindow:\n  rows: ${opts.rowsPerModel}\ndrift:\n  min_rows: ${Math.min(500, opts.rowsPerModel)}\nlisten:\n  max_connections: ${opts.maxConnections}\n  header_timeout: ${opts.headerTimeout}\n`,
    );
    const server = await startServe({ db, config, timeoutMs: 180_000 });
    try {
      log(`serve ready in ${(server.readyMs / 1000).toFixed(1)} s`);
      // References (the window rows and the reference have the same distribution: no drift expected).
      const uploads: number[] = [];
      for (const [k, m] of models.entries()) {
        const body = referenceNdjson(opts.referenceRows, 5000 + k);
        const t0 = performance.now();
        const r = await fetch(`${server.url}/api/v1/models/${m}/reference?name=bench`, {
          method: 'PUT',
          headers: { 'content-type': 'application/x-ndjson' },
          body,
        });
        const text = await r.text();
        if (r.status !== 201) throw new Error(`reference upload answered ${r.status}: ${text}`);
        uploads.push(performance.now() - t0);
      }
      const uploadedAt = Date.now() / 1000;
      const waited = await waitEvaluated(server.url, models, uploadedAt);
      log(`references uploaded; every model evaluated against it ${(waited / 1000).toFixed(1)} s later`);
      const exposition = await getText(`${server.url}/metrics`);
      const series = exposition.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;

      const url = `${server.url}/metrics`;
      const e0 = await evaluations(server.url);
      const baseline = await runCannon(url, opts.connections, opts.seconds, opts.rate);
      const e1 = await evaluations(server.url);
      const saturated = await runCannon(url, opts.connections, Math.min(5, opts.seconds));
      log(
        `scrape alone: p50 ${baseline.p50_ms.toFixed(2)} ms, p99 ${baseline.p99_ms.toFixed(2)} ms, max ${baseline.max_ms.toFixed(1)} ms, ${baseline.per_second.toFixed(0)} req/s`,
      );

      // Prepared batches for the ingest phase (a margin beyond its duration), one model per batch.
      const needed = Math.ceil(((opts.seconds + 5) * opts.ingestRate) / opts.ingestBatch) + 4;
      const perModel = Math.ceil(needed / opts.models);
      const now = Date.now() / 1000;
      const perModelBodies = models.map((m, k) =>
        ndjsonBodies(
          makeRows(perModel * opts.ingestBatch, { seed: 9000 + k, model: m, idPrefix: 'live', ts0: now }),
          opts.ingestBatch,
        ),
      );
      const bodies: Buffer[] = [];
      for (let b = 0; b < perModel; b++) for (const mb of perModelBodies) bodies.push(mb[b]!);
      collectGarbage();

      const loop = ingestLoop(server.url, bodies, opts.ingestBatch, opts.ingestRate);
      const underIngest = await runCannon(url, opts.connections, opts.seconds, opts.rate);
      const ingest = await loop.stop();
      const e2 = await evaluations(server.url);
      log(
        `scrape under ingest (${ingest.per_second.toFixed(0)}/s achieved): p50 ${underIngest.p50_ms.toFixed(2)} ms, p99 ${underIngest.p99_ms.toFixed(2)} ms, max ${underIngest.max_ms.toFixed(1)} ms, ${underIngest.per_second.toFixed(0)} req/s`,
      );
      // Full rate: as many batches as the exporter takes (4 in flight), while scraping.
      const fullBodies = ndjsonBodies(
        makeRows(opts.fullRateRows, { seed: 7000, model: 'm0', idPrefix: 'full', ts0: Date.now() / 1000 }),
        opts.ingestBatch,
      );
      collectGarbage();
      const full = ingestLoop(server.url, fullBodies, opts.ingestBatch, Number.POSITIVE_INFINITY);
      const underFull = await runCannon(url, opts.connections, opts.fullRateSeconds, opts.rate);
      const fullIngest = await full.stop();
      log(
        `scrape under full-rate ingest (${fullIngest.per_second.toFixed(0)}/s achieved${fullIngest.exhausted ? ', batches ran out' : ''}): p50 ${underFull.p50_ms.toFixed(2)} ms, p99 ${underFull.p99_ms.toFixed(2)} ms, max ${underFull.max_ms.toFixed(1)} ms`,
      );

      // Slow-header sockets opened once the scraper's connections are up.
      const scraping = runCannon(url, opts.connections, opts.seconds, opts.rate);
      await new Promise((r) => setTimeout(r, 1000));
      const slow = await slowHeaderSockets(server.port, opts.slowSockets);
      const underSlow = await scraping;
      const closedBy = slow.closedByServer();
      slow.stop();
      log(
        `scrape with ${opts.slowSockets} slow-header sockets (max_connections ${opts.maxConnections}, header_timeout ${opts.headerTimeout} s): p99 ${underSlow.p99_ms.toFixed(2)} ms, max ${underSlow.max_ms.toFixed(1)} ms, ${underSlow.errors ?? 0} errors; ${closedBy} sockets closed by the exporter`,
      );

      const rounds = (a: { count: number }, b: { count: number }) => (b.count - a.count) / opts.models;
      const perModelMs = (a: typeof e0, b: typeof e0) =>
        b.count > a.count ? ((b.seconds - a.seconds) / (b.count - a.count)) * 1000 : Number.NaN;
      const raw = {
        models: opts.models,
        features: 20,
        rows_per_model: opts.rowsPerModel,
        reference_rows: opts.referenceRows,
        evaluation_interval: opts.interval,
        connections: opts.connections,
        scrapes_per_second: opts.rate,
        seconds: opts.seconds,
        saturated,
        exposition_bytes: Buffer.byteLength(exposition),
        exposition_series: series,
        reference_upload_ms: uploads,
        baseline: {
          ...baseline,
          evaluation_rounds: rounds(e0, e1),
          evaluation_ms_per_model: perModelMs(e0, e1),
        },
        under_ingest: {
          ...underIngest,
          evaluation_rounds: rounds(e1, e2),
          evaluation_ms_per_model: perModelMs(e1, e2),
        },
        ingest: { requested_per_second: opts.ingestRate, batch: opts.ingestBatch, ...ingest },
        under_full_rate_ingest: { ...underFull, ingest: fullIngest },
        under_slow_sockets: {
          ...underSlow,
          slow_sockets: opts.slowSockets,
          max_connections: opts.maxConnections,
          header_timeout_seconds: opts.headerTimeout,
          closed_by_exporter: closedBy,
        },
      };
      return {
        raw,
        measures: [
          {
            key: 'scrape.baseline_p50_ms',
            label: `/metrics p50, no ingest (${opts.models} models × 20 features, ${opts.rate} scrapes/s)`,
            value: baseline.p50_ms,
            unit: 'ms',
          },
          {
            key: 'scrape.baseline_p99_ms',
            label: '/metrics p99, no ingest',
            value: baseline.p99_ms,
            unit: 'ms',
            target: { op: '<=', value: SCRAPE_P99_TARGET_MS },
          },
          {
            key: 'scrape.baseline_max_ms',
            label: '/metrics max, no ingest',
            value: baseline.max_ms,
            unit: 'ms',
          },
          {
            key: 'scrape.baseline_per_second',
            label: `/metrics throughput, no ingest (${opts.connections} connections, unbounded)`,
            value: saturated.per_second,
            unit: 'req/s',
          },
          {
            key: 'scrape.p50_ms',
            label: '/metrics p50 under ingest',
            value: underIngest.p50_ms,
            unit: 'ms',
            ratio: { value: underIngest.p50_ms / baseline.p50_ms, of: 'no ingest' },
          },
          {
            key: 'scrape.p99_ms',
            label: '/metrics p99 under ingest',
            value: underIngest.p99_ms,
            unit: 'ms',
            target: { op: '<=', value: SCRAPE_P99_TARGET_MS },
            ratio: { value: underIngest.p99_ms / baseline.p99_ms, of: 'no ingest' },
          },
          {
            key: 'scrape.max_ms',
            label: '/metrics max under ingest',
            value: underIngest.max_ms,
            unit: 'ms',
            ratio: { value: underIngest.max_ms / baseline.max_ms, of: 'no ingest' },
          },
          {
            key: 'scrape.per_second',
            label: '/metrics answered per second under ingest',
            value: underIngest.per_second,
            unit: 'req/s',
            ratio: { value: underIngest.per_second / opts.rate, of: 'sent' },
          },
          {
            key: 'scrape.ingest_per_second',
            label: 'concurrent ingest achieved',
            value: ingest.per_second,
            unit: '/s',
            ratio: { value: ingest.per_second / opts.ingestRate, of: 'requested' },
          },
          {
            key: 'scrape.full_rate_p99_ms',
            label: `/metrics p99 under full-rate ingest (${fullIngest.per_second.toFixed(0)}/s)`,
            value: underFull.p99_ms,
            unit: 'ms',
            target: { op: '<=', value: FULL_RATE_P99_TARGET_MS },
            ratio: { value: underFull.p99_ms / baseline.p99_ms, of: 'no ingest' },
          },
          {
            key: 'scrape.full_rate_max_ms',
            label: '/metrics max under full-rate ingest',
            value: underFull.max_ms,
            unit: 'ms',
          },
          {
            key: 'scrape.full_rate_ingest_per_second',
            label: 'full-rate ingest achieved while scraping',
            value: fullIngest.per_second,
            unit: '/s',
          },
          {
            key: 'scrape.slow_sockets_p99_ms',
            label: `/metrics p99 with ${opts.slowSockets} slow-header sockets (max_connections ${opts.maxConnections})`,
            value: underSlow.p99_ms,
            unit: 'ms',
            target: { op: '<=', value: FULL_RATE_P99_TARGET_MS },
            ratio: { value: underSlow.p99_ms / baseline.p99_ms, of: 'no ingest' },
          },
          {
            key: 'scrape.slow_sockets_max_ms',
            label: '/metrics max with slow-header sockets',
            value: underSlow.max_ms,
            unit: 'ms',
          },
          {
            key: 'scrape.slow_sockets_answered',
            label: 'scrapes answered with slow-header sockets open',
            value: underSlow.per_second,
            unit: 'req/s',
            ratio: { value: underSlow.per_second / opts.rate, of: 'sent' },
          },
          {
            key: 'scrape.slow_sockets_closed',
            label: `slow-header sockets closed by the exporter (refused or after ${opts.headerTimeout} s)`,
            value: closedBy,
            unit: 'sockets',
            ratio: { value: closedBy / opts.slowSockets, of: 'opened' },
          },
          {
            key: 'scrape.evaluation_ms_per_model',
            label: `evaluation of one model (${opts.rowsPerModel.toLocaleString('en-US')}-row window × 20 features), mean`,
            value: perModelMs(e0, e2),
            unit: 'ms',
          },
        ],
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
