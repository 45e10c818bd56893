/**
 * Property-based fuzzing of the write API (fast-check, bounded runs): whatever arrives, the answer
 * is a 2xx or a 4xx with {error, index, field}, never a 5xx or a crash, and a rejected batch writes
 * nothing. Also hostile values: deep nesting, huge strings, prototype-pollution keys, quotes and
 * newlines in names that end up as label values, SQL-looking strings.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../server';
import { item, startTestExporter, tempDir, testConfig } from '../testing';

let exporter: Exporter;
let cleanup: () => void;
let dbPath: string;
const NOW = 1_700_000_100;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dbPath = join(t.dir, 'log.db');
  exporter = await startTestExporter(testConfig(dbPath, { limits: { max_body: '256kb', max_batch: 200 } }), {
    clock: () => NOW,
  });
});
afterAll(async () => {
  await exporter.close();
  cleanup();
});

function retrainModels(): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT DISTINCT model FROM retraining_requests').pluck().all() as string[];
  } finally {
    db.close();
  }
}

function retrainRows(): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM retraining_requests').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function rows(): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (
      db
        .prepare('SELECT (SELECT count(*) FROM predictions) + (SELECT count(*) FROM feedback) AS n')
        .get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

async function send(
  method: string,
  path: string,
  body: string,
  type: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${exporter.url}${path}`, { method, headers: { 'content-type': type }, body });
  const text = await r.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`non-JSON answer ${r.status}: ${text.slice(0, 200)}`);
  }
  return { status: r.status, json };
}

function expectClientError(r: { status: number; json: Record<string, unknown> }): void {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(typeof r.json.error).toBe('string');
  expect('index' in r.json && 'field' in r.json).toBe(true);
}

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    "'; DROP TABLE predictions; --",
    'a"b',
    'line\nbreak',
    'back\\slash',
    '',
    ' ',
    '\u0000',
  ),
  fc.string({ minLength: 1000, maxLength: 3000 }),
);
const scalar = fc.oneof(fc.double(), fc.integer(), hostileString, fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A prediction where any field may be replaced by something wrong. */
const mutatedItem = fc
  .record({
    i: fc.nat(10_000),
    key: fc.constantFrom(
      'model',
      'prediction_id',
      'features',
      'prediction',
      'score',
      'attributes',
      'model_version',
      'ts',
      'latency_seconds',
      'extra',
    ),
    value: json,
    drop: fc.boolean(),
  })
  .map(({ i, key, value, drop }) => {
    const base: Record<string, unknown> = item(i, { model: 'fz' });
    if (drop) delete base[key];
    else base[key] = value;
    return base;
  });

describe('fuzzing the write API', () => {
  it('predictions: every batch is accepted whole or rejected whole with a 4xx naming the item', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(mutatedItem, json), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (items, ndjson) => {
          const before = rows();
          const body = ndjson
            ? items.map((x) => JSON.stringify(x) ?? 'null').join('\n')
            : JSON.stringify(items);
          const r = await send(
            'POST',
            '/api/v1/predictions',
            body,
            ndjson ? 'application/x-ndjson' : 'application/json',
          );
          if (r.status === 202) {
            expect(r.json.accepted).toBe(items.length);
          } else {
            expectClientError(r);
            expect(rows()).toBe(before);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('feedback: same contract', async () => {
    const feedbackItem = fc.record(
      {
        model: fc.oneof(fc.constant('fz'), hostileString),
        prediction_id: fc.oneof(fc.string(), fc.integer(), fc.double()),
        label: scalar,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(feedbackItem, json), { minLength: 1, maxLength: 10 }),
        async (items) => {
          const before = rows();
          const r = await send('POST', '/api/v1/feedback', JSON.stringify(items), 'application/json');
          if (r.status !== 202) {
            expectClientError(r);
            expect(rows()).toBe(before);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reference upload: arbitrary CSV and NDJSON text never gives a 5xx', async () => {
    const csvCell = fc.oneof(
      fc.double().map(String),
      fc.integer().map(String),
      hostileString.map((s) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)),
    );
    const csv = fc
      .tuple(
        fc.array(hostileString, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(csvCell, { maxLength: 5 }), { maxLength: 20 }),
      )
      .map(([header, body]) => [header.join(','), ...body.map((r) => r.join(','))].join('\n'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(csv, fc.string()),
        fc.constantFrom('text/csv', 'application/x-ndjson', 'application/json'),
        async (text, type) => {
          const r = await send('PUT', '/api/v1/models/fz-ref/reference', text, type);
          if (r.status !== 201) expectClientError(r);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('webhook and retrain: arbitrary payloads, content types and escaped or repeated keys never give a 5xx', async () => {
    const before = retrainRows();
    const alert = fc.record({
      status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.anything()),
      labels: fc.oneof(
        fc.record({
          model: fc.oneof(fc.constantFrom('fz', 'nobody'), hostileString),
          alertname: fc.anything(),
        }),
        fc.anything(),
      ),
    });
    const payload = fc.oneof(
      fc.record({ alerts: fc.array(alert, { maxLength: 30 }) }).map((p) => JSON.stringify(p)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // a key spelled with an escape and repeated: the parsed (last) one counts
      fc.constant('{"alerts":[],"\\u0061lerts":[{"status":"firing","labels":{"model":"fz"}}]}'),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(
        payload,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (body, type) => {
          const r = await send('POST', '/api/v1/alerts/retrain', body, type);
          if (r.status !== 200) expectClientError(r);
          const q = await send('POST', '/api/v1/models/fz/retrain', body, type);
          if (q.status !== 202) expectClientError(q);
        },
      ),
      { numRuns: 120 },
    );
    // requests are stored only for models the exporter knows (never "nobody")
    const models = retrainModels();
    expect(models.every((m) => exporter.engine.knowsModel(m))).toBe(true);
    expect(models).not.toContain('nobody');
    expect(retrainRows()).toBeGreaterThanOrEqual(before);
  });

  it('reference from the log: arbitrary ranges never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ from_ts: fc.double(), to_ts: fc.double() }).map((v) => JSON.stringify(v)),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const r = await send('PUT', '/api/v1/models/fz/reference', body, 'application/json');
          if (r.status !== 201) expectClientError(r);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects deeply nested JSON and oversized strings cleanly', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expectClientError(await send('POST', '/api/v1/predictions', deep, 'application/json'));
    const big = JSON.stringify([item(1, { model: 'fz', features: { x: 'y'.repeat(200_000) } })]);
    expectClientError(await send('POST', '/api/v1/predictions', big, 'application/json'));
    const huge = 'x'.repeat(300 * 1024);
    expect((await send('POST', '/api/v1/predictions', huge, 'application/json')).status).toBe(413);
  });

  it('survives it all: still healthy, /metrics still parses, hostile names never reach label values unescaped', async () => {
    expect((await fetch(`${exporter.url}/readyz`)).status).toBe(200);
    // A name with a quote and a backslash is a valid model name; on /metrics it must be escaped.
    const name = 'we"ird\\model';
    const ok = await send(
      'POST',
      '/api/v1/predictions',
      JSON.stringify([item(1, { model: name })]),
      'application/json',
    );
    expect(ok.status).toBe(202);
    exporter.engine.poll();
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).toContain('modelwatch_predictions_total{model="we\\"ird\\\\model",model_version=""} 1');
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? \S+$/,
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });
});
