/**
 * A request body streamed to a temporary file (reference uploads): the data set is never held in the
 * JavaScript heap; DuckDB reads the file (reference/read.ts). Over `limit` bytes → 413, and the partial
 * file is removed.
 */

import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import { IngestError } from '../ingest/errors';
import type { InputFormat } from '../reference/read';

export interface Upload {
  path: string;
  bytes: number;
  remove(): void;
}

export async function receiveToFile(req: Request, limit: number, format: InputFormat): Promise<Upload> {
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    throw new IngestError(
      415,
      `unsupported content encoding "${encoding}"`,
      null,
      null,
      'unsupported_media_type',
    );
  }
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new IngestError(413, 'request body exceeds the limit', null, null, 'too_large');
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-upload-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, `upload.${format}`);
  let bytes = 0;
  const file = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    file.on('close', resolve);
    file.on('error', reject);
  });
  try {
    // Past the limit the rest is read and dropped, so the client still receives the 413.
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limit) continue;
      if (!file.write(chunk)) await once(file, 'drain');
    }
    file.end();
    await closed;
  } catch (err) {
    file.destroy();
    remove();
    throw new IngestError(
      400,
      `reading the request body failed: ${(err as Error).message}`,
      null,
      null,
      'invalid_field',
    );
  }
  if (bytes > limit) {
    remove();
    throw new IngestError(413, 'request body exceeds the limit', null, null, 'too_large');
  }
  if (bytes === 0) {
    remove();
    throw new IngestError(400, 'request body is empty', null, null, 'invalid_field');
  }
  return { path, bytes, remove };
}
