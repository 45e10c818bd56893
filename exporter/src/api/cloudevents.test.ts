import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SKLEARN_V1, SKLEARN_V2, TENSOR_V2 } from '../ingest/kserve.fixtures';
import type { Exporter } from '../server';
import { mulberry32 } from '../stats/multivariate';
import { parseExposition, post, startTestExporter, tempDir, testConfig } from '../testing';

/** The exporter's clock; the recorded v2 events carry Ce-Time 2026-03-10, a little before it. */
const NOW = Date.UTC(2026, 2, 10, 12, 5) / 1000;

const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const KSERVE = {
  kserve: {
    services: [
      { inference_service: 'sklearn-iris', model: 'iris', columns: IRIS },
      { inference_service: 'sklearn-irisv2', columns: IRIS, score: { column: 1 } },
      { inference_service: 'isvc-sklearn-mixed-v2', model: 'houses', attributes: ['Neighborhood'] },
    ],
  },
};

let dir: string;
let cleanup: () => void;
const running: Exporter[] = [];

async function start(raw: Record<string, unknown> = KSERVE, db = 'log.db', clock = NOW): Promise<Exporter> {
  const exporter = await startTestExporter(testConfig(join(dir, db), raw), { clock: () => clock });
  running.push(exporter);
  return exporter;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(async () => {
  for (const e of running.splice(0)) await e.close();
  cleanup();
});

function send(exporter: Exporter, event: { headers: Record<string, string>; body: string }) {
  return post(`${exporter.url}/api/v1/cloudevents`, event.body, event.headers);
}

interface StoredRow {
  model: string;
  model_version: string | null;
  prediction_id: string;
  ts: number;
  features: string;
  prediction: string;
  score: number | null;
  attributes: string | null;
  latency_seconds: number | null;
}

function rows(db = 'log.db'): StoredRow[] {
  const conn = new Database(join(dir, db), { readonly: true });
  try {
    return conn
      .prepare(
        'SELECT model, model_version, prediction_id, ts, features, prediction, score, attributes, latency_seconds FROM predictions ORDER BY id',
      )
      .all() as StoredRow[];
  } finally {
    conn.close();
  }
}

async function samples(exporter: Exporter, prefix: string) {
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  return parseExposition(text).filter((s) => s.name.startsWith(prefix));
}

async function value(exporter: Exporter, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await samples(exporter, name)).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((a, s) => a + s.value, 0);
}

describe('POST /api/v1/cloudevents with recorded KServe events', () => {
  it('sklearn v1 (form-urlencoded content type): the pair becomes one prediction per instance', async () => {
    const e = await start();
    expect(await send(e, SKLEARN_V1[0]!)).toEqual({
      status: 202,
      json: { accepted: 0, duplicates: 0, pending: true },
    });
    expect(rows()).toEqual([]);
    expect(await send(e, SKLEARN_V1[1]!)).toEqual({ status: 202, json: { accepted: 2, duplicates: 0 } });
    const stored = rows();
    expect(stored.map((r) => [r.model, r.prediction_id, JSON.parse(r.features), r.prediction, r.ts])).toEqual(
      [
        [
          'iris',
          '0009174a-24a8-4603-b098-09c8799950e9-0',
          { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 },
          '1',
          NOW,
        ],
        [
          'iris',
          '0009174a-24a8-4603-b098-09c8799950e9-1',
          { sepal_length: 6.0, sepal_width: 3.4, petal_length: 4.5, petal_width: 1.6 },
          '1',
          NOW,
        ],
      ],
    );
    expect(await value(e, 'modelwatch_predictions_total', { model: 'iris' })).toBe(2);
    expect(await value(e, 'modelwatch_cloudevents_received_total', { type: 'request' })).toBe(1);
    expect(await value(e, 'modelwatch_cloudevents_joined_total', { order: 'request_first' })).toBe(1);
    expect(await value(e, 'modelwatch_cloudevents_pending')).toBe(0);
  });

  it('sklearn v2 (pd tensors) arriving response first: ts, latency and attributes from the events', async () => {
    const e = await start();
    expect((await send(e, SKLEARN_V2[1]!)).json).toEqual({ accepted: 0, duplicates: 0, pending: true });
    expect(await value(e, 'modelwatch_cloudevents_pending')).toBe(1);
    expect((await send(e, SKLEARN_V2[0]!)).json).toEqual({ accepted: 1, duplicates: 0 });
    const [row] = rows();
    expect(row).toMatchObject({
      model: 'houses',
      prediction_id: '5f1e6d0c-2b1f-4a55-9a3e-6c1d2f0b8e71-0',
      prediction: '12.202832815138274',
      score: null,
      attributes: '{"Neighborhood":"CollgCr"}',
      model_version: null,
    });
    expect(JSON.parse(row!.features)).toEqual({
      MSZoning: 'RL',
      LotArea: 8450,
      LotShape: 'Reg',
      Utilities: 'AllPub',
      YrSold: 2008,
      OverallQual: 7,
      YearBuilt: 2003,
      SaleType: 'WD',
      GarageArea: 548,
    });
    expect(row!.ts).toBeCloseTo(Date.UTC(2026, 2, 10, 12) / 1000 + 0.123456789, 6);
    expect(row!.latency_seconds).toBe(0.007);
    expect(await value(e, 'modelwatch_cloudevents_joined_total', { order: 'response_first' })).toBe(1);
  });

  it('a [n, k] tensor with predict_proba output: argmax prediction, P(class 1) as the score', async () => {
    const e = await start();
    await send(e, TENSOR_V2[0]!);
    expect((await send(e, TENSOR_V2[1]!)).json).toEqual({ accepted: 2, duplicates: 0 });
    expect(rows().map((r) => [r.model, r.model_version, r.prediction, r.score, r.latency_seconds])).toEqual([
      ['sklearn-irisv2', 'v1', '1', 0.8, 0.25],
      ['sklearn-irisv2', 'v1', '1', 0.59, 0.25],
    ]);
  });
});

describe('re-delivery', () => {
  it('is counted once and never 409, with or without Ce-Time, also after a restart', async () => {
    const e = await start();
    for (const events of [SKLEARN_V1, TENSOR_V2]) for (const ev of events) await send(e, ev);
    // Re-delivered in the same process: acknowledged from the joined ids.
    for (const events of [SKLEARN_V1, TENSOR_V2])
      for (const ev of events) expect((await send(e, ev)).status).toBe(202);
    expect(rows()).toHaveLength(4);
    expect(await e.close());
    running.splice(0);
    // A restarted exporter (empty join buffer) an hour later: the pair joins again; the rows are
    // duplicates although the server clock (the v1 events' ts) moved on.
    const later = await start(KSERVE, 'log.db', NOW + 3600);
    await send(later, SKLEARN_V1[1]!);
    expect(await send(later, SKLEARN_V1[0]!)).toEqual({ status: 202, json: { accepted: 2, duplicates: 2 } });
    await send(later, TENSOR_V2[0]!);
    expect(await send(later, TENSOR_V2[1]!)).toEqual({ status: 202, json: { accepted: 2, duplicates: 2 } });
    expect(rows()).toHaveLength(4);
    expect(await value(later, 'modelwatch_predictions_total')).toBe(0);
  });
});

describe('bad events', () => {
  const v1 = (
    id: string,
    body: unknown,
    type: 'request' | 'response',
    extra: Record<string, string> = {},
  ): { headers: Record<string, string>; body: string } => ({
    headers: {
      ...SKLEARN_V1[0]!.headers,
      'ce-id': id,
      'ce-type': `org.kubeflow.serving.inference.${type}`,
      ...extra,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('answer 400 {error, index, field}, write nothing and count the rejection', async () => {
    const e = await start({
      kserve: {
        services: [
          { inference_service: 'sklearn-iris', columns: ['a', 'b'], score: { output: 'p' } },
          { inference_service: 'strict', columns: ['a', 'b'] },
        ],
      },
      discover_models: false,
      models: [{ name: 'sklearn-iris' }],
    });
    const cases: [ReturnType<typeof v1>, number, string | null, number | null][] = [
      // headers
      [
        { ...v1('x', { instances: [[1, 2]] }, 'request'), headers: { 'content-type': 'text/plain' } },
        400,
        'ce-specversion',
        null,
      ],
      [v1('x', { instances: [[1, 2]] }, 'request', { 'ce-type': 'dev.knative.foo' }), 400, 'ce-type', null],
      [v1('x', { instances: [[1, 2]] }, 'request', { 'ce-time': '1700000000' }), 400, 'ce-time', null],
      [
        v1('x', { instances: [[1, 2]] }, 'request', { 'ce-inferenceservicename': 'a b' }),
        400,
        'ce-inferenceservicename',
        null,
      ],
      // bodies
      [v1('x', 'instances=%5B1%2C2%5D', 'request'), 400, null, null],
      [v1('x', { instances: [[1, 2, 3]] }, 'request'), 400, 'instances[0]', 0],
      [v1('x', { instances: [{ 'a b': 1 }] }, 'request'), 400, 'features.a b', 0],
      [v1('x', '{"instances": [{"__proto__": 1, "a": 1}]}', 'request'), 400, 'features.__proto__', 0],
      [v1('x', { instances: [{ a: 'x'.repeat(5000) }] }, 'request'), 400, 'features.a', 0],
      [v1('x', { instances: [{ a: { nested: true } }] }, 'request'), 400, 'features.a', 0],
      [
        v1(
          'x',
          { inputs: [{ name: 'a', shape: [1, 2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] },
          'request',
        ),
        400,
        'inputs[0].shape',
        null,
      ],
      [
        v1('x', { inputs: [{ name: 'a', shape: [1e300], datatype: 'FP32', data: [1] }] }, 'request'),
        400,
        'inputs[0].shape',
        null,
      ],
      // a model that is not accepted (discovery off): the request is refused as it arrives
      [v1('x', { instances: [[1, 2]] }, 'request', { 'ce-inferenceservicename': 'strict' }), 400, 'model', 0],
    ];
    let rejected = 0;
    for (const [event, status, field, index] of cases) {
      const res = await send(e, event);
      expect(res.status, `${JSON.stringify(event.body).slice(0, 80)} ${JSON.stringify(res.json)}`).toBe(
        status,
      );
      if (status === 400) {
        rejected++;
        expect(res.json).toMatchObject({ field, index });
        expect(typeof (res.json as { error: unknown }).error).toBe('string');
      }
    }
    expect(rows()).toEqual([]);
    expect(await value(e, 'modelwatch_ingest_rejected_total')).toBe(rejected);
  });

  it('escaped, huge and oddly typed values get the same 400 as on /api/v1/predictions', async () => {
    const e = await start({ kserve: { services: [{ inference_service: 'sklearn-iris' }] } });
    const cases: [string, string][] = [
      ['{"instances": [{"a\\u0000b": 1}]}', 'features.a\u0000b'],
      ['{"instances": [{"a": 1e400}]}', 'features.a'],
      ['{"instances": [{"a": [1, 2]}]}', 'features.a'],
      ['{"instances": [{"a": "\\ud800"}], "x": 1}', ''],
    ];
    for (const [i, [body, field]] of cases.entries()) {
      const res = await send(e, v1(`h${i}`, body, 'request'));
      if (field === '') {
        // A lone surrogate escape is a valid JSON string: accepted as a categorical value.
        expect(res.status).toBe(202);
        continue;
      }
      expect(res.status, body).toBe(400);
      expect((res.json as { field: string }).field).toBe(field);
      // The same instance text as the features of a prediction item.
      const instance = body.slice(body.indexOf('[{') + 1, body.lastIndexOf('}]') + 1);
      const direct = await post(
        `${e.url}/api/v1/predictions`,
        `[{"model": "sklearn-iris", "prediction_id": "d", "prediction": 1, "features": ${instance}}]`,
      );
      expect(direct.json).toMatchObject({ field: (res.json as { field: string }).field, index: 0 });
    }
    expect(rows()).toEqual([]);
  });

  it('accepts structured mode (application/cloudevents+json) as well', async () => {
    const e = await start();
    const structured = (event: { headers: Record<string, string>; body: string }) => {
      const attrs = Object.fromEntries(
        Object.entries(event.headers)
          .filter(([k]) => k.startsWith('ce-'))
          .map(([k, v]) => [k.slice(3), v]),
      );
      return {
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({ ...attrs, datacontenttype: 'application/json', data: JSON.parse(event.body) }),
      };
    };
    await send(e, structured(SKLEARN_V1[0]!));
    expect((await send(e, structured(SKLEARN_V1[1]!))).json).toEqual({ accepted: 2, duplicates: 0 });
    expect(
      (await send(e, { headers: { 'content-type': 'application/cloudevents+json' }, body: '[1]' })).status,
    ).toBe(400);
  });

  it('a pair with a bad row writes none of its rows (score outside [0, 1], mismatched counts)', async () => {
    const e = await start({
      kserve: {
        services: [{ inference_service: 'sklearn-iris', columns: ['a', 'b'], score: { output: 'p' } }],
      },
    });
    await send(
      e,
      v1(
        'y',
        {
          instances: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        },
        'request',
      ),
    );
    const res = await send(
      e,
      v1(
        'y',
        {
          predictions: [
            { label: 0, p: 0.1 },
            { label: 1, p: 1.5 },
            { label: 1, p: 0.9 },
          ],
        },
        'response',
      ),
    );
    expect(res).toEqual({ status: 400, json: expect.objectContaining({ index: 1, field: 'score' }) });
    await send(
      e,
      v1(
        'z',
        {
          instances: [
            [1, 2],
            [3, 4],
          ],
        },
        'request',
      ),
    );
    expect((await send(e, v1('z', { predictions: [{ label: 1, p: 0.5 }] }, 'response'))).json).toMatchObject({
      field: 'predictions',
      index: null,
    });
    expect(rows()).toEqual([]);
    expect(await value(e, 'modelwatch_cloudevents_pending')).toBe(0);
  });

  it('bodies over limits.max_body get 413; halves beyond kserve.max_pending are evicted and counted', async () => {
    const e = await start({
      limits: { max_body: '1kb' },
      kserve: { max_pending: 2, services: [{ inference_service: 'sklearn-iris', columns: ['a'] }] },
    });
    const big = v1('b', { instances: Array.from({ length: 300 }, () => [1]) }, 'request');
    expect((await send(e, big)).status).toBe(413);
    for (const id of ['p1', 'p2', 'p3']) await send(e, v1(id, { instances: [[1]] }, 'request'));
    expect(
      await value(e, 'modelwatch_cloudevents_unpaired_total', { type: 'request', reason: 'evicted' }),
    ).toBe(1);
    expect(await value(e, 'modelwatch_cloudevents_pending')).toBe(2);
  });

  it('asks for the bearer token unless kserve.require_token is false', async () => {
    const token = { auth: { token: 'secret-token-1' } };
    const guarded = await start({ ...KSERVE, ...token });
    expect((await send(guarded, SKLEARN_V1[0]!)).status).toBe(401);
    const open = await start({ kserve: { ...KSERVE.kserve, require_token: false }, ...token }, 'open.db');
    expect((await send(open, SKLEARN_V1[0]!)).status).toBe(202);
  });
});

/** A seeded normal draw, so both exporters see the same rows. */
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const round = (x: number) => Math.round(x * 1000) / 1000;

interface Row {
  features: Record<string, number | string>;
  prediction: number;
  score: number;
}

/** Rows of a toy credit model; `shift` moves income and region (drift), age stays put. */
function rowsFor(n: number, seed: number, shift: number): Row[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const age = round(40 + 10 * normal(r));
    const income = round(50 + shift * 15 + 12 * normal(r));
    const region = r() < 0.5 + shift * 0.3 ? 'north' : r() < 0.5 ? 'south' : 'east';
    const p1 = round(1 / (1 + Math.exp(-(income - 55) / 10)));
    return { features: { age, income, region }, prediction: p1 >= 0.5 ? 1 : 0, score: p1 };
  });
}

const COLUMNS = ['age', 'income', 'region'];
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The events KServe's logger would send for `rows` in one request of the given protocol. */
function eventsFor(
  protocol: 'v1' | 'v2-pd' | 'v2-tensor',
  service: string,
  id: string,
  rows: Row[],
  time: number | null,
): { headers: Record<string, string>; body: string }[] {
  const headers = (type: string, t: number | null) => ({
    'content-type': protocol === 'v1' ? 'application/x-www-form-urlencoded' : 'application/json',
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': `org.kubeflow.serving.inference.${type}`,
    'ce-source': 'http://localhost:9081/',
    'ce-inferenceservicename': service,
    'ce-namespace': 'default',
    'ce-component': 'predictor',
    'ce-endpoint': '',
    ...(t === null ? {} : { 'ce-time': iso(t) }),
  });
  const proba = rows.map((x) => [round(1 - x.score), x.score]);
  let request: unknown;
  let response: unknown;
  if (protocol === 'v1') {
    request = { instances: rows.map((x) => COLUMNS.map((c) => x.features[c])) };
    response = { predictions: proba };
  } else {
    request =
      protocol === 'v2-pd'
        ? {
            parameters: { content_type: 'pd' },
            inputs: COLUMNS.map((c) => ({
              name: c,
              shape: [rows.length],
              datatype: c === 'region' ? 'BYTES' : 'FP64',
              data: rows.map((x) => x.features[c]),
            })),
          }
        : {
            inputs: [
              {
                name: 'input-0',
                shape: [rows.length, 2],
                datatype: 'FP64',
                data: rows.map((x) => [x.features.age, x.features.income]),
              },
            ],
          };
    response = {
      id: 'server-side-id',
      model_name: service,
      model_version: null,
      outputs: [{ name: 'output-0', shape: [rows.length, 2], datatype: 'FP64', data: proba.flat() }],
    };
  }
  return [
    { headers: headers('request', time), body: JSON.stringify(request) },
    { headers: headers('response', time === null ? null : time + 0.004), body: JSON.stringify(response) },
  ];
}

describe('the same rows through /api/v1/cloudevents and /api/v1/predictions', () => {
  it('give exactly the same /metrics drift, data-quality and window series', async () => {
    const services = [
      { inference_service: 'credit-v1', columns: COLUMNS, score: { column: 1 } },
      { inference_service: 'credit-pd', score: { column: 1 } },
      { inference_service: 'credit-tensor', columns: ['age', 'income'], score: { column: 1 } },
    ];
    const raw = { kserve: { services }, drift: { min_rows: 100, multivariate: false } };
    const viaEvents = await start(raw, 'events.db');
    const viaPredictions = await start(raw, 'predictions.db');
    const protocols = [
      ['credit-v1', 'v1', null],
      ['credit-pd', 'v2-pd', NOW - 600],
      ['credit-tensor', 'v2-tensor', NOW - 300],
    ] as const;
    for (const [model, protocol, time] of protocols) {
      const keep = protocol === 'v2-tensor' ? ['age', 'income'] : COLUMNS;
      const reference = rowsFor(400, 1, 0);
      const csv = [
        [...keep, 'prediction', 'score'].join(','),
        ...reference.map((x) => [...keep.map((c) => x.features[c]), x.prediction, x.score].join(',')),
      ].join('\n');
      for (const e of [viaEvents, viaPredictions]) {
        const res = await fetch(`${e.url}/api/v1/models/${model}/reference`, {
          method: 'PUT',
          headers: { 'content-type': 'text/csv' },
          body: csv,
        });
        expect(res.status).toBe(201);
      }
      const current = rowsFor(600, 2, 1).map((x) => ({
        ...x,
        features: Object.fromEntries(keep.map((c) => [c, x.features[c]!])),
      }));
      for (let b = 0; b * 25 < current.length; b++) {
        const batch = current.slice(b * 25, b * 25 + 25);
        const id = `${model}-event-${b}`;
        const t = time === null ? null : time + b;
        const [request, response] = eventsFor(protocol, model, id, batch, t);
        // Every other pair arrives response first, as KServe's five logger workers may send them.
        const order = b % 2 === 0 ? [request!, response!] : [response!, request!];
        for (const ev of order) expect((await send(viaEvents, ev)).status).toBe(202);
        const items = batch.map((x, i) => ({
          model,
          prediction_id: `${id}-${i}`,
          features: x.features,
          prediction: x.prediction,
          score: x.score,
          ...(t === null ? {} : { ts: t, latency_seconds: 0.004 }),
        }));
        expect((await post(`${viaPredictions.url}/api/v1/predictions`, items)).status).toBe(202);
      }
    }
    const compared = [
      'modelwatch_feature_drift_score',
      'modelwatch_feature_drift_p_value',
      'modelwatch_feature_drift_threshold',
      'modelwatch_feature_drifted',
      'modelwatch_dataset_drift',
      'modelwatch_prediction_drift_score',
      'modelwatch_feature_bin_ratio',
      'modelwatch_feature_missing_ratio',
      'modelwatch_feature_out_of_range_ratio',
      'modelwatch_feature_unseen_category_ratio',
      'modelwatch_window_rows',
      'modelwatch_predictions_total',
      'modelwatch_model_status',
    ];
    const snapshot = async (e: Exporter) => {
      e.engine.evaluateAll();
      return (await samples(e, 'modelwatch_'))
        .filter((s) => compared.some((name) => s.name === name || s.name === `${name}_ratio`))
        .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
        .sort();
    };
    const a = await snapshot(viaEvents);
    const b = await snapshot(viaPredictions);
    expect(a).toEqual(b);
    // Not vacuous: every model is evaluated, income drifted, age did not.
    for (const [model] of protocols) {
      expect(a).toContain(`modelwatch_window_rows{"model":"${model}","window":"current"} 600`);
      expect(a).toContain(`modelwatch_feature_drifted{"model":"${model}","feature":"income"} 1`);
      expect(a).toContain(`modelwatch_feature_drifted{"model":"${model}","feature":"age"} 0`);
    }
    expect(a.filter((l) => l.startsWith('modelwatch_prediction_drift_score')).length).toBeGreaterThan(0);
    // And the rows on disk are the same ones.
    const strip = (r: StoredRow) => ({ ...r, features: JSON.parse(r.features) });
    expect(rows('events.db').map(strip).sort(byId)).toEqual(rows('predictions.db').map(strip).sort(byId));
  });
});

function byId(a: { prediction_id: string }, b: { prediction_id: string }): number {
  return a.prediction_id < b.prediction_id ? -1 : a.prediction_id > b.prediction_id ? 1 : 0;
}
