/**
 * KServe inference-logger events (CloudEvents 1.0, binary mode) turned into prediction items
 * (docs/kserve.md has the format and where each fact comes from). A request event carries the
 * model server's input (v1 `instances` or v2 `inputs` tensors), the response event with the same
 * `Ce-Id` its output (v1 `predictions` or v2 `outputs`); `joinEvents` makes one prediction item per
 * instance, in the shape POST /api/v1/predictions accepts, so both go through the same validation and
 * write path. Pure functions plus `EventJoiner`, the bounded buffer that waits for a pair's other half.
 */
import type { KServeConfig, KServeServiceConfig } from '../config/schema';
import { isName, NAME_RULE } from '../names';
import { IngestError } from './errors';

export const REQUEST_TYPE = 'org.kubeflow.serving.inference.request';
export const RESPONSE_TYPE = 'org.kubeflow.serving.inference.response';
export type EventKind = 'request' | 'response';

/** The CloudEvents context of one logger event (binary mode: `Ce-*` headers). */
export interface EventMeta {
  kind: EventKind;
  id: string;
  /** `Ce-Time` in Unix seconds, or null when the logger sent none (KServe before v0.18). */
  time: number | null;
  /** `Ce-Time` as whole milliseconds and the nanoseconds beyond them (exact differences). */
  timeParts: [number, number] | null;
  service: string;
  namespace: string | null;
}

/** Prediction ids are `<Ce-Id>-<index>` and at most 256 characters (docs/log-schema.md/§3). */
const MAX_EVENT_ID = 200;

function bad(field: string | null, message: string, index: number | null = null): never {
  throw new IngestError(400, message, index, field, 'invalid_field');
}

/** Binary-mode header values may be percent-encoded (CloudEvents HTTP binding 1.0.2, §3.1.3.2). */
function headerValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** RFC 3339 (`Ce-Time`) to Unix milliseconds and the nanoseconds beyond them. */
function rfc3339(value: string): [number, number] {
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) {
    bad('ce-time', 'expected an RFC 3339 timestamp');
  }
  // Date keeps milliseconds: the sub-millisecond digits are added back from the text.
  const fraction = (/\.(\d+)/.exec(value)?.[1] ?? '').padEnd(9, '0');
  const ms = Date.parse(value.replace(/\.(\d+)/, ''));
  if (!Number.isFinite(ms)) bad('ce-time', 'expected an RFC 3339 timestamp');
  return [ms + Number(fraction.slice(0, 3)), Number(fraction.slice(3))];
}

/**
 * Reads the event context from the headers; what the body is follows from `Ce-Specversion` and
 * `Ce-Type`, never from Content-Type (the logger copies the client's, often form-urlencoded).
 */
export function readEventMeta(header: (name: string) => string | undefined): EventMeta {
  const spec = headerValue(header('ce-specversion'));
  if (spec === undefined) bad('ce-specversion', 'missing header Ce-Specversion: expected a CloudEvent');
  if (spec !== '1.0') bad('ce-specversion', `expected CloudEvents specversion 1.0, got "${spec}"`);
  const type = headerValue(header('ce-type'));
  if (type === undefined) bad('ce-type', 'missing header Ce-Type');
  let kind: EventKind;
  if (type === REQUEST_TYPE) kind = 'request';
  else if (type === RESPONSE_TYPE) kind = 'response';
  else bad('ce-type', `expected ${REQUEST_TYPE} or ${RESPONSE_TYPE}`);
  const id = headerValue(header('ce-id'));
  if (!id) bad('ce-id', 'missing header Ce-Id');
  if (id.length > MAX_EVENT_ID) bad('ce-id', `expected an event id of at most ${MAX_EVENT_ID} characters`);
  const service = headerValue(header('ce-inferenceservicename'));
  if (!service) bad('ce-inferenceservicename', 'missing header Ce-Inferenceservicename');
  if (service.length > 253) bad('ce-inferenceservicename', 'expected at most 253 characters');
  const namespace = headerValue(header('ce-namespace')) || null;
  const time = headerValue(header('ce-time'));
  const parts = time ? rfc3339(time) : null;
  const seconds = parts ? parts[0] / 1e3 + parts[1] / 1e9 : null;
  return { kind, id, time: seconds, timeParts: parts, service, namespace };
}

/** The config entry for an InferenceService (namespace-specific entries first), if any. */
export function serviceConfig(config: KServeConfig, meta: EventMeta): KServeServiceConfig | undefined {
  return (
    config.services.find(
      (s) =>
        s.inference_service === meta.service && s.namespace !== undefined && s.namespace === meta.namespace,
    ) ?? config.services.find((s) => s.inference_service === meta.service && s.namespace === undefined)
  );
}

/** The modelwatch model of an event: the configured mapping, else the InferenceService name. */
export function modelName(meta: EventMeta, service: KServeServiceConfig | undefined): string {
  const model = service?.model ?? meta.service;
  if (!isName(model)) bad('ce-inferenceservicename', `expected ${NAME_RULE}`);
  return model;
}

type Row = Record<string, unknown>;

/** A decoded request: one row of input columns per instance. */
export interface DecodedRequest {
  rows: Row[];
}

/**
 * A decoded response: per instance, its outputs by name (v2 output names; v1: "" for each element of
 * `predictions`, or the element's keys when it is an object). `first` is the default output's name.
 */
export interface DecodedResponse {
  protocol: 'v1' | 'v2';
  rows: Row[];
  first: string;
  modelVersion: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseBody(text: string): Record<string, unknown> {
  if (text.trim().length === 0) throw new IngestError(400, 'event body is empty', null, null, 'invalid_json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Includes v2 binary tensor data (a JSON header followed by raw bytes), which is not supported.
    throw new IngestError(400, `invalid JSON: ${(err as Error).message}`, null, null, 'invalid_json');
  }
  if (!isObject(value)) bad(null, 'expected a JSON object (a v1 or v2 inference payload)');
  return value;
}

interface Tensor {
  name: string;
  shape: number[];
  /** Row-major values (nested `data` is flattened). */
  data: unknown[];
}

function isTensorList(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    // Tensor-shaped objects (any of the tensor fields) are read as v2 and checked strictly; v1 rows
    // given as objects under "inputs" have none of them.
    value.every((t) => isObject(t) && ('name' in t || 'shape' in t || 'datatype' in t || 'data' in t))
  );
}

function flatten(data: unknown[], out: unknown[], depth: number, field: string, max: number): void {
  for (const v of data) {
    if (Array.isArray(v)) {
      if (depth >= 8) bad(field, 'tensor data nested too deeply');
      flatten(v, out, depth + 1, field, max);
    } else out.push(v);
    if (out.length > max) bad(field, `tensor holds more than ${max} values`);
  }
}

function tensors(list: Record<string, unknown>[], what: 'inputs' | 'outputs', maxValues: number): Tensor[] {
  return list.map((t, i) => {
    const at = `${what}[${i}]`;
    if (typeof t.name !== 'string' || t.name.length === 0 || t.name.length > 128)
      bad(`${at}.name`, 'expected a tensor name of 1-128 characters');
    const shape = t.shape;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
    ) {
      bad(`${at}.shape`, 'expected a shape: a non-empty array of non-negative integers');
    }
    if (shape.length > 2)
      bad(`${at}.shape`, `expected a tabular tensor of shape [n] or [n, k], got rank ${shape.length}`);
    if (!Array.isArray(t.data))
      bad(`${at}.data`, 'expected a data array (binary tensor data is not supported)');
    const data: unknown[] = [];
    flatten(t.data, data, 0, `${at}.data`, maxValues);
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (data.length !== size)
      bad(`${at}.data`, `shape [${shape.join(', ')}] needs ${size} values, data has ${data.length}`);
    return { name: t.name, shape, data };
  });
}

function rowsOf(n: number, max: number, field: string): Row[] {
  if (n === 0) bad(field, 'expected at least one instance');
  if (n > max)
    throw new IngestError(413, `event has ${n} instances, the limit is ${max}`, null, field, 'too_large');
  // Null-prototype rows: a "__proto__" column stays a key, which validation then rejects by name.
  return Array.from({ length: n }, () => Object.create(null) as Row);
}

function sameRows(list: Tensor[], what: string): number {
  const n = list[0]!.shape[0]!;
  list.forEach((t, i) => {
    if (t.shape[0] !== n) bad(`${what}[${i}].shape`, `expected ${n} rows like ${what}[0], got ${t.shape[0]}`);
  });
  return n;
}

function defaultNames(k: number, prefix: string): string[] {
  return Array.from({ length: k }, (_, j) => `${prefix}${j}`);
}

/** Request payload → input rows. v2 tensors name their columns; arrays take `columns` from config. */
export function decodeRequest(
  body: Record<string, unknown>,
  service: KServeServiceConfig | undefined,
  maxRows: number,
): DecodedRequest {
  const columns = service?.columns;
  if (isTensorList(body.inputs)) {
    const list = tensors(body.inputs, 'inputs', maxRows * 1000);
    const rows = rowsOf(sameRows(list, 'inputs'), maxRows, 'inputs');
    list.forEach((t, ti) => {
      const k = t.shape.length === 2 ? t.shape[1]! : 1;
      let names: string[];
      if (t.shape.length === 1 || (k === 1 && !(list.length === 1 && columns))) names = [t.name];
      else if (list.length === 1 && columns) names = columns;
      else names = defaultNames(k, `${t.name}_`);
      if (names.length !== k)
        bad(`inputs[${ti}].shape`, `config columns name ${names.length} columns, the tensor has ${k}`);
      for (let r = 0; r < rows.length; r++)
        for (let j = 0; j < k; j++) {
          const row = rows[r]!;
          if (Object.hasOwn(row, names[j]!)) bad(`inputs[${ti}].name`, `column "${names[j]}" appears twice`);
          row[names[j]!] = t.data[r * k + j];
        }
    });
    return { rows };
  }
  const instances = body.instances ?? body.inputs;
  if (!Array.isArray(instances)) bad('instances', 'expected "instances" (v1) or "inputs" tensors (v2)');
  const rows = rowsOf(instances.length, maxRows, 'instances');
  instances.forEach((instance, i) => {
    const row = rows[i]!;
    if (isObject(instance)) {
      for (const key in instance) row[key] = instance[key];
      return;
    }
    const values = Array.isArray(instance) ? instance : [instance];
    const names = columns ?? defaultNames(values.length, 'f');
    if (names.length !== values.length)
      bad(`instances[${i}]`, `expected ${names.length} values (config columns), got ${values.length}`, i);
    names.forEach((name, j) => {
      row[name] = values[j];
    });
  });
  return { rows };
}

/** Response payload → output rows. */
export function decodeResponse(body: Record<string, unknown>, maxRows: number): DecodedResponse {
  const version =
    typeof body.model_version === 'string' &&
    body.model_version.length > 0 &&
    body.model_version.length <= 128
      ? body.model_version
      : null;
  if (isTensorList(body.outputs)) {
    const list = tensors(body.outputs, 'outputs', maxRows * 1000);
    const rows = rowsOf(sameRows(list, 'outputs'), maxRows, 'outputs');
    for (const t of list) {
      const k = t.shape.length === 2 ? t.shape[1]! : 1;
      for (let r = 0; r < rows.length; r++)
        rows[r]![t.name] = t.shape.length === 2 ? t.data.slice(r * k, r * k + k) : t.data[r];
    }
    return { protocol: 'v2', rows, first: list[0]!.name, modelVersion: version };
  }
  const predictions = body.predictions;
  if (!Array.isArray(predictions))
    bad('predictions', 'expected "predictions" (v1) or "outputs" tensors (v2)');
  const rows = rowsOf(predictions.length, maxRows, 'predictions');
  predictions.forEach((p, i) => {
    if (isObject(p)) Object.assign(rows[i]!, p);
    else rows[i]![''] = p;
  });
  const head = predictions[0];
  return {
    protocol: 'v1',
    rows,
    first: isObject(head) ? (Object.keys(head)[0] ?? '') : '',
    modelVersion: version,
  };
}

function argmax(values: unknown[], index: number, field: string): number {
  let best = -1;
  let max = Number.NEGATIVE_INFINITY;
  values.forEach((v, j) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      bad(field, 'expected finite numbers to take the argmax of', index);
    if (v > max) {
      max = v;
      best = j;
    }
  });
  if (best < 0) bad(field, 'expected a non-empty row of outputs', index);
  return best;
}

function outputField(response: DecodedResponse, name: string): string {
  if (response.protocol === 'v2') return `outputs.${name}`;
  return name === '' ? 'predictions' : `predictions.${name}`;
}

/**
 * One prediction item per instance of a request/response pair, in the POST /api/v1/predictions shape.
 * `ts` is the request's `Ce-Time` (else the response's; else left to the server clock, which a re-sent
 * duplicate is not compared on); `latency_seconds` the time between the two when both have one.
 */
export function joinEvents(
  request: { meta: EventMeta; data: DecodedRequest },
  response: { meta: EventMeta; data: DecodedResponse },
  model: string,
  service: KServeServiceConfig | undefined,
): Record<string, unknown>[] {
  const inputs = request.data.rows;
  const outputs = response.data;
  if (inputs.length !== outputs.rows.length) {
    bad(
      outputs.protocol === 'v2' ? 'outputs' : 'predictions',
      `the response has ${outputs.rows.length} rows for ${inputs.length} instances in the request`,
    );
  }
  const ts = request.meta.time ?? response.meta.time;
  const from = request.meta.timeParts;
  const to = response.meta.timeParts;
  const nanos = from && to ? (to[0] - from[0]) * 1e6 + (to[1] - from[1]) : -1;
  const latency = nanos >= 0 ? nanos / 1e9 : null;
  const items = inputItems(request, model, service);
  const predictionKey = service?.prediction.output ?? outputs.first;
  const score = service?.score;
  const scoreKey = score ? (score.output ?? outputs.first) : null;
  return items.map((item, i) => {
    const out = outputs.rows[i]!;
    if (!Object.hasOwn(out, predictionKey))
      bad(outputField(outputs, predictionKey), `the response has no output "${predictionKey}"`, i);
    let prediction = out[predictionKey];
    if (Array.isArray(prediction)) prediction = argmax(prediction, i, outputField(outputs, predictionKey));
    item.prediction = prediction;
    if (scoreKey !== null) {
      if (!Object.hasOwn(out, scoreKey))
        bad(outputField(outputs, scoreKey), `the response has no output "${scoreKey}"`, i);
      let value = out[scoreKey];
      if (Array.isArray(value)) {
        const column = score?.column ?? (value.length === 1 ? 0 : undefined);
        if (column === undefined)
          bad(
            outputField(outputs, scoreKey),
            `output has ${value.length} columns: set kserve score.column`,
            i,
          );
        if (column >= value.length)
          bad(
            outputField(outputs, scoreKey),
            `score column ${column} is beyond the output's ${value.length} columns`,
            i,
          );
        value = value[column];
      }
      item.score = value;
    }
    if (outputs.modelVersion !== null) item.model_version = outputs.modelVersion;
    if (ts !== null) item.ts = ts;
    if (latency !== null) item.latency_seconds = latency;
    return item;
  });
}

/**
 * The request's half of each prediction item (model, id, features, attributes; prediction 0 until the
 * response fills it in), so a request is validated when it arrives, not only once its pair is complete.
 */
export function inputItems(
  request: { meta: EventMeta; data: DecodedRequest },
  model: string,
  service: KServeServiceConfig | undefined,
): Record<string, unknown>[] {
  const attributeNames = new Set(service?.attributes ?? []);
  return request.data.rows.map((input, i) => {
    const features: Record<string, unknown> = Object.create(null);
    const attributes: Record<string, unknown> = Object.create(null);
    for (const key in input) {
      if (attributeNames.has(key)) attributes[key] = input[key];
      else features[key] = input[key];
    }
    const item: Record<string, unknown> = {
      model,
      prediction_id: `${request.meta.id}-${i}`,
      features,
      prediction: 0,
    };
    if (Object.keys(attributes).length > 0) item.attributes = attributes;
    return item;
  });
}

/** What the join buffer reports (metrics/registry.ts implements it). */
export interface CloudEventTelemetry {
  cloudEventReceived(kind: EventKind): void;
  cloudEventsJoined(order: 'request_first' | 'response_first'): void;
  cloudEventUnpaired(kind: EventKind, reason: 'expired' | 'evicted'): void;
  cloudEventsPending(count: number): void;
}

export interface Half<T> {
  meta: EventMeta;
  data: T;
  /** Body bytes, the memory this half holds. */
  cost: number;
}

interface Waiting {
  request?: Half<DecodedRequest>;
  response?: Half<DecodedResponse>;
  since: number;
  cost: number;
}

/**
 * Holds the first half of each pair until its partner arrives: at most `max_pending` halves and
 * `max_pending_bytes` of bodies, each for at most `pending_timeout`; dropped halves are counted. Also
 * remembers the last `max_pending` joined ids so a re-delivered half of a pair already written is
 * acknowledged instead of waiting for a partner that will not come again.
 */
export class EventJoiner {
  private readonly waiting = new Map<string, Waiting>();
  private readonly joined = new Map<string, true>();
  private bytes = 0;

  constructor(
    private readonly limits: Pick<KServeConfig, 'pending_timeout' | 'max_pending' | 'max_pending_bytes'>,
    private readonly telemetry: CloudEventTelemetry,
    /** Monotonic seconds. */
    private readonly clock: () => number = () => performance.now() / 1000,
  ) {}

  static key(model: string, meta: EventMeta): string {
    return `${model}\u0000${meta.id}`;
  }

  get pending(): number {
    return this.waiting.size;
  }

  wasJoined(key: string): boolean {
    return this.joined.has(key);
  }

  /**
   * Stores a half, or takes its waiting partner out and returns the pair. A half that arrives again
   * before its partner replaces the earlier copy.
   */
  offer(
    key: string,
    half: { kind: 'request'; half: Half<DecodedRequest> } | { kind: 'response'; half: Half<DecodedResponse> },
  ): { request: Half<DecodedRequest>; response: Half<DecodedResponse> } | null {
    this.sweep();
    const entry = this.waiting.get(key);
    if (entry) {
      const request = half.kind === 'request' ? half.half : entry.request;
      const response = half.kind === 'response' ? half.half : entry.response;
      if (request && response) {
        this.remove(key, entry);
        this.telemetry.cloudEventsJoined(entry.request ? 'request_first' : 'response_first');
        return { request, response };
      }
      this.remove(key, entry); // the same half again: re-inserted below as the newest
    }
    const waiting: Waiting =
      half.kind === 'request'
        ? { request: half.half, since: this.clock(), cost: half.half.cost }
        : { response: half.half, since: this.clock(), cost: half.half.cost };
    this.waiting.set(key, waiting);
    this.bytes += waiting.cost;
    while (this.waiting.size > this.limits.max_pending || this.bytes > this.limits.max_pending_bytes) {
      const [oldest, e] = this.waiting.entries().next().value as [string, Waiting];
      this.drop(oldest, e, 'evicted');
    }
    this.telemetry.cloudEventsPending(this.waiting.size);
    return null;
  }

  /** Records a pair as written (bounded: the oldest ids are forgotten first). */
  markJoined(key: string): void {
    this.joined.delete(key);
    this.joined.set(key, true);
    if (this.joined.size > this.limits.max_pending)
      this.joined.delete(this.joined.keys().next().value as string);
  }

  /** Drops halves that waited longer than the timeout (Map order is arrival order). */
  sweep(): void {
    const limit = this.clock() - this.limits.pending_timeout;
    for (const [key, e] of this.waiting) {
      if (e.since > limit) break;
      this.drop(key, e, 'expired');
    }
    this.telemetry.cloudEventsPending(this.waiting.size);
  }

  private drop(key: string, e: Waiting, reason: 'expired' | 'evicted'): void {
    this.remove(key, e);
    this.telemetry.cloudEventUnpaired(e.request ? 'request' : 'response', reason);
  }

  private remove(key: string, e: Waiting): void {
    this.waiting.delete(key);
    this.bytes -= e.cost;
    this.telemetry.cloudEventsPending(this.waiting.size);
  }
}
