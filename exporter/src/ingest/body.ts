import { IngestError } from './errors';

/** Where each NDJSON item's line is in the body: item i is `body.slice(start[i], end[i])`. */
export interface LineSpans {
  start: number[];
  end: number[];
}

/** An NDJSON body with its items' lines (see PredictionRecord.featuresJson). */
export interface IngestSource {
  text: string;
  lines: LineSpans;
}

/**
 * Splits a request body into items: a JSON array, a single JSON object, or NDJSON (one object per
 * line; blank lines ignored). NDJSON errors carry the line's item index. With `lines`, an NDJSON body
 * also records each item's line there (the log writer slices the stored JSON out of it instead of
 * re-serialising); a JSON body leaves it empty.
 */
export function parseItems(
  body: string,
  contentType: string | undefined,
  maxItems: number,
  lines?: LineSpans,
): unknown[] {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const ndjson =
    type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl';
  const trimmed = body.trimStart();
  if (trimmed.length === 0) throw new IngestError(400, 'request body is empty', null, null, 'invalid_json');
  let items: unknown[];
  if (!ndjson || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      if (ndjson) return parseNdjson(body, maxItems, lines);
      // A JSON content type with several lines of objects is NDJSON sent with the wrong header.
      if (trimmed.startsWith('{') && body.includes('\n')) return parseNdjson(body, maxItems, lines);
      throw new IngestError(400, `invalid JSON: ${(err as Error).message}`, null, null, 'invalid_json');
    }
    items = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    items = parseNdjson(body, maxItems, lines);
  }
  if (items.length > maxItems) {
    throw new IngestError(
      413,
      `batch has ${items.length} items, the limit is ${maxItems}`,
      null,
      null,
      'too_large',
    );
  }
  if (items.length === 0) throw new IngestError(400, 'batch is empty', null, null, 'invalid_json');
  return items;
}

/**
 * `parseItems` for a large NDJSON body, handing the event loop back (`pause`) every `chunk` lines so that
 * a scrape never waits for a whole batch to be parsed (issue 14: /metrics p99 under full-rate ingest).
 * Other bodies are parsed at once, as by `parseItems`.
 */
export async function parseItemsPausing(
  body: string,
  contentType: string | undefined,
  maxItems: number,
  lines: LineSpans,
  pause: () => Promise<void>,
  chunk = 250,
): Promise<unknown[]> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-ndjson' || body.trimStart().startsWith('[') || body.length < 64 * 1024)
    return parseItems(body, contentType, maxItems, lines);
  const items: unknown[] = [];
  for (let at = 0; at < body.length; ) {
    at = parseNdjsonLines(body, at, items, maxItems, items.length + chunk, lines);
    if (at < body.length) await pause();
  }
  if (items.length === 0) throw new IngestError(400, 'batch is empty', null, null, 'invalid_json');
  return items;
}

function parseNdjson(body: string, maxItems: number, lines?: LineSpans): unknown[] {
  const items: unknown[] = [];
  parseNdjsonLines(body, 0, items, maxItems, Number.POSITIVE_INFINITY, lines);
  return items;
}

/** Parses lines from `from` into `items` until it holds `until` items or the body ends; returns where it stopped. */
function parseNdjsonLines(
  body: string,
  from: number,
  items: unknown[],
  maxItems: number,
  until: number,
  lines?: LineSpans,
): number {
  let start = from;
  while (start < body.length && items.length < until) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    const raw = body.slice(start, end);
    const line = raw.trim();
    const at = line.length === raw.length ? start : start + raw.length - raw.trimStart().length;
    start = end + 1;
    if (line.length === 0) continue;
    if (items.length >= maxItems) {
      throw new IngestError(413, `batch has more than ${maxItems} items`, null, null, 'too_large');
    }
    try {
      items.push(JSON.parse(line));
    } catch (err) {
      throw new IngestError(
        400,
        `invalid JSON on this line: ${(err as Error).message}`,
        items.length,
        null,
        'invalid_json',
      );
    }
    lines?.start.push(at);
    lines?.end.push(at + line.length);
  }
  return start;
}
