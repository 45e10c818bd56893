/**
 * Issue 14: what a hostile but fair client did to `serve`, one test per defect (each failed before its
 * fix). Real SQLite files, real HTTP on 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../config/load';
import { Engine } from '../evaluate/engine';
import { NO_TELEMETRY } from '../evaluate/telemetry';
import { tableFromCells } from '../reference/table';
import type { Exporter } from '../server';
import { openDatabase } from '../store/db';
import { ReferenceStore } from '../store/references';
import { item, post, silentLogger, startTestExporter, tempDir, testConfig } from '../testing';

let dir: string;
let cleanup: () => void;
let exporter: Exporter | undefined;
let dbPath: string;
const NOW = 1_700_000_100;

async function start(raw: Record<string, unknown> = {}): Promise<Exporter> {
  exporter = await startTestExporter(testConfig(dbPath, raw), { clock: () => NOW });
  return exporter;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, 'log.db');
});
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
  cleanup();
});

function count(sql: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function put(
  e: Exporter,
  model: string,
  body: string,
  type: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${e.url}/api/v1/models/${model}/reference`, {
    method: 'PUT',
    headers: { 'content-type': type },
    body,
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('defect 1: hostile reference columns', () => {
  it('rejects a reference wider than limits.max_features with 400 and saves nothing', async () => {
    const e = await start({ limits: { max_features: 10 } });
    const names = Array.from({ length: 11 }, (_, i) => `f${i}`);
    const csv = `${names.join(',')},prediction\n${names.map((_, i) => i).join(',')},1\n`;
    const r = await put(e, 'wide', csv, 'text/csv');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/more than 10 feature and attribute columns \(limits\.max_features\)/);
    expect(count('SELECT count(*) AS n FROM "references"')).toBe(0);
    // exactly the limit (the prediction column does not count) is accepted
    const ok = names.slice(0, 10);
    const fits = `${ok.join(',')},prediction\n${ok.map((_, i) => i).join(',')},1\n`;
    expect((await put(e, 'wide', fits, 'text/csv')).status).toBe(201);
  });

  it('rejects column names outside the name rule, reserved names, and echoes at most 64 characters', async () => {
    const e = await start();
    const long = 'n'.repeat(1_000_000);
    const bad = [
      JSON.stringify({ 'a\nb': 1, y: 2 }),
      JSON.stringify({ [long]: 1, y: 2 }),
      JSON.stringify({ features: { 'with space': 1 } }),
      '{"__proto__":1,"y":2}',
    ];
    for (const line of bad) {
      const r = await put(e, 'names', `${line}\n`, 'application/x-ndjson');
      expect(r.status, line.slice(0, 40)).toBe(400);
      expect(String(r.json.error).length).toBeLessThan(300);
    }
    const csv = await put(e, 'names', `x,constructor\n1,2\n`, 'text/csv');
    expect(csv).toMatchObject({ status: 400, json: { error: 'column "constructor" is a reserved name' } });
    expect(count('SELECT count(*) AS n FROM "references"')).toBe(0);
  });

  it("skips and reports a stored reference that breaks today's limits instead of failing start-up", async () => {
    const db = openDatabase(dbPath);
    const features = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`f${i}`, { type: 'numeric', count: 1 }]),
    );
    new ReferenceStore(db).save(
      'wide',
      'default',
      { kind: 'upload' },
      1,
      { version: 1, rows: 1, features },
      NOW,
    );
    db.close();
    const e = await start({ limits: { max_features: 10 } });
    expect(e.engine.ready).toBe(true);
    const { models } = (await (await fetch(`${e.url}/api/v1/models`)).json()) as {
      models: { model: string; reference: unknown; reference_error?: string }[];
    };
    const wide = models.find((m) => m.model === 'wide');
    expect(wide?.reference).toBeNull();
    expect(wide?.reference_error).toMatch(/limits\.max_features/);
    expect(e.engine.monitors.get('wide')!.window.features.columns.size).toBe(0);
  });
});

describe('defect 6: a stored reference applies after a restart', () => {
  it('applies a reference imported before the first prediction', async () => {
    // what `modelwatch reference import` does: an Engine on the file, no server
    const db = openDatabase(dbPath);
    const importer = new Engine(db, buildConfig({ database: { path: dbPath } }), NO_TELEMETRY, silentLogger);
    const table = tableFromCells({ x: [1, 2, 3, 4], color: ['red', 'blue', 'red', 'blue'] });
    await importer.saveReference('im', 'small', table, { kind: 'file', file: 'small.csv' });
    db.close();

    const e = await start();
    const sent = await post(`${e.url}/api/v1/predictions`, [
      item(1, { model: 'im', features: { x: 1, color: 'red' } }),
    ]);
    expect(sent.status).toBe(202);
    const { models } = (await (await fetch(`${e.url}/api/v1/models`)).json()) as {
      models: { model: string; reference: { name: string } | null }[];
    };
    expect(models.find((m) => m.model === 'im')?.reference?.name).toBe('small');
    // type checks are on: x is numeric in the reference
    const typed = await post(`${e.url}/api/v1/predictions`, [item(2, { model: 'im', features: { x: 'a' } })]);
    expect(typed.status).toBe(400);
  });

  it('applies an API upload made before any prediction, after a restart', async () => {
    let e = await start();
    expect((await put(e, 'up', 'x,y\n1,2\n3,4\n', 'text/csv')).status).toBe(201);
    await e.close();
    e = await start();
    expect(
      (await post(`${e.url}/api/v1/predictions`, [item(1, { model: 'up', features: { x: 1, y: 2 } })]))
        .status,
    ).toBe(202);
    expect(e.engine.monitors.get('up')?.reference?.rows).toBe(2);
  });
});

describe('defect 2: memory per model grows with rows, within limits.max_window_bytes', () => {
  it('one 500-feature row per model costs kilobytes, and /metrics shows what each window takes', async () => {
    const e = await start();
    const features = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i]));
    const lines = Array.from({ length: 5 }, (_, m) =>
      JSON.stringify(item(m, { model: `wide${m}`, features })),
    ).join('\n');
    const r = await post(`${e.url}/api/v1/predictions`, lines, { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(202);
    const text = await (await fetch(`${e.url}/metrics`)).text();
    for (let m = 0; m < 5; m++) {
      const w = e.engine.monitors.get(`wide${m}`)!.window;
      expect(w.bytes).toBeLessThan(1 << 20); // was 100,000 slots x 500 x 8 B = 400 MB
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`modelwatch_window_memory_bytes{model="wide${m}"}`));
      expect(Number(line?.split(' ').pop())).toBe(w.bytes);
    }
  });

  it('keeps all windows within limits.max_window_bytes', async () => {
    const e = await start({ limits: { max_window_bytes: '1mb' } });
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: 2000 }, (_, i) =>
        item(b * 2000 + i, { model: `m${i % 3}`, ts: NOW - 1 }),
      );
      expect((await post(`${e.url}/api/v1/predictions`, batch)).status).toBe(202);
    }
    let total = 0;
    for (const m of e.engine.monitors.values()) total += m.window.bytes;
    expect(total).toBeLessThanOrEqual(1024 * 1024);
    expect(e.engine.windowBudget.used).toBeLessThanOrEqual(1024 * 1024);
  });
});

async function send(
  e: Exporter,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${e.url}${path}`, { method, headers, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

async function scrape(e: Exporter): Promise<string> {
  return (await fetch(`${e.url}/metrics`)).text();
}

function sample(text: string, prefix: string): number {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('defect 10: only the content types of docs/api.md are parsed', () => {
  it('answers 415 to a cross-site form or text/plain body and writes nothing', async () => {
    const e = await start();
    const json = JSON.stringify([item(1)]);
    const paths = [
      '/api/v1/predictions',
      '/api/v1/feedback',
      '/api/v1/alerts/retrain',
      '/api/v1/models/m1/retrain',
    ];
    for (const path of paths) {
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const r = await send(e, path, json, { 'content-type': type });
        expect(r, `${path} ${type}`).toEqual({
          status: 415,
          json: {
            error: expect.stringContaining('expected a body of type'),
            index: null,
            field: 'content-type',
          },
        });
      }
    }
    expect(
      (await send(e, '/api/v1/models/m1/reference', 'x,y\n1,2\n', { 'content-type': 'text/plain' }, 'PUT'))
        .status,
    ).toBe(415);
    expect(count('SELECT count(*) AS n FROM predictions')).toBe(0);
    expect(count('SELECT count(*) AS n FROM "references"')).toBe(0);
    expect(sample(await scrape(e), 'modelwatch_ingest_rejected_total{reason="unsupported_media_type"}')).toBe(
      13,
    );
    // the listed types still work, and a retrain request needs no body at all
    expect(
      (await send(e, '/api/v1/predictions', json, { 'content-type': 'application/json; charset=utf-8' }))
        .status,
    ).toBe(202);
    expect((await send(e, '/api/v1/models/m1/retrain', '', {})).status).toBe(202);
  });
});

describe('defect 11: ts outside [now - retention, now + limits.max_clock_skew]', () => {
  it('answers 400 on ts for predictions and feedback', async () => {
    const e = await start({ limits: { max_clock_skew: 60 }, retention: { predictions: '1d' } });
    for (const ts of [99_999_999_999 / 10, NOW + 61, NOW - 86_401]) {
      const r = await post(`${e.url}/api/v1/predictions`, [item(1, { ts })]);
      expect(r).toMatchObject({ status: 400, json: { index: 0, field: 'ts' } });
      const f = await post(`${e.url}/api/v1/feedback`, { model: 'm1', prediction_id: 'p1', label: 1, ts });
      expect(f).toMatchObject({ status: 400, json: { index: 0, field: 'ts' } });
    }
    expect((await post(`${e.url}/api/v1/predictions`, [item(1, { ts: NOW + 60 })])).status).toBe(202);
    expect((await post(`${e.url}/api/v1/predictions`, [item(2, { ts: NOW - 86_400 })])).status).toBe(202);
    expect(count('SELECT count(*) AS n FROM predictions')).toBe(2);
  });
});

describe('defect 4: retraining requests are bounded', () => {
  it('404 for an unknown model; the reason is bounded; the webhook ignores and counts unknown models', async () => {
    const e = await start();
    expect((await post(`${e.url}/api/v1/predictions`, [item(1)])).status).toBe(202);
    const unknown = await post(`${e.url}/api/v1/models/nobody/retrain`, { reason: 'x' });
    expect(unknown).toMatchObject({ status: 404, json: { field: 'model' } });
    const huge = await post(`${e.url}/api/v1/models/m1/retrain`, { reason: 'x'.repeat(10_000) });
    expect(huge.status).toBe(413);
    expect((await post(`${e.url}/api/v1/alerts/retrain`, 'null')).status).toBe(400);
    const alerts = Array.from({ length: 5000 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'X', model: i % 2 === 0 ? `ghost${i}` : 'm1' },
    }));
    const hook = await post(`${e.url}/api/v1/alerts/retrain`, { alerts });
    expect(hook).toMatchObject({ status: 200, json: { recorded: [{ model: 'm1' }] } });
    const text = await scrape(e);
    expect(sample(text, 'modelwatch_webhook_alerts_ignored_total{reason="unknown_model"}')).toBe(2500);
    expect(text).not.toContain('ghost');
    expect(count('SELECT count(*) AS n FROM retraining_requests')).toBe(1);
  });

  it('applies retention to retraining requests', async () => {
    const e = await start({ retention: { history: '1h' } });
    expect((await post(`${e.url}/api/v1/predictions`, [item(1)])).status).toBe(202);
    expect((await post(`${e.url}/api/v1/models/m1/retrain`, { reason: 'old' })).status).toBe(202);
    await e.close();
    exporter = await startTestExporter(testConfig(dbPath, { retention: { history: '1h' } }), {
      clock: () => NOW + 7200,
    });
    await exporter.engine.prune();
    expect(count('SELECT count(*) AS n FROM retraining_requests')).toBe(0);
  });
});

describe('defect 5: SQLite writes never hold up a scrape', () => {
  it('serves /metrics while a retraining request and a reference wait for a lock held by another process', async () => {
    const e = await start({ database: { path: dbPath, busy_timeout: 10 } });
    expect((await post(`${e.url}/api/v1/predictions`, [item(1)])).status).toBe(202);
    const other = new Database(dbPath);
    other.exec('BEGIN IMMEDIATE');
    const order: string[] = [];
    const retrain = post(`${e.url}/api/v1/models/m1/retrain`, { reason: 'locked' }).then((r) => {
      order.push('retrain');
      return r;
    });
    const reference = send(
      e,
      '/api/v1/models/m1/reference',
      'x,y\n1,2\n',
      { 'content-type': 'text/csv' },
      'PUT',
    ).then((r) => {
      order.push('reference');
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // both requests are waiting for the lock
    const scraped = await fetch(`${e.url}/metrics`).then((r) => {
      order.push('scrape');
      return r.status;
    });
    expect(scraped).toBe(200);
    other.exec('COMMIT');
    other.close();
    expect((await retrain).status).toBe(202);
    expect((await reference).status).toBe(201);
    // the scrape was answered while both writes were still waiting for the lock
    expect(order[0]).toBe('scrape');
  });
});

/** A raw socket that sends the start of a request and never finishes its headers. */
function slowHeaderSocket(e: Exporter): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(e.port, '127.0.0.1', () => {
      socket.write('POST /api/v1/predictions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      resolve(socket);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.resume(); // read what the server sends (a 408), so its close is seen
  });
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

describe('defect 7: shutdown and slow clients are bounded', () => {
  it('closes slow-header sockets after listen.header_timeout', async () => {
    const e = await start({ listen: { host: '127.0.0.1', port: 0, header_timeout: 1 } });
    const sockets = await Promise.all(Array.from({ length: 5 }, () => slowHeaderSocket(e)));
    await Promise.all(sockets.map(closed)); // Node's default kept them for 60 s, checked every 30 s
    expect((await fetch(`${e.url}/healthz`)).status).toBe(200);
  });

  it('refuses connections beyond listen.max_connections', async () => {
    const e = await start({ listen: { host: '127.0.0.1', port: 0, max_connections: 8, header_timeout: 30 } });
    const sockets = await Promise.all(Array.from({ length: 8 }, () => slowHeaderSocket(e)));
    const extra = await slowHeaderSocket(e);
    await closed(extra); // dropped by the server at once
    expect(sockets.every((s) => !s.destroyed)).toBe(true);
    for (const s of sockets) s.destroy();
  });

  it('after close() starts, new requests on a kept-alive connection get 503 and slow sockets do not hold it', async () => {
    const e = await start({
      listen: { host: '127.0.0.1', port: 0, shutdown_timeout: 1, header_timeout: 60 },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const postKeptAlive = () =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = request(
          `${e.url}/api/v1/predictions`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify([item(Math.floor(Math.random() * 1e6), { ts: NOW })]));
      });
    expect((await postKeptAlive()).status).toBe(202);
    const slow = await Promise.all(Array.from({ length: 20 }, () => slowHeaderSocket(e)));
    const closing = e.close();
    const after = await postKeptAlive().catch(() => ({ status: 0, connection: 'reset' }));
    // either answered 503 and closed, or the connection was already closed: never a 202
    expect(after.status).not.toBe(202);
    expect(after.connection).toMatch(/close|reset/);
    await closing; // returns although 20 sockets never finished their headers (header_timeout 60 s)
    await Promise.all(slow.map(closed));
    agent.destroy();
    exporter = undefined;
  });
});

describe('defect 8: a full database is a 507 with a reason, counted, and readiness says so', () => {
  it('answers 507 with Retry-After, counts storage_full, turns /readyz to 503, and recovers', async () => {
    let now = NOW;
    const e = await startTestExporter(testConfig(dbPath, { database: { path: dbPath, max_size: '300kb' } }), {
      clock: () => now,
    });
    exporter = e;
    let full: { status: number; json: Record<string, unknown> } | undefined;
    for (let b = 0; b < 100 && !full; b++) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        item(b * 200 + i, { ts: NOW - 1, features: { x: i, pad: 'p'.repeat(200) } }),
      );
      const r = await fetch(`${e.url}/api/v1/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      if (r.status !== 202) {
        full = { status: r.status, json: (await r.json()) as Record<string, unknown> };
        expect(r.headers.get('retry-after')).toBe('60');
      }
    }
    expect(full?.status).toBe(507);
    expect(full?.json.error).toMatch(/database is full/);
    expect(
      sample(await scrape(e), 'modelwatch_ingest_rejected_total{reason="storage_full"}'),
    ).toBeGreaterThanOrEqual(1);
    const ready = await fetch(`${e.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/full/);
    // fill what room is left, row by row, then a failed history write is a write failure, not a
    // failed evaluation
    for (let i = 0; i < 2000; i++) {
      const r = await post(`${e.url}/api/v1/predictions`, [
        item(500_000 + i, { ts: NOW - 1, features: { x: 1, pad: 'p'.repeat(200) } }),
      ]);
      if (r.status === 507) break;
    }
    // history entries until the last free page is taken (one per evaluation, 5 minutes apart)
    let text = '';
    for (let k = 0; k < 50; k++) {
      now += 301;
      e.engine.evaluateAll();
      await e.engine.settled();
      text = await scrape(e);
      if (sample(text, 'modelwatch_write_errors_total{what="history"') > 0) break;
    }
    expect(sample(text, 'modelwatch_write_errors_total{what="history",reason="SQLITE_FULL"}')).toBe(1);
    expect(sample(text, 'modelwatch_evaluation_errors_total{model="m1"}')).toBe(0);
    // space freed (here: pruning the log); the next commit makes it ready again
    await e.engine.writer.prune(NOW);
    expect((await post(`${e.url}/api/v1/predictions`, [item(1_000_000, { ts: now })])).status).toBe(202);
    expect((await fetch(`${e.url}/readyz`)).status).toBe(200);
  });
});

describe('defect 12: small ones', () => {
  it('answers 400 to invalid UTF-8 instead of making a model name out of U+FFFD', async () => {
    const e = await start();
    const json = Buffer.from(JSON.stringify([item(1, { model: 'mX' })]));
    json[json.indexOf('mX') + 1] = 0xff;
    const r = await send(e, '/api/v1/predictions', json, { 'content-type': 'application/json' });
    expect(r).toMatchObject({ status: 400, json: { error: 'the body is not valid UTF-8' } });
    expect(count('SELECT count(*) AS n FROM predictions')).toBe(0);
  });

  it('echoes at most 64 characters of a rejected name', async () => {
    const e = await start();
    const long = 'k'.repeat(1_000_000);
    const r = await post(`${e.url}/api/v1/predictions`, [item(1, { features: { [long]: 1 } })]);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json).length).toBeLessThan(400);
  });

  it('refuses to start on a database whose write lock another process holds', async () => {
    await (await start()).close(); // a modelwatch database, migrated
    exporter = undefined;
    const other = new Database(dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(
        startTestExporter(testConfig(dbPath, { database: { path: dbPath, busy_timeout: 0.2 } })),
      ).rejects.toThrow(/locked by another process/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('reports corruption met while loading the log as a message, not a stack trace', async () => {
    const e = await start();
    const batch = Array.from({ length: 3000 }, (_, i) => item(i, { ts: NOW - 1 }));
    expect((await post(`${e.url}/api/v1/predictions`, batch)).status).toBe(202);
    await e.close();
    exporter = undefined;
    // garbage over the pages holding the rows (the schema pages stay readable)
    const bytes = readFileSync(dbPath);
    bytes.fill(0xa5, 4096 * 2, bytes.length - 4096);
    writeFileSync(dbPath, bytes);
    await expect(start()).rejects.toThrow(/cannot read database .*corrupt/);
  });
});

describe('defect 9: references from the log', () => {
  it('are read and profiled off the event loop: a scrape is answered while one is built', async () => {
    const e = await startTestExporter(testConfig(dbPath), { clock: () => NOW, statsThread: true });
    exporter = e;
    for (let b = 0; b < 10; b++) {
      const batch = Array.from({ length: 5000 }, (_, i) => item(b * 5000 + i, { ts: NOW - 100 + (i % 50) }));
      expect((await post(`${e.url}/api/v1/predictions`, batch)).status).toBe(202);
    }
    const order: string[] = [];
    const building = send(
      e,
      '/api/v1/models/m1/reference',
      JSON.stringify({ from_ts: 0, to_ts: NOW }),
      { 'content-type': 'application/json' },
      'PUT',
    ).then((r) => {
      order.push('reference');
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fetch(`${e.url}/metrics`).then(() => order.push('scrape'));
    const built = await building;
    expect(built).toMatchObject({ status: 201, json: { rows: 50_000 } });
    expect(order).toEqual(['scrape', 'reference']);
    expect(e.engine.monitors.get('m1')?.reference?.rows).toBe(50_000);
  });

  it('stop at limits.max_features columns when every row brings a new key, and save nothing', async () => {
    const e = await start({ limits: { max_features: 100 } });
    const batch = Array.from({ length: 2000 }, (_, i) =>
      item(i, { ts: NOW - 10, features: { [`k${i}`]: i } }),
    );
    expect((await post(`${e.url}/api/v1/predictions`, batch)).status).toBe(202);
    const r = await send(
      e,
      '/api/v1/models/m1/reference',
      JSON.stringify({ from_ts: 0, to_ts: NOW }),
      {
        'content-type': 'application/json',
      },
      'PUT',
    );
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/limits\.max_features/);
    expect(count('SELECT count(*) AS n FROM "references"')).toBe(0);
  });
});

describe('defect 10: DNS rebinding', () => {
  it('answers 421 to a request naming a loopback-bound exporter by a foreign host name', async () => {
    const e = await start({ listen: { host: '127.0.0.1', port: 0, allowed_hosts: ['exporter.internal'] } });
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${e.url}/metrics`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
          .on('error', reject)
          .end();
      });
    expect(await get('evil.example:9793')).toBe(421);
    expect(await get(`127.0.0.1:${e.port}`)).toBe(200);
    expect(await get(`localhost:${e.port}`)).toBe(200);
    expect(await get('[::1]:9793')).toBe(200);
    expect(await get('exporter.internal')).toBe(200);
  });
});
