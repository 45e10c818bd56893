/**
 * Request bodies are read only when their content type says what they are (docs/api.md): a cross-site
 * form or `text/plain` POST — which a web page may send without a CORS preflight — gets 415 and is
 * never parsed. A small middleware per route, so a route whose body is described otherwise (the
 * CloudEvents sink: `Ce-*` headers) simply does not use it.
 */
import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { IngestError } from '../ingest/errors';

export const JSON_TYPE = 'application/json';
export const NDJSON_TYPE = 'application/x-ndjson';
export const CSV_TYPE = 'text/csv';
export const PARQUET_TYPE = 'application/vnd.apache.parquet';

/** The media type of a Content-Type header, lower case, without parameters ('' when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether the request announces a body (a length above 0 or a chunked transfer). */
function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/**
 * 415 unless the body's content type is one of `allowed` (its charset, when given, must be UTF-8).
 * `optional`: a request without a body passes (POST …/retrain without a reason).
 */
export function requireContentType(allowed: readonly string[], optional = false): RequestHandler {
  const types = new Set(allowed);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (optional && !hasBody(req)) {
      next();
      return;
    }
    const header = req.get('content-type');
    if (!types.has(mediaType(header))) {
      throw new IngestError(
        415,
        `expected a body of type ${allowed.join(', ')}`,
        null,
        'content-type',
        'unsupported_media_type',
      );
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new IngestError(415, 'expected UTF-8', null, 'content-type', 'unsupported_media_type');
    }
    next();
  };
}

/** Reads the body as bytes up to `limit` (413 beyond); `bodyText` then decodes it. */
export function rawBody(limit: number | string): RequestHandler {
  return express.raw({ type: () => true, limit });
}

/**
 * The body as text. Invalid UTF-8 is a 400, not a silent U+FFFD (which would make a new model or
 * feature name out of the bytes); a leading byte-order mark is dropped.
 */
export function bodyText(req: Request): string {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body)) return '';
  if (!isUtf8(body)) throw new IngestError(400, 'the body is not valid UTF-8', null, null, 'invalid_json');
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
