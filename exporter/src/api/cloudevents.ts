/**
 * POST /api/v1/cloudevents: the KServe inference-logger sink (docs/kserve.md). Each event is half of a
 * request/response pair; the half that arrives first waits in a bounded buffer, the second completes
 * the pair, which becomes one prediction per instance and goes through the same validation and write
 * path as POST /api/v1/predictions (api/accept.ts).
 *
 * The body is read whatever its Content-Type: KServe's logger copies the client's content type (often
 * application/x-www-form-urlencoded from `curl -d`), so the `Ce-Specversion`/`Ce-Type` headers say what
 * the body is (docs/api.md). Custom `ce-*` headers are not CORS-safelisted, so a cross-site page cannot
 * send them without a preflight, which this server does not answer. Structured mode
 * (`application/cloudevents+json`) is accepted too.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { IngestError } from '../ingest/errors';
import {
  type CloudEventTelemetry,
  decodeRequest,
  decodeResponse,
  EventJoiner,
  inputItems,
  joinEvents,
  modelName,
  parseBody,
  readEventMeta,
  serviceConfig,
} from '../ingest/kserve';
import { acceptPredictions, checkPredictions } from './accept';
import type { AppContext } from './app';

type Guard = (req: Request, res: Response, next: NextFunction) => void;

export function cloudEvents(
  ctx: AppContext & { metrics: CloudEventTelemetry },
  guard?: Guard,
  joiner = new EventJoiner(ctx.config.kserve, ctx.metrics),
): Router {
  const { engine, config } = ctx;
  const router = express.Router();
  // Its own body reader: any content type, as text (the generic parsers go by Content-Type).
  const body = express.text({ type: () => true, limit: config.limits.max_body, defaultCharset: 'utf-8' });
  const timer = setInterval(() => joiner.sweep(), Math.max(1, config.kserve.pending_timeout / 4) * 1000);
  timer.unref();

  router.post('/api/v1/cloudevents', guard ?? ((_req, _res, next) => next()), body, async (req, res) => {
    const { header, text } = eventParts(req);
    const meta = readEventMeta(header);
    ctx.metrics.cloudEventReceived(meta.kind);
    const service = serviceConfig(config.kserve, meta);
    const model = modelName(meta, service);
    const key = EventJoiner.key(model, meta);
    if (joiner.wasJoined(key)) {
      // A re-delivered half of a pair already written: acknowledged, nothing counted again.
      res.status(202).json({ accepted: 0, duplicates: 0, joined: true });
      return;
    }
    const payload = parseBody(text);
    const cost = text.length;
    let pair: ReturnType<typeof joiner.offer>;
    if (meta.kind === 'request') {
      const half = { meta, data: decodeRequest(payload, service, config.limits.max_batch), cost };
      checkPredictions(engine, config, inputItems(half, model, service));
      pair = joiner.offer(key, { kind: 'request', half });
    } else
      pair = joiner.offer(key, {
        kind: 'response',
        half: { meta, data: decodeResponse(payload, config.limits.max_batch), cost },
      });
    if (!pair) {
      res.status(202).json({ accepted: 0, duplicates: 0, pending: true });
      return;
    }
    const items = joinEvents(pair.request, pair.response, model, service);
    const result = await acceptPredictions(engine, config, items);
    joiner.markJoined(key);
    res.status(202).json(result);
  });
  return router;
}

/** Binary mode: `ce-*` headers and the raw body; structured mode: both from the JSON envelope. */
function eventParts(req: Request): { header: (name: string) => string | undefined; text: string } {
  const text = typeof req.body === 'string' ? req.body : '';
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/cloudevents+json') return { header: (name) => req.get(name), text };
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (err) {
    throw new IngestError(400, `invalid JSON: ${(err as Error).message}`, null, null, 'invalid_json');
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope))
    throw new IngestError(400, 'expected a structured CloudEvent object', null, null, 'invalid_field');
  const attrs = envelope as Record<string, unknown>;
  return {
    header: (name) => {
      const value = attrs[name.replace(/^ce-/, '')];
      return typeof value === 'string' ? value : undefined;
    },
    text: attrs.data === undefined ? '' : JSON.stringify(attrs.data),
  };
}
