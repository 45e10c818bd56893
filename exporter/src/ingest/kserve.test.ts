import { describe, expect, it } from 'vitest';
import { buildConfig } from '../config/load';
import type { KServeServiceConfig } from '../config/schema';
import { IngestError } from './errors';
import {
  type CloudEventTelemetry,
  decodeRequest,
  decodeResponse,
  EventJoiner,
  type EventMeta,
  joinEvents,
  parseBody,
  readEventMeta,
} from './kserve';
import { SKLEARN_V1, SKLEARN_V2, TENSOR_V2 } from './kserve.fixtures';

const getter = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];

function service(raw: Record<string, unknown>): KServeServiceConfig {
  return buildConfig({ kserve: { services: [{ inference_service: 'svc', ...raw }] } }).kserve.services[0]!;
}

function error(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('expected an IngestError');
}

function pair(events: { headers: Record<string, string>; body: string }[], svc?: KServeServiceConfig) {
  const [req, res] = events.map((e) => ({ meta: readEventMeta(getter(e.headers)), body: parseBody(e.body) }));
  return joinEvents(
    { meta: req!.meta, data: decodeRequest(req!.body, svc, 1000) },
    { meta: res!.meta, data: decodeResponse(res!.body, 1000) },
    'm',
    svc,
  );
}

describe('readEventMeta', () => {
  it('reads the logger headers of the recorded events', () => {
    expect(readEventMeta(getter(SKLEARN_V1[0]!.headers))).toEqual({
      kind: 'request',
      id: '0009174a-24a8-4603-b098-09c8799950e9',
      time: null,
      timeParts: null,
      service: 'sklearn-iris',
      namespace: 'default',
    });
    const meta = readEventMeta(getter(SKLEARN_V2[1]!.headers));
    expect(meta.kind).toBe('response');
    // Nanosecond digits are kept beyond Date's milliseconds.
    expect(meta.time).toBeCloseTo(Date.UTC(2026, 2, 10, 12, 0, 0) / 1000 + 0.130456789, 6);
  });

  it('names the header at fault', () => {
    const base = SKLEARN_V1[0]!.headers;
    const cases: [Record<string, string | undefined>, string][] = [
      [{ 'ce-specversion': undefined }, 'ce-specversion'],
      [{ 'ce-specversion': '0.3' }, 'ce-specversion'],
      [{ 'ce-type': 'com.example.other' }, 'ce-type'],
      [{ 'ce-type': undefined }, 'ce-type'],
      [{ 'ce-id': '' }, 'ce-id'],
      [{ 'ce-id': 'x'.repeat(201) }, 'ce-id'],
      [{ 'ce-inferenceservicename': undefined }, 'ce-inferenceservicename'],
      [{ 'ce-time': 'yesterday' }, 'ce-time'],
      [{ 'ce-time': '2026-13-45T99:00:00Z' }, 'ce-time'],
    ];
    for (const [change, field] of cases) {
      const h = { ...base, ...change } as Record<string, string>;
      for (const k in change) if (change[k] === undefined) delete h[k];
      expect(error(() => readEventMeta(getter(h)))).toMatchObject({ status: 400, field, index: null });
    }
  });

  it('decodes percent-encoded header values (CloudEvents HTTP binding 1.0.2)', () => {
    const h = { ...SKLEARN_V1[0]!.headers, 'ce-id': 'a%20b%22' };
    expect(readEventMeta(getter(h)).id).toBe('a b"');
  });
});

describe('joining a recorded pair', () => {
  it('sklearn v1: instances arrays take the configured columns', () => {
    const svc = service({ columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] });
    expect(pair(SKLEARN_V1, svc)).toEqual([
      {
        model: 'm',
        prediction_id: '0009174a-24a8-4603-b098-09c8799950e9-0',
        features: { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 },
        prediction: 1,
      },
      {
        model: 'm',
        prediction_id: '0009174a-24a8-4603-b098-09c8799950e9-1',
        features: { sepal_length: 6.0, sepal_width: 3.4, petal_length: 4.5, petal_width: 1.6 },
        prediction: 1,
      },
    ]);
    // Without columns: f0..f3.
    expect(Object.keys(pair(SKLEARN_V1)[0]!.features as object)).toEqual(['f0', 'f1', 'f2', 'f3']);
  });

  it('sklearn v2 (pd): one named tensor per column; ts and latency from Ce-Time', () => {
    const [row] = pair(SKLEARN_V2, service({ attributes: ['Neighborhood'] }));
    expect(row).toMatchObject({
      prediction_id: '5f1e6d0c-2b1f-4a55-9a3e-6c1d2f0b8e71-0',
      prediction: 12.202832815138274,
      features: { MSZoning: 'RL', LotArea: 8450, YrSold: 2008, GarageArea: 548 },
      attributes: { Neighborhood: 'CollgCr' },
    });
    expect(row!.features).not.toHaveProperty('Neighborhood');
    expect(row!.ts).toBeCloseTo(Date.UTC(2026, 2, 10, 12) / 1000 + 0.123456789, 6);
    expect(row!.latency_seconds).toBe(0.007);
  });

  it('tensor [n, k]: columns from config, argmax prediction, score column of predict_proba', () => {
    const svc = service({ columns: ['a', 'b', 'c', 'd'], score: { column: 1 } });
    const rows = pair(TENSOR_V2, svc);
    expect(rows.map((r) => [r.features, r.prediction, r.score, r.model_version])).toEqual([
      [{ a: 6.8, b: 2.8, c: 4.8, d: 1.4 }, 1, 0.8, 'v1'],
      [{ a: 6.0, b: 3.4, c: 4.5, d: 1.6 }, 1, 0.59, 'v1'],
    ]);
    // Without columns the tensor's columns are <name>_<j>.
    expect(Object.keys(pair(TENSOR_V2)[0]!.features as object)).toEqual([
      'input-0_0',
      'input-0_1',
      'input-0_2',
      'input-0_3',
    ]);
    // A score output with several columns and no column configured is an error naming the output.
    expect(error(() => pair(TENSOR_V2, service({ score: {} })))).toMatchObject({
      field: 'outputs.output-0',
      index: 0,
    });
  });

  it('v1 records (objects) and object predictions use their keys', () => {
    const req = {
      meta: meta('request'),
      data: decodeRequest({ instances: [{ x: 1, s: 'a' }] }, undefined, 10),
    };
    const res = {
      meta: meta('response'),
      data: decodeResponse({ predictions: [{ label: 'yes', proba: 0.7 }] }, 10),
    };
    const svc = service({ prediction: { output: 'label' }, score: { output: 'proba' } });
    expect(joinEvents(req, res, 'm', svc)).toEqual([
      { model: 'm', prediction_id: 'e-0', features: { x: 1, s: 'a' }, prediction: 'yes', score: 0.7 },
    ]);
  });
});

function meta(kind: 'request' | 'response', id = 'e'): EventMeta {
  return { kind, id, time: null, timeParts: null, service: 'svc', namespace: null };
}

describe('hostile and mismatched payloads', () => {
  const req = (body: unknown, svc?: KServeServiceConfig) =>
    error(() => decodeRequest(body as Record<string, unknown>, svc, 100));
  it('names the field of a bad tensor or instance', () => {
    expect(req({ nothing: 1 })).toMatchObject({ status: 400, field: 'instances' });
    expect(req({ instances: [] })).toMatchObject({ field: 'instances' });
    expect(req({ instances: 'abc' })).toMatchObject({ field: 'instances' });
    expect(
      req(
        {
          instances: [
            [1, 2],
            [1, 2, 3],
          ],
        },
        service({ columns: ['a', 'b'] }),
      ),
    ).toMatchObject({
      field: 'instances[1]',
      index: 1,
    });
    const t = (over: Record<string, unknown>) => ({
      inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, 2], ...over }],
    });
    expect(req(t({ shape: [3] }))).toMatchObject({ field: 'inputs[0].data' });
    expect(req(t({ shape: [2, 1, 1] }))).toMatchObject({ field: 'inputs[0].shape' });
    expect(req(t({ shape: ['2'] }))).toMatchObject({ field: 'inputs[0].shape' });
    expect(req(t({ shape: [-1] }))).toMatchObject({ field: 'inputs[0].shape' });
    expect(req(t({ data: 'AAAA' }))).toMatchObject({ field: 'inputs[0].data' });
    expect(req(t({ name: 7 }))).toMatchObject({ field: 'inputs[0].name' });
    expect(req({ inputs: [{ name: 'x', data: [1] }] })).toMatchObject({ field: 'inputs[0].shape' });
    // v1 rows may come under "inputs" too (get_predict_input): objects without tensor fields.
    expect(decodeRequest({ inputs: [{ a: 1 }] }, undefined, 10).rows).toEqual([{ a: 1 }]);
    expect(
      req({
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP32', data: [1, 2] },
          { name: 'b', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
        ],
      }),
    ).toMatchObject({ field: 'inputs[1].shape' });
    expect(
      req(
        { inputs: [{ name: 'a', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] },
        service({ columns: ['p', 'q'] }),
      ),
    ).toMatchObject({
      field: 'inputs[0].shape',
    });
    // More instances than the batch limit: 413.
    expect(req({ instances: Array.from({ length: 101 }, () => [1]) })).toMatchObject({ status: 413 });
  });

  it('rejects non-JSON bodies (v2 binary data included) as invalid_json', () => {
    for (const body of ['', 'instances=1', '{"inputs":[]}\u0000\u0001\u0002', '[1,2]']) {
      expect(error(() => parseBody(body)).status).toBe(400);
    }
  });

  it('a response with a different row count than its request is rejected on the response field', () => {
    const r = { meta: meta('request'), data: decodeRequest({ instances: [[1], [2]] }, undefined, 10) };
    const s = { meta: meta('response'), data: decodeResponse({ predictions: [1] }, 10) };
    expect(error(() => joinEvents(r, s, 'm', undefined))).toMatchObject({ field: 'predictions' });
    const v2 = {
      meta: meta('response'),
      data: decodeResponse({ outputs: [{ name: 'o', shape: [1], datatype: 'INT64', data: [1] }] }, 10),
    };
    expect(error(() => joinEvents(r, v2, 'm', undefined))).toMatchObject({ field: 'outputs' });
  });
});

class Counts implements CloudEventTelemetry {
  received: string[] = [];
  joined: string[] = [];
  unpaired: string[] = [];
  pending = 0;
  cloudEventReceived(kind: string): void {
    this.received.push(kind);
  }
  cloudEventsJoined(order: string): void {
    this.joined.push(order);
  }
  cloudEventUnpaired(kind: string, reason: string): void {
    this.unpaired.push(`${kind}:${reason}`);
  }
  cloudEventsPending(count: number): void {
    this.pending = count;
  }
}

describe('EventJoiner', () => {
  const request = (id: string, cost = 10) => ({
    kind: 'request' as const,
    half: { meta: meta('request', id), data: { rows: [{}] }, cost },
  });
  const response = (id: string, cost = 10) => ({
    kind: 'response' as const,
    half: {
      meta: meta('response', id),
      data: { protocol: 'v1' as const, rows: [{ '': 1 }], first: '', modelVersion: null },
      cost,
    },
  });
  const limits = { pending_timeout: 60, max_pending: 3, max_pending_bytes: 1000 };

  it('joins in either order and counts which came first', () => {
    const t = new Counts();
    const j = new EventJoiner(limits, t, () => 0);
    expect(j.offer('a', request('a'))).toBeNull();
    expect(j.offer('a', response('a'))).not.toBeNull();
    expect(j.offer('b', response('b'))).toBeNull();
    expect(j.offer('b', request('b'))?.request.meta.id).toBe('b');
    expect(t.joined).toEqual(['request_first', 'response_first']);
    expect(j.pending).toBe(0);
  });

  it('holds at most max_pending halves and max_pending_bytes, evicting the oldest', () => {
    const t = new Counts();
    const j = new EventJoiner(limits, t, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) j.offer(id, request(id));
    expect(j.pending).toBe(3);
    expect(t.unpaired).toEqual(['request:evicted']);
    expect(j.offer('a', response('a'))).toBeNull(); // a was evicted: the response waits now
    j.offer('big', response('big', 990));
    // c (count) and d (bytes: 10 + 10 + 990 > 1000) make room; a and big stay.
    expect(t.pending).toBe(2);
    expect(t.unpaired).toEqual(['request:evicted', 'request:evicted', 'request:evicted', 'request:evicted']);
  });

  it('drops halves older than pending_timeout, counted as expired', () => {
    const t = new Counts();
    let now = 0;
    const j = new EventJoiner(limits, t, () => now);
    j.offer('a', request('a'));
    now = 30;
    j.offer('b', response('b'));
    now = 61;
    j.sweep();
    expect(t.unpaired).toEqual(['request:expired']);
    expect(j.pending).toBe(1);
    now = 200;
    j.sweep();
    expect(t.unpaired).toEqual(['request:expired', 'response:expired']);
  });

  it('a half sent twice is held once; joined ids are remembered up to max_pending', () => {
    const t = new Counts();
    const j = new EventJoiner(limits, t, () => 0);
    j.offer('a', request('a'));
    j.offer('a', request('a'));
    expect(j.pending).toBe(1);
    for (const id of ['a', 'b', 'c', 'd']) j.markJoined(id);
    expect(['a', 'b', 'c', 'd'].map((id) => j.wasJoined(id))).toEqual([false, true, true, true]);
  });
});
