import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../server';
import { item, post, startTestExporter, tempDir, testConfig } from '../testing';

let dir: string;
let cleanup: () => void;
let exporter: Exporter;
let dbPath: string;

/** The test items are stamped 1_700_000_000 + i: the exporter's clock sits just after them. */
const NOW = 1_700_000_100;

async function start(raw: Record<string, unknown> = {}): Promise<void> {
  exporter = await startTestExporter(testConfig(dbPath, raw), { clock: () => NOW });
}

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, 'log.db');
  await start();
});
afterEach(async () => {
  await exporter.close();
  cleanup();
});

/** Rows in the log, read through a separate connection (what is really on disk). */
function stored(): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM predictions').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function metric(name: string): Promise<string[]> {
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

function rejectedCount(lines: string[], reason: string): number {
  const line = lines.find((l) => l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('POST /api/v1/predictions', () => {
  it('accepts a JSON array and NDJSON with 202 after commit', async () => {
    const a = await post(`${exporter.url}/api/v1/predictions`, [item(1), item(2)]);
    expect(a).toEqual({ status: 202, json: { accepted: 2, duplicates: 0 } });
    const ndjson = [item(3), item(4), item(5)].map((x) => JSON.stringify(x)).join('\n');
    const b = await post(`${exporter.url}/api/v1/predictions`, ndjson, {
      'content-type': 'application/x-ndjson',
    });
    expect(b).toEqual({ status: 202, json: { accepted: 3, duplicates: 0 } });
    expect(stored()).toBe(5);
  });

  it('makes client retries safe and rejects conflicting content with 409', async () => {
    await post(`${exporter.url}/api/v1/predictions`, [item(1), item(2)]);
    expect(await post(`${exporter.url}/api/v1/predictions`, [item(1), item(2)])).toEqual({
      status: 202,
      json: { accepted: 2, duplicates: 2 },
    });
    const conflict = await post(`${exporter.url}/api/v1/predictions`, [item(3), item(2, { prediction: 7 })]);
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ index: 1, field: 'prediction_id' });
    expect(stored()).toBe(2);
    exporter.engine.poll();
    expect(await metric('modelwatch_predictions_total{')).toEqual([
      'modelwatch_predictions_total{model="m1",model_version=""} 2',
    ]);
    expect(rejectedCount(await metric('modelwatch_ingest_rejected_total'), 'conflict')).toBe(1);
  });

  it('stores NDJSON features as sent and treats the same item re-sent as JSON as a duplicate', async () => {
    const line = `{"model":"m1","prediction_id":"x1","features": { "age" : 41.50, "city":"Lyon" } ,"prediction":1}`;
    const first = await post(`${exporter.url}/api/v1/predictions`, line, {
      'content-type': 'application/x-ndjson',
    });
    expect(first.status).toBe(202);
    const db = new Database(dbPath, { readonly: true });
    const row = db.prepare("SELECT features FROM predictions WHERE prediction_id = 'x1'").get() as {
      features: string;
    };
    db.close();
    expect(row.features).toBe('{ "age" : 41.50, "city":"Lyon" }');
    const again = await post(`${exporter.url}/api/v1/predictions`, [
      { model: 'm1', prediction_id: 'x1', features: { city: 'Lyon', age: 41.5 }, prediction: 1 },
    ]);
    expect(again).toEqual({ status: 202, json: { accepted: 1, duplicates: 1 } });
    exporter.engine.poll();
    expect(exporter.engine.monitors.get('m1')?.window.size).toBe(1);

    // Lines with surrounding whitespace, and a key written with an escape (found by its decoded key:
    // the client's text of the member JSON.parse took).
    const body = [
      ' \t{"model":"m1","prediction_id":"x2","features":{"age":3.0},"prediction":0}\r',
      '',
      '{"model":"m1","prediction_id":"x3","feat\\u0075res":{"age":4.0, "city":"Nice"},"prediction":1}  ',
    ].join('\n');
    expect(
      await post(`${exporter.url}/api/v1/predictions`, body, { 'content-type': 'application/x-ndjson' }),
    ).toEqual({ status: 202, json: { accepted: 2, duplicates: 0 } });
    const stored = new Database(dbPath, { readonly: true });
    const texts = stored
      .prepare("SELECT features FROM predictions WHERE prediction_id IN ('x2', 'x3') ORDER BY id")
      .pluck()
      .all();
    stored.close();
    expect(texts).toEqual(['{"age":3.0}', '{"age":4.0, "city":"Nice"}']);
  });

  const cases: [string, string, string, number, string | null, number | null][] = [
    ['invalid JSON', '[{"model": ', 'application/json', 400, null, null],
    ['wrong type', JSON.stringify([{ ...item(1), features: 'x' }]), 'application/json', 400, 'features', 0],
    [
      'missing model',
      JSON.stringify([item(1), { ...item(2), model: undefined }]),
      'application/json',
      400,
      'model',
      1,
    ],
    [
      'missing prediction_id',
      JSON.stringify([{ ...item(1), prediction_id: undefined }]),
      'application/json',
      400,
      'prediction_id',
      0,
    ],
    [
      'missing features',
      JSON.stringify([{ ...item(1), features: undefined }]),
      'application/json',
      400,
      'features',
      0,
    ],
    [
      'non-finite number',
      '[{"model":"m1","prediction_id":"a","features":{"x":1e999},"prediction":1}]',
      'application/json',
      400,
      'features.x',
      0,
    ],
    [
      'score outside [0, 1]',
      JSON.stringify([item(1), item(2), item(3, { score: 2 })]),
      'application/json',
      400,
      'score',
      2,
    ],
    ['bad NDJSON line', `${JSON.stringify(item(1))}\nnot json\n`, 'application/x-ndjson', 400, null, 1],
  ];
  it.each(cases)(
    'rejects %s with {error, index, field} and writes nothing',
    async (_name, body, type, status, field, index) => {
      await post(`${exporter.url}/api/v1/predictions`, [item(100)]);
      const r = await post(`${exporter.url}/api/v1/predictions`, body, { 'content-type': type });
      expect(r.status).toBe(status);
      const json = r.json as { error: string; index: number | null; field: string | null };
      expect(typeof json.error).toBe('string');
      expect(json.error.length).toBeGreaterThan(5);
      expect(json.field).toBe(field);
      expect(json.index).toBe(index);
      expect(stored()).toBe(1);
    },
  );

  it('counts every row once, in id order, when the API and a direct writer interleave', async () => {
    await post(`${exporter.url}/api/v1/predictions`, [item(1), item(2)]);
    const direct = new Database(dbPath);
    const insert = direct.prepare(
      'INSERT INTO predictions (model, prediction_id, ts, features, prediction) VALUES (?, ?, ?, ?, ?)',
    );
    insert.run('m1', 'd1', 1_700_000_050, '{"x": 1}', '0');
    insert.run('m2', 'd2', 1_700_000_051, '{"x": 2}', '1');
    direct.close();
    // The API batch is applied straight from its parsed records; the direct rows before it are read first.
    await post(`${exporter.url}/api/v1/predictions`, [item(3), item(1), item(4)]);
    const monitor = exporter.engine.monitors.get('m1')!;
    const slots = monitor.window.select({}, NOW);
    expect([...slots].map((s) => monitor.window.predictionIds[s])).toEqual(['p1', 'p2', 'd1', 'p3', 'p4']);
    exporter.engine.poll();
    expect(monitor.window.size).toBe(5);
    expect(exporter.engine.monitors.get('m2')!.window.size).toBe(1);
    // The skipped duplicate consumed an id: p3 is 5, p4 is 7.
    expect(exporter.engine.reader.cursor).toBe(7);
    expect(await metric('modelwatch_predictions_total{')).toEqual([
      'modelwatch_predictions_total{model="m1",model_version=""} 5',
      'modelwatch_predictions_total{model="m2",model_version=""} 1',
    ]);
  });

  it('rejects a feature of the wrong type once the reference fixes it', async () => {
    const csv = `x,color\n${Array.from({ length: 50 }, (_, i) => `${i},${i % 2 ? 'red' : 'blue'}`).join('\n')}\n`;
    const put = await fetch(`${exporter.url}/api/v1/models/m1/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(put.status).toBe(201);
    const r = await post(`${exporter.url}/api/v1/predictions`, [
      item(1, { features: { x: 'high', color: 'red' } }),
    ]);
    expect(r).toMatchObject({ status: 400, json: { field: 'features.x', index: 0 } });
    expect(rejectedCount(await metric('modelwatch_ingest_rejected_total'), 'type_mismatch')).toBe(1);
  });

  it('answers 413 for a body over the size limit and counts it', async () => {
    await exporter.close();
    await start({ limits: { max_body: '1kb' } });
    const r = await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 50 }, (_, i) => item(i)),
    );
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ index: null, field: null });
    expect(stored()).toBe(0);
    expect(rejectedCount(await metric('modelwatch_ingest_rejected_total'), 'too_large')).toBe(1);
  });

  it('requires the bearer token on writes when configured, not on reads', async () => {
    await exporter.close();
    await start({ auth: { token: 'correct-horse-battery' } });
    expect((await post(`${exporter.url}/api/v1/predictions`, [item(1)])).status).toBe(401);
    expect(
      (
        await post(`${exporter.url}/api/v1/predictions`, [item(1)], {
          authorization: 'Bearer wrong-token-123',
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${exporter.url}/api/v1/predictions`, [item(1)], {
          authorization: 'Bearer correct-horse-battery',
        })
      ).status,
    ).toBe(202);
    expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${exporter.url}/api/v1/models`)).status).toBe(200);
    expect(stored()).toBe(1);
  });
});

describe('feedback, references, status, history and retraining', () => {
  it('accepts feedback singly and in batches, and rejects bad items', async () => {
    expect(
      await post(`${exporter.url}/api/v1/feedback`, { model: 'm1', prediction_id: 'p1', label: 1 }),
    ).toEqual({ status: 202, json: { accepted: 1 } });
    expect(
      await post(`${exporter.url}/api/v1/feedback`, [
        { model: 'm1', prediction_id: 'p2', label: 0 },
        { model: 'm1', prediction_id: 'p3', label: 1 },
      ]),
    ).toEqual({
      status: 202,
      json: { accepted: 2 },
    });
    expect(await post(`${exporter.url}/api/v1/feedback`, [{ model: 'm1', label: 1 }])).toMatchObject({
      status: 400,
      json: { field: 'prediction_id', index: 0 },
    });
  });

  it('builds a reference from CSV, NDJSON and a time range of the log', async () => {
    const csv = `x,y,color,label,score\n${Array.from({ length: 200 }, (_, i) => `${i},${i % 5},${['a', 'b'][i % 2]},${i % 2},${(i % 10) / 10}`).join('\n')}\n`;
    const r1 = await fetch(`${exporter.url}/api/v1/models/m1/reference?name=train`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(r1.status).toBe(201);
    expect(await r1.json()).toMatchObject({
      model: 'm1',
      name: 'train',
      rows: 200,
      features: { x: 'numeric', y: 'numeric', color: 'categorical' },
      score: true,
      labelled_rows: 200,
    });

    const nd = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ features: { x: i, color: 'a' }, prediction: 1 }),
    ).join('\n');
    const r2 = await fetch(`${exporter.url}/api/v1/models/m2/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson' },
      body: nd,
    });
    expect(await r2.json()).toMatchObject({
      model: 'm2',
      rows: 30,
      features: { x: 'numeric', color: 'categorical' },
      prediction: true,
      score: false,
    });

    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 40 }, (_, i) => item(i, { model: 'm3' })),
    );
    await post(`${exporter.url}/api/v1/feedback`, { model: 'm3', prediction_id: 'p3', label: 1 });
    const r3 = await fetch(`${exporter.url}/api/v1/models/m3/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from_ts: 1_700_000_010, to_ts: 1_700_000_029 }),
    });
    expect(await r3.json()).toMatchObject({ model: 'm3', rows: 20, labelled_rows: 0 });
    const r4 = await fetch(`${exporter.url}/api/v1/models/m3/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from_ts: 1_700_000_000, to_ts: 1_700_000_005 }),
    });
    expect(await r4.json()).toMatchObject({ rows: 6, labelled_rows: 1 });
    const get = await (await fetch(`${exporter.url}/api/v1/models/m1/reference`)).json();
    expect(get).toMatchObject({ name: 'train', rows: 200, source: { kind: 'upload', format: 'csv' } });
  });

  it('rejects bad reference uploads with a clear message', async () => {
    const put = (body: string, type: string) =>
      fetch(`${exporter.url}/api/v1/models/m1/reference`, {
        method: 'PUT',
        headers: { 'content-type': type },
        body,
      }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { error: string },
      }));
    expect(await put('x,y\n1,2\n3\n', 'text/csv')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/malformed CSV.*line 3/) },
    });
    expect(await put('x,y\n', 'text/csv')).toMatchObject({
      status: 400,
      json: { error: 'the reference has no rows' },
    });
    expect(await put('x,x\n1,2\n', 'text/csv')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/duplicate column "x"/) },
    });
    expect(await put('{"from_ts": 5}', 'application/json')).toMatchObject({
      status: 400,
      json: { field: 'to_ts' },
    });
    expect(await put('{"from_ts": 5, "to_ts": 10}', 'application/json')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/no predictions/) },
    });
    expect(await put('hello', 'application/xml')).toMatchObject({ status: 415 });
  });

  it('builds a reference from a Parquet upload streamed to a file, and checks its columns', async () => {
    const parquet = join(dir, 'ref.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT i::DOUBLE AS x, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS color, (i % 10) / 10 AS score FROM range(300) t(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    db.closeSync();
    const put = (body: string | Buffer, type: string, model = 'm1') =>
      fetch(`${exporter.url}/api/v1/models/${model}/reference`, {
        method: 'PUT',
        headers: { 'content-type': type },
        body,
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    expect(await put(readFileSync(parquet), 'application/vnd.apache.parquet')).toMatchObject({
      status: 201,
      json: { rows: 300, features: { x: 'numeric', color: 'categorical' }, score: true },
    });
    const get = await (await fetch(`${exporter.url}/api/v1/models/m1/reference`)).json();
    expect(get).toMatchObject({ rows: 300, source: { kind: 'upload', format: 'parquet' } });
    // A body that is not what its content type says.
    expect(await put('x,y\n1,2\n', 'application/vnd.apache.parquet')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/not a Parquet file/) },
    });
    expect(await put(readFileSync(parquet), 'text/csv')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/is a Parquet file, not CSV/) },
    });
    // Column names follow the name rule; at most limits.max_features columns; nothing saved otherwise.
    expect(await put('"bad name",y\n1,2\n', 'text/csv', 'm9')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/column "bad name": expected a name/) },
    });
    const wide = Array.from({ length: 501 }, (_, i) => `c${i}`).join(',');
    expect(await put(`${wide}\n${wide.replace(/c\d+/g, '1')}\n`, 'text/csv', 'm9')).toMatchObject({
      status: 400,
      json: {
        error: expect.stringMatching(/more than 500 feature and attribute columns \(limits.max_features\)/),
      },
    });
    expect((await fetch(`${exporter.url}/api/v1/models/m9/reference`)).status).toBe(404);
  });

  it('profiles a large upload on a worker thread: same profile, InputError still 400', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const big = join(dir, 'big.parquet');
    const cols = Array.from({ length: 10 }, (_, f) => `(i * ${f + 3}) % 1000 / 10.0 AS x${f}`).join(', ');
    await db.run(`COPY (SELECT ${cols} FROM range(20000) t(i)) TO '${big}' (FORMAT parquet)`);
    const scoresOnly = join(dir, 'scores.parquet');
    await db.run(
      `COPY (SELECT (i % 100) / 100.0 AS score FROM range(200000) t(i)) TO '${scoresOnly}' (FORMAT parquet)`,
    );
    db.closeSync();
    const put = (path: string) =>
      fetch(`${exporter.url}/api/v1/models/m1/reference`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.apache.parquet' },
        body: readFileSync(path),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const r = await put(big);
    expect(r).toMatchObject({ status: 201, json: { rows: 20000 } });
    expect(Object.keys(r.json.features as object)).toHaveLength(10);
    // The same table profiled inline gives the same stored profile.
    const stored = exporter.engine.references.active<{ features: Record<string, unknown> }>('m1')!;
    const { readTableFile } = await import('../reference/read');
    const { buildProfile } = await import('../reference/profile');
    const inline = buildProfile(
      await readTableFile(big),
      exporter.engine.roles('m1'),
      testConfig(dbPath).reference.sample_size,
    );
    expect(stored.profile.features).toEqual(inline.features);
    expect(await put(scoresOnly)).toMatchObject({
      status: 400,
      json: { error: 'the reference has no feature columns' },
    });
  });

  it('answers 413 for a reference upload over the size limit', async () => {
    await exporter.close();
    await start({ limits: { max_body: '1kb' } });
    const csv = `x\n${Array.from({ length: 1000 }, (_, i) => i).join('\n')}\n`;
    const r = await fetch(`${exporter.url}/api/v1/models/m1/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ error: 'request body exceeds the limit' });
  });

  it('reports status after evaluation, history, models, retraining and Alertmanager requests', async () => {
    expect((await fetch(`${exporter.url}/api/v1/models/nope/status`)).status).toBe(404);
    await post(
      `${exporter.url}/api/v1/predictions`,
      Array.from({ length: 10 }, (_, i) => item(i)),
    );
    exporter.engine.poll();
    const pending = await fetch(`${exporter.url}/api/v1/models/m1/status`);
    expect(pending.status).toBe(503);
    exporter.engine.evaluateAll();
    const status = (await (await fetch(`${exporter.url}/api/v1/models/m1/status`)).json()) as {
      notes: string[];
    };
    expect(status).toMatchObject({
      model: 'm1',
      status: 'healthy',
      window: { rows: 10 },
      findings: [],
      reference: null,
      retraining: { recommended: false },
    });
    expect(status.notes[0]).toMatch(/no reference profile/);
    const models = (await (await fetch(`${exporter.url}/api/v1/models`)).json()) as { models: unknown[] };
    expect(models.models).toEqual([
      expect.objectContaining({ model: 'm1', status: 'healthy', window_rows: 10 }),
    ]);
    await exporter.engine.settled(); // history is written on the writer thread
    const historyUrl = `${exporter.url}/api/v1/models/m1/history?from=0&to=${exporter.engine.now() + 1}`;
    const history = (await (await fetch(historyUrl)).json()) as {
      evaluations: { report: { model: string } }[];
    };
    expect(history.evaluations).toHaveLength(1);
    expect(history.evaluations[0]?.report.model).toBe('m1');
    expect((await fetch(`${exporter.url}/api/v1/models/m1/history?from=abc`)).status).toBe(400);

    expect(await post(`${exporter.url}/api/v1/models/m1/retrain`, { reason: 'new data' })).toMatchObject({
      status: 202,
      json: { model: 'm1' },
    });
    const am = await post(`${exporter.url}/api/v1/alerts/retrain`, {
      version: '4',
      status: 'firing',
      alerts: [
        { status: 'firing', labels: { alertname: 'ModelwatchRetrainingRecommended', model: 'm1' } },
        { status: 'resolved', labels: { alertname: 'ModelwatchRetrainingRecommended', model: 'm2' } },
        { status: 'firing', labels: { alertname: 'Other' } },
      ],
    });
    expect(am).toMatchObject({ status: 200, json: { recorded: [{ model: 'm1' }] } });
    expect(exporter.engine.history.retrainRequests('m1').map((r) => r.source)).toEqual([
      'alertmanager',
      'api',
    ]);
    expect(await metric('modelwatch_retraining_requests_total{')).toEqual([
      'modelwatch_retraining_requests_total{model="m1"} 2',
    ]);
  });

  it('answers health and readiness, and JSON 404 for unknown routes', async () => {
    expect(await (await fetch(`${exporter.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${exporter.url}/readyz`)).status).toBe(200);
    const r = await fetch(`${exporter.url}/nope`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'not found', index: null, field: null });
  });
});
