/**
 * The REST API (docs/api.md) on express 5. Handlers validate, call the engine or a store, and shape the
 * response; they hold no SQL and no statistics. Errors become JSON bodies `{error, index, field}`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { readNumericCsvOffThread, readNumericParquetOffThread } from '../compare/parallel';
import type { Config } from '../config/schema';
import type { Engine } from '../evaluate/engine';
import { type LineSpans, parseItems, parseItemsPausing } from '../ingest/body';
import { IngestError } from '../ingest/errors';
import { validateFeedback } from '../ingest/validate';
import type { Metrics } from '../metrics/registry';
import { isName, NAME_RULE, shortName } from '../names';
import type { ReferenceProfile } from '../reference/profile';
import { formatFromContentType, readTableFile, UPLOAD_CONTENT_TYPES } from '../reference/read';
import { InputError } from '../reference/table';
import { checkBatch, Turns, tsWindow, writeBatch } from './accept';
import { cloudEvents } from './cloudevents';
import { bodyText, JSON_TYPE, mediaType, NDJSON_TYPE, rawBody, requireContentType } from './content-type';
import { hostCheck } from './host';
import { receiveToFile } from './upload';

export interface AppContext {
  engine: Engine;
  metrics: Metrics;
  config: Config;
  log: Logger;
  /** False while shutting down: /readyz answers 503. */
  isAccepting: () => boolean;
}

export function createApp(ctx: AppContext): express.Express {
  const { engine, metrics, config } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpRequest(route, req.method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  const hosts = hostCheck(config.listen.host, config.listen.allowed_hosts);
  if (hosts) app.use(hosts);

  // Shutting down: requests that arrive now (a keep-alive client posting on) get 503 and the
  // connection is closed after the answer; the ones in flight finish.
  app.use((_req, res, next) => {
    if (ctx.isAccepting()) return next();
    res.set('connection', 'close');
    throw new IngestError(503, 'the exporter is shutting down', null, null, 'unavailable');
  });

  const requireToken = bearer(config.auth.token);
  const write = requireToken;
  const read = config.auth.protect_reads
    ? requireToken
    : (_req: Request, _res: Response, next: NextFunction) => next();
  const body = rawBody(config.limits.max_body);
  const ingestTypes = requireContentType([JSON_TYPE, NDJSON_TYPE]);
  // The KServe CloudEvents sink reads its own body: Ce-* headers, not Content-Type, say what it is.
  app.use(cloudEvents(ctx, config.kserve.require_token ? write : undefined));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const reason = !engine.ready
      ? 'starting'
      : !ctx.isAccepting()
        ? 'shutting down'
        : engine.storageFull
          ? 'the database is full: writes are refused'
          : null;
    res.status(reason ? 503 : 200).json(reason ? { status: 'not ready', reason } : { status: 'ready' });
  });
  app.get('/metrics', read, async (req, res) => {
    const { contentType, body } = await metrics.render(req.get('accept'));
    res.type(contentType).send(body);
  });

  // Parsing and validation pause for the event loop; batches take turns through them (accept.ts).
  const turns = new Turns();
  app.post('/api/v1/predictions', write, ingestTypes, body, async (req, res) => {
    const checked = await turns.run(async () => {
      const source = { text: bodyText(req), lines: { start: [], end: [] } as LineSpans };
      const items = await parseItemsPausing(
        source.text,
        req.get('content-type'),
        config.limits.max_batch,
        source.lines,
        nextTurn,
      );
      return checkBatch(engine, config, items, source, nextTurn);
    });
    res.status(202).json(await writeBatch(engine, checked));
  });

  app.post('/api/v1/feedback', write, ingestTypes, body, async (req, res) => {
    const items = parseItems(bodyText(req), req.get('content-type'), config.limits.max_batch);
    const records = validateFeedback(items, engine.now(), tsWindow(engine, config));
    const accepted = await engine.writer.writeFeedback(records);
    engine.storageFull = false;
    res.status(202).json({ accepted });
  });

  app.get('/api/v1/models', read, (_req, res) => {
    const models = [...engine.monitors.values()].map((m) => ({
      model: m.name,
      status: m.latest?.report.status ?? null,
      evaluated_at: m.latest?.evaluatedAt ?? null,
      window_rows: m.window.size,
      last_prediction_ts: m.lastPredictionTs || null,
      reference: m.reference
        ? { name: m.reference.name, rows: m.reference.rows, created_at: m.reference.created_at }
        : null,
      ...(engine.skippedReferences.has(m.name)
        ? { reference_error: engine.skippedReferences.get(m.name) }
        : {}),
    }));
    res.json({ models });
  });

  app.get('/api/v1/models/:model/status', read, (req, res) => {
    const monitor = engine.monitors.get(modelParam(req));
    if (!monitor)
      throw new IngestError(404, `unknown model "${modelParam(req)}"`, null, 'model', 'not_found');
    if (!monitor.latest) {
      res
        .status(503)
        .set('retry-after', String(Math.ceil(config.evaluation.interval)))
        .json({
          error: 'the model has not been evaluated yet',
          index: null,
          field: null,
        });
      return;
    }
    res.json(monitor.latest.report);
  });

  app.get('/api/v1/models/:model/history', read, (req, res) => {
    const model = modelParam(req);
    const now = engine.now();
    const from = numberParam(req, 'from', now - 86_400);
    const to = numberParam(req, 'to', now);
    const limit = Math.min(1000, Math.max(1, Math.floor(numberParam(req, 'limit', 100))));
    const entries = engine.history.query(model, from, to, limit);
    res.json({
      model,
      from,
      to,
      evaluations: entries.map((e) => ({ id: e.id, ts: e.ts, status: e.status, report: e.report })),
    });
  });

  app.get('/api/v1/models/:model/reference', read, (req, res) => {
    const model = modelParam(req);
    const monitor = engine.monitors.get(model);
    const ref = monitor?.reference ?? engine.references.active<ReferenceProfile>(model);
    if (!ref) throw new IngestError(404, `model "${model}" has no reference`, null, 'model', 'not_found');
    res.json({
      ...summary(ref.profile),
      model,
      name: ref.name,
      created_at: ref.created_at,
      source: ref.source,
      rows: ref.rows,
    });
  });

  // A data set (CSV/TSV, Parquet, NDJSON) streams to a temp file (never held in the heap) that DuckDB
  // parses on its own threads; {from_ts, to_ts} (JSON) takes the reference from the log.
  const referenceTypes = requireContentType([JSON_TYPE, ...UPLOAD_CONTENT_TYPES]);
  app.put('/api/v1/models/:model/reference', write, referenceTypes, async (req, res) => {
    const model = modelParam(req);
    const type = mediaType(req.get('content-type'));
    const name = isName(req.query.name) ? req.query.name : 'default';
    const overrides = {
      ...(typeof req.query.prediction === 'string' ? { prediction: req.query.prediction } : {}),
      ...(typeof req.query.score === 'string' ? { score: req.query.score } : {}),
      ...(typeof req.query.target === 'string' ? { target: [req.query.target] } : {}),
    };
    let stored: Awaited<ReturnType<Engine['saveReference']>>;
    const format = formatFromContentType(type);
    if (format === null) {
      await new Promise<void>((resolve, reject) =>
        body(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
      );
      const range = parseRange(bodyText(req));
      stored = await engine.referenceFromLog(model, range.from_ts, range.to_ts, name);
    } else {
      const upload = await receiveToFile(req, config.limits.max_body, format);
      try {
        const table = await readTableFile(upload.path, {
          format,
          numericCsv: readNumericCsvOffThread,
          numericParquet: readNumericParquetOffThread,
        });
        stored = await engine.saveReferenceOffThread(
          model,
          name,
          table,
          { kind: 'upload', format },
          engine.roles(model, overrides),
        );
      } finally {
        upload.remove();
      }
    }
    res.status(201).json({
      ...summary(stored.profile),
      model,
      name: stored.name,
      created_at: stored.created_at,
      rows: stored.rows,
    });
  });

  // The reason is kept as sent (JSON), at most RETRAIN_REASON_BYTES.
  app.post(
    '/api/v1/models/:model/retrain',
    write,
    requireContentType([JSON_TYPE], true),
    rawBody(RETRAIN_REASON_BYTES),
    async (req, res) => {
      const model = modelParam(req);
      if (!engine.knowsModel(model))
        throw new IngestError(404, `unknown model "${model}"`, null, 'model', 'not_found');
      const raw = bodyText(req).trim();
      let reason = 'null';
      if (raw) {
        try {
          JSON.parse(raw);
        } catch {
          throw new IngestError(400, 'invalid JSON body', null, null, 'invalid_json');
        }
        reason = raw;
      }
      const id = await engine.requestRetraining(model, 'api', reason);
      res.status(202).json({ id, model });
    },
  );

  // Alertmanager webhook receiver: one retraining request per known model with a firing alert.
  app.post(
    '/api/v1/alerts/retrain',
    write,
    requireContentType([JSON_TYPE]),
    rawBody(config.limits.max_webhook_body),
    async (req, res) => {
      let payload: unknown;
      try {
        payload = JSON.parse(bodyText(req));
      } catch {
        throw new IngestError(400, 'invalid JSON body', null, null, 'invalid_json');
      }
      const alerts = isRecord(payload) ? payload.alerts : undefined;
      if (!Array.isArray(alerts))
        throw new IngestError(
          400,
          'expected an Alertmanager webhook payload with "alerts"',
          null,
          'alerts',
          'invalid_field',
        );
      // One request per model, whatever the number of its alerts; unknown models are counted, not stored.
      const firing = new Map<string, unknown>();
      for (const alert of alerts) {
        if (!isRecord(alert) || alert.status !== 'firing') continue;
        const labels = isRecord(alert.labels) ? alert.labels : {};
        const model = labels.model;
        if (!isName(model)) metrics.webhookAlertIgnored('no_model');
        else if (!engine.knowsModel(model)) metrics.webhookAlertIgnored('unknown_model');
        else if (!firing.has(model)) firing.set(model, labels.alertname ?? null);
      }
      const recorded: { model: string; id: number }[] = [];
      for (const [model, alertname] of firing) {
        const reason = JSON.stringify({
          alertname: typeof alertname === 'string' ? shortName(alertname) : null,
        });
        recorded.push({ model, id: await engine.requestRetraining(model, 'alertmanager', reason) });
      }
      res.json({ recorded });
    },
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', index: null, field: null });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ingest = toIngestError(err);
    if (ingest) {
      if (req.method !== 'GET') metrics.rejected(ingest.reason);
      if (ingest.status === 503) res.set('retry-after', '1');
      if (ingest.status === 507) {
        engine.storageFull = true;
        res.set('retry-after', '60');
      }
      res.status(ingest.status).json(ingest.toJSON());
      return;
    }
    ctx.log.error({ err, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal error', index: null, field: null });
  });
  return app;
}

/** Lets the event loop serve what is waiting (a scrape) before going on with a large batch. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Bytes of JSON a retraining reason may take (413 beyond). */
const RETRAIN_REASON_BYTES = 4096;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelParam(req: Request): string {
  const model = req.params.model;
  if (!isName(model)) {
    throw new IngestError(400, `expected a model name: ${NAME_RULE}`, null, 'model', 'invalid_field');
  }
  return model;
}

function numberParam(req: Request, name: string, fallback: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) throw new IngestError(400, `expected a number`, null, name, 'invalid_field');
  return n;
}

function parseRange(raw: string): { from_ts: number; to_ts: number } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new IngestError(400, 'invalid JSON body', null, null, 'invalid_json');
  }
  const v = value as { from_ts?: unknown; to_ts?: unknown };
  for (const field of ['from_ts', 'to_ts'] as const) {
    if (typeof v?.[field] !== 'number' || !Number.isFinite(v[field])) {
      throw new IngestError(400, 'expected Unix time in seconds', null, field, 'invalid_field');
    }
  }
  return { from_ts: v.from_ts as number, to_ts: v.to_ts as number };
}

function summary(profile: ReferenceProfile) {
  return {
    features: Object.fromEntries(Object.entries(profile.features).map(([name, p]) => [name, p.type])),
    score: profile.score !== null,
    prediction: profile.prediction !== null,
    labelled_rows: profile.outcomes?.label.length ?? 0,
  };
}

/** Maps body-parser, input and SQLite errors to client-facing ones; null for real bugs (500). */
function toIngestError(err: unknown): IngestError | null {
  if (err instanceof IngestError) return err;
  if (err instanceof InputError) return new IngestError(400, err.message, null, null, 'invalid_field');
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e?.type === 'entity.too.large')
    return new IngestError(413, `request body exceeds the limit`, null, null, 'too_large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new IngestError(415, e.message ?? 'unsupported encoding', null, null, 'unsupported_media_type');
  }
  if (e?.type === 'request.aborted')
    return new IngestError(400, 'request aborted', null, null, 'invalid_json');
  if (e?.code === 'SQLITE_FULL') {
    return new IngestError(
      507,
      'the database is full (disk full or database.max_size reached): nothing was written; retry once space is freed',
      null,
      null,
      'storage_full',
    );
  }
  if (e?.code === 'SQLITE_BUSY' || e?.code === 'SQLITE_LOCKED') {
    return new IngestError(503, 'the database is busy; retry later', null, null, 'unavailable');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new IngestError(400, e.message ?? 'bad request', null, null, 'invalid_json');
  }
  return null;
}

/** Bearer-token check with a constant-time comparison; no token configured → open. */
function bearer(token: string | undefined) {
  if (!token) return (_req: Request, _res: Response, next: NextFunction) => next();
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = createHash('sha256')
      .update(req.get('authorization') ?? '')
      .digest();
    if (!timingSafeEqual(given, expected)) {
      throw new IngestError(401, 'missing or invalid bearer token', null, 'authorization', 'unauthorized');
    }
    next();
  };
}
