/**
 * Tabular input (reference uploads, `reference import`, `compare`): CSV with a header row or NDJSON,
 * read as a stream into columns. docs/compare.md: empty, `NA`, `NaN` and `null` cells are missing; a column is
 * numeric when every non-missing value is a finite number, otherwise categorical.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';

export type Cell = number | string | boolean | null;

/** Columns by name, all of length `rows`. */
export interface Table {
  names: string[];
  columns: Map<string, Cell[]>;
  rows: number;
}

/** Unreadable or malformed input: HTTP 400 / CLI exit 2 with this message. */
export class InputError extends Error {
  override name = 'InputError';
}

const MISSING = new Set(['', 'NA', 'NaN', 'null']);

export type Progress = (bytesRead: number) => void;

export function emptyTable(): Table {
  return { names: [], columns: new Map(), rows: 0 };
}

/** Reads CSV text from a stream; ragged rows and duplicate headers are errors naming the line/column. */
export async function readCsv(input: Readable, onProgress?: Progress): Promise<Table> {
  const table = emptyTable();
  let bytes = 0;
  if (onProgress) {
    input.on('data', (chunk: Buffer | string) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      onProgress(bytes);
    });
  }
  const parser = input.pipe(
    parseCsv({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: false }),
  );
  let header: string[] | null = null;
  let columns: Cell[][] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === null) {
        header = record.map((h) => h.trim());
        const seen = new Set<string>();
        for (const [i, h] of header.entries()) {
          if (h === '') throw new InputError(`CSV header: column ${i + 1} has no name`);
          if (seen.has(h)) throw new InputError(`CSV header: duplicate column "${h}"`);
          seen.add(h);
        }
        columns = header.map(() => []);
        continue;
      }
      for (let i = 0; i < record.length; i++) {
        const cell = record[i]!;
        columns[i]!.push(MISSING.has(cell) ? null : cell);
      }
      table.rows++;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as Error & { code?: string; lines?: number };
    const where = e.lines !== undefined ? ` (line ${e.lines})` : '';
    throw new InputError(`malformed CSV${where}: ${e.message}`);
  }
  if (header === null) throw new InputError('CSV input is empty: expected a header row');
  table.names = header;
  for (const [i, h] of header.entries()) table.columns.set(h, columns[i]!);
  return table;
}

/** Reads NDJSON (one JSON object per line); nested `features`/`attributes` objects are flattened. */
export async function readNdjson(input: Readable, onProgress?: Progress): Promise<Table> {
  const { createInterface } = await import('node:readline');
  const builder = new TableBuilder();
  let bytes = 0;
  let line = 0;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    line++;
    bytes += Buffer.byteLength(text) + 1;
    onProgress?.(bytes);
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError(`malformed NDJSON (line ${line}): ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError(`malformed NDJSON (line ${line}): expected an object`);
    }
    builder.add(flattenRecord(value as Record<string, unknown>, line));
  }
  return builder.table;
}

/**
 * A prediction-shaped record `{features: {...}, attributes: {...}, prediction, score, label}` becomes
 * one flat row; a flat record stays as it is. Nested values other than those two are errors.
 */
export function flattenRecord(record: Record<string, unknown>, line: number): Map<string, Cell> {
  const row = new Map<string, Cell>();
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (
      (key === 'features' || key === 'attributes') &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      for (const [k, v] of Object.entries(value)) row.set(k, cell(v, line, k));
    } else {
      row.set(key, cell(value, line, key));
    }
  }
  return row;
}

function cell(value: unknown, line: number, key: string): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return MISSING.has(value) ? null : value;
  if (typeof value === 'boolean') return value;
  throw new InputError(`line ${line}: field "${key}" must be a number, string, boolean or null`);
}

/**
 * Accumulates rows with possibly different keys into aligned columns (absent = missing), in time linear
 * in the cells written: a column catches up with nulls when it is next written, and every column is
 * padded once when the table is read (issue 14: one new key per line made it quadratic). `maxColumns`
 * stops a hostile input before it allocates a column per key (InputError).
 */
export class TableBuilder {
  private readonly building = emptyTable();

  constructor(private readonly maxColumns = Number.POSITIVE_INFINITY) {}

  add(row: Map<string, Cell>): void {
    const t = this.building;
    for (const [key, value] of row) {
      let col = t.columns.get(key);
      if (!col) {
        if (t.names.length >= this.maxColumns)
          throw new InputError(`more than ${this.maxColumns} columns (limits.max_features)`);
        col = [];
        t.columns.set(key, col);
        t.names.push(key);
      }
      while (col.length < t.rows) col.push(null);
      col.push(value);
    }
    t.rows++;
  }

  /** The table so far, every column padded to its rows. */
  get table(): Table {
    const t = this.building;
    for (const col of t.columns.values()) while (col.length < t.rows) col.push(null);
    return t;
  }
}

/**
 * Opens a file by extension (.ndjson/.jsonl/.json → NDJSON, anything else CSV); `onProgress`
 * receives bytes read and the file size.
 */
export async function readTableFile(
  path: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<Table> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const stream = createReadStream(path);
  const failed = new Promise<never>((_, reject) =>
    stream.on('error', (e) => reject(new InputError(`cannot read ${path}: ${e.message}`))),
  );
  const progress = onProgress ? (bytes: number) => onProgress(bytes, size) : undefined;
  const reading = /\.(ndjson|jsonl|json)$/i.test(path)
    ? readNdjson(stream, progress)
    : readCsv(stream, progress);
  return Promise.race([reading, failed]);
}

/** docs/compare.md type rule. */
export function isNumericColumn(values: readonly Cell[]): boolean {
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'number') {
      any = true;
      continue;
    }
    if (typeof v !== 'string') return false;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) return false;
    any = true;
  }
  return any;
}

/** Numeric values of a column (NaN for missing); call only when `isNumericColumn`. */
export function toNumbers(values: readonly Cell[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : typeof v === 'number' ? v : Number(v);
  }
  return out;
}

/** Category strings of a column (null for missing). */
export function toCategories(values: readonly Cell[]): (string | null)[] {
  return values.map((v) => (v === null ? null : String(v)));
}
