/**
 * Reads CSV/TSV, Parquet and NDJSON files into typed columns (docs/compare.md, "Speed and memory"): a plain
 * numeric CSV in JavaScript (numeric-csv.ts), everything else through DuckDB. Numeric columns go
 * straight into Float64Arrays (on SharedArrayBuffers, so worker threads read them without a copy),
 * categorical ones as dictionary codes (a DuckDB ENUM per column), never one JavaScript value per cell.
 *
 * The type rule is ours, not DuckDB's sniffing: text cells (every CSV cell, NDJSON strings, Parquet
 * VARCHAR) are trimmed; empty, `NA`, `NaN` and `null` are missing; a column is numeric when every other
 * value is plain decimal notation (`[+-]digits[.digits][e±digits]`, the same pattern as
 * stats/profile.ts parseFiniteNumber: no hex, no `inf`, no thousands separators, no dates) and finite.
 * Typed sources keep their type: Parquet/NDJSON numbers are numeric (NaN and ±inf missing), booleans are
 * the categories `true`/`false`, other types (dates, …) are categories of their text.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import { MISSING_TOKENS } from '../stats/profile';
import { collectYoungGarbage } from '../thread/gc';
import { type NumericCsvRequest, readNumericCsv } from './numeric-csv';
import { readNumericParquet } from './numeric-parquet';
import { type CategoricalColumn, type Column, InputError, nonFiniteToNaN, type Table } from './table';

export type InputFormat = 'csv' | 'tsv' | 'parquet' | 'ndjson';

export const FORMAT_NAMES: Record<InputFormat, string> = {
  csv: 'CSV',
  tsv: 'TSV',
  parquet: 'Parquet',
  ndjson: 'NDJSON',
};

/** Format by file extension: .parquet/.pq, .ndjson/.jsonl/.json, .tsv/.tab; anything else is CSV. */
export function formatFromPath(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  return 'csv';
}

/** Content types of a data set upload, each with its format (docs/api.md). */
const CONTENT_TYPES: Record<string, InputFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
  'application/parquet': 'parquet',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
};

export const UPLOAD_CONTENT_TYPES: readonly string[] = Object.keys(CONTENT_TYPES);

/** Format by content type (docs/api.md), or null when the type names none of them. */
export function formatFromContentType(contentType: string | undefined): InputFormat | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, type) ? CONTENT_TYPES[type]! : null;
}

/**
 * Phases of a read, for a progress line. `done`/`total` are rows when known (bytes for a plain numeric CSV
 * read on this thread).
 */
export type ReadProgress = (phase: 'parsing' | 'typing' | 'loading', done: number, total: number) => void;

export interface ReadOptions {
  /** Default: by extension (formatFromPath). */
  format?: InputFormat;
  onProgress?: ReadProgress;
  /**
   * Reads a plain numeric CSV (numeric-csv.ts), or gives null; default: readNumericCsv on this thread.
   * A server passes one that runs on another thread, so its event loop stays free.
   */
  numericCsv?: (request: NumericCsvRequest) => Promise<Table | null>;
  /** Reads a plain numeric Parquet file (numeric-parquet.ts), or gives null; default: readNumericParquet here. */
  numericParquet?: (path: string) => Promise<Table | null>;
}

// ---------------------------------------------------------------------------------------------------
// DuckDB instance (one per thread, created on first use)

let instance: Promise<DuckDBInstance> | null = null;

async function connect(): Promise<DuckDBConnection> {
  instance ??= (async () => {
    // Loaded on first use; the build bundles it into a chunk of its own (scripts/build.mjs). Its
    // CommonJS exports object is the default export, both there and under Node's own import().
    const { DuckDBInstance } = (await import('@duckdb/node-api')).default;
    // No extension is ever downloaded (the built-in parquet and json ones are linked in).
    return DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  })();
  return (await instance).connect();
}

/**
 * Closes this thread's DuckDB instance, if one is open, and with it returns the memory DuckDB keeps for
 * reuse (its allocator holds on to freed pages; ~30 MiB after the compare benchmark's two files). For a
 * one-shot reader such as `compare`, once its files are read. A later read opens a new instance.
 */
export async function closeReader(): Promise<void> {
  const open = instance;
  instance = null;
  if (open !== null) (await open).closeSync();
}

/** Chunks between two young-generation collections while a result streams (chunksOf). */
const CHUNKS_PER_COLLECTION = 8;

/**
 * The chunks of a streamed result, in order, up to its end. Each chunk's values live in DuckDB's memory
 * until V8 collects the chunk's JS object, and V8 does not know their size: left alone, a whole file's
 * chunks pile up before the first collection (64 MiB for the two files of the compare benchmark). So a
 * young-generation collection runs every CHUNKS_PER_COLLECTION chunks, after the copies out of them
 * (docs/benchmarks.md).
 */
async function* chunksOf(result: DuckDBResult): AsyncGenerator<DuckDBDataChunk> {
  for (let i = 1; ; i++) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    yield chunk;
    if (i % CHUNKS_PER_COLLECTION === 0) collectYoungGarbage();
  }
}

let serial = 0;

/** SQL string literal. */
function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** SQL identifier. */
function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

// Characters String.prototype.trim() removes (so "blank" means what it meant for csv-parse + trim()).
const WHITESPACE_CODES = [
  0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
];
const WHITESPACE_SQL = lit(String.fromCharCode(...WHITESPACE_CODES));
const TRIM = (x: string) => `trim(${x}, ${WHITESPACE_SQL})`;
/** parseFiniteNumber's pattern (stats/profile.ts). */
const DECIMAL = '[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?';
/** The cells that count as missing (stats/profile.ts), as an SQL list and as read_csv's `nullstr`. */
const MISSING_SQL = `(${MISSING_TOKENS.map(lit).join(', ')})`;
const NULLSTR = `nullstr = [${MISSING_TOKENS.map(lit).join(', ')}]`;

// ---------------------------------------------------------------------------------------------------
// File checks

const GLOB = /[*?[\]{}]/;

/** A path DuckDB reads literally: glob characters go through a symlink with a plain name. */
function plainPath(path: string): { path: string; cleanup: () => void } {
  const abs = resolve(path);
  if (!GLOB.test(abs)) return { path: abs, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-read-'));
  const link = join(dir, `input${extname(abs).replace(GLOB, '')}`);
  symlinkSync(abs, link);
  return { path: link, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function head(path: string, bytes: number): { start: Buffer; end: Buffer; size: number } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const start = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, start, 0, start.length, 0);
    const end = Buffer.alloc(Math.min(4, size));
    readSync(fd, end, 0, end.length, Math.max(0, size - 4));
    return { start, end, size };
  } finally {
    closeSync(fd);
  }
}

/** Refuses a file whose first bytes say it is not the format its name (or content type) says. */
function checkContent(path: string, format: InputFormat): { empty: boolean } {
  const { start, end, size } = head(path, 4096);
  const name = FORMAT_NAMES[format];
  const isParquet = start.subarray(0, 4).toString('latin1') === 'PAR1';
  if (format === 'parquet') {
    if (!isParquet || end.toString('latin1') !== 'PAR1')
      throw new InputError(
        'is not a Parquet file (no PAR1 magic bytes); name it by its format (.csv, .tsv, .ndjson)',
      );
    return { empty: false };
  }
  if (isParquet) throw new InputError(`is a Parquet file, not ${name}; name it .parquet`);
  if (start.includes(0)) throw new InputError(`is not ${name}: it holds binary data (NUL bytes)`);
  let text = start.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = text.trimStart();
  if (size === 0 || trimmed === '') {
    if (format === 'ndjson') return { empty: true };
    throw new InputError(`${name} input is empty: expected a header row`);
  }
  if (format === 'ndjson' && !trimmed.startsWith('{'))
    throw new InputError('is not NDJSON: expected one JSON object per line');
  return { empty: false };
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** How one output column is computed from the relation `src`. */
interface ColumnPlan {
  name: string;
  /** SQL over `src`. */
  expr: string;
  /** text: VARCHAR cells under the text rule; number: numeric source; other: categories of `expr`. */
  kind: 'text' | 'number' | 'other';
}

const NUMERIC_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'FLOAT',
  'DOUBLE',
]);

/** A DuckDB column type read as a number. */
function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.has(type) || type.startsWith('DECIMAL');
}

function planFor(name: string, expr: string, type: string): ColumnPlan {
  if (type === 'VARCHAR') return { name, expr, kind: 'text' };
  if (isNumericType(type)) return { name, expr, kind: 'number' };
  return { name, expr: `CAST(${expr} AS VARCHAR)`, kind: 'other' };
}

/** A DuckDB error as our message: `(line N): what` for CSV errors, else its first line. */
function duckMessage(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(msg);
  if (line !== undefined && columns)
    return ` (line ${line}): expected ${columns[1]} fields, found ${columns[2]}`;
  if (line !== undefined && /unterminated quote/i.test(msg))
    return ` (line ${line}): a quoted field is not closed`;
  if (line !== undefined)
    return ` (line ${line}): ${msg.split('\n').find((l) => /error|invalid|found/i.test(l)) ?? 'unreadable row'}`;
  return `: ${msg.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '')}`;
}

/**
 * Reads a file into a typed table. Bad input (missing file, wrong format, malformed content, duplicate
 * or empty header names) throws InputError with a message naming the problem.
 */
export async function readTableFile(path: string, options: ReadOptions = {}): Promise<Table> {
  const format = options.format ?? formatFromPath(path);
  const { empty } = checkContent(path, format);
  if (empty) return { names: [], columns: new Map(), rows: 0 };
  let header: CsvHeader | null = null;
  if (format === 'csv' || format === 'tsv') {
    // The plain numeric CSV first, without DuckDB (docs/compare.md); anything else comes back null.
    header = csvHeader(path, format);
    options.onProgress?.('parsing', 0, 0);
    const request = {
      path,
      delimiter: format === 'tsv' ? '\t' : ',',
      names: header.names,
      dataStart: header.dataStart,
    } as const;
    const here = async (r: NumericCsvRequest) =>
      readNumericCsv(r, (read, bytes) => options.onProgress?.('loading', read, bytes));
    // A failure there (the file unreadable, a thread lost) leaves the file to DuckDB, which names it.
    const numeric = await (options.numericCsv ?? here)(request).catch(() => null);
    if (numeric !== null) return numeric;
  }
  if (format === 'parquet') {
    // Plain numeric Parquet without DuckDB (docs/compare.md); anything else comes back null.
    const here = async (p: string) => readNumericParquet(p);
    const numeric = await (options.numericParquet ?? here)(path).catch(() => null);
    if (numeric !== null) return numeric;
  }
  const plain = plainPath(path);
  const conn = await connect();
  const id = ++serial;
  const cleanup: string[] = [];
  try {
    return await readWith(conn, plain.path, format, header, id, cleanup, options.onProgress);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`malformed ${FORMAT_NAMES[format]}${duckMessage(err)}`);
  } finally {
    for (const sql of cleanup.reverse()) await conn.run(sql).catch(() => {});
    conn.closeSync();
    plain.cleanup();
  }
}

async function readWith(
  conn: DuckDBConnection,
  path: string,
  format: InputFormat,
  csv: CsvHeader | null,
  id: number,
  cleanup: string[],
  onProgress: ReadProgress | undefined,
): Promise<Table> {
  const src = `mw_src_${id}`;
  let plans: ColumnPlan[];
  let trimCategories = true;
  onProgress?.('parsing', 0, 0);
  if (csv !== null) {
    const underscore = hasUnderscore(path, csv.dataStart);
    underscore.catch(() => {}); // awaited in csvPlans; a read error here is DuckDB's to report
    plans = await csvPlans(conn, path, format, csv, underscore, src, id, cleanup);
  } else if (format === 'parquet') {
    const source = `read_parquet(${lit(path)})`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
      .getRowObjectsJS()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    if (described.length > 0 && described.every((c) => isNumericType(c.type))) {
      const direct = await parquetAllNumbers(
        conn,
        source,
        described.map((c) => c.name),
        onProgress,
      );
      if (direct !== null) return direct;
    }
    await conn.run(`CREATE TEMP VIEW ${src} AS SELECT * FROM ${source}`);
    cleanup.push(`DROP VIEW IF EXISTS ${src}`);
    plans = described.map((c) => planFor(c.name, ident(c.name), c.type));
  } else {
    plans = await ndjsonPlans(conn, path, src, cleanup);
    trimCategories = false;
  }
  const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRowsJS()[0]![0]);

  // Type pass: which text columns are numeric (one aggregate over all of them).
  onProgress?.('typing', 0, rows);
  const textPlans = plans.filter((p) => p.kind === 'text');
  const numericText = new Set<string>();
  if (textPlans.length > 0) {
    const checks = textPlans.map((p) => {
      // Plain decimals (nearly every cell of a numeric column) skip the trim.
      const t = TRIM(p.expr);
      return `bool_and(CASE WHEN ${p.expr} IS NULL THEN true WHEN regexp_full_match(${p.expr}, ${lit(DECIMAL)}) THEN isfinite(TRY_CAST(${p.expr} AS DOUBLE)) ELSE ${t} IN ${MISSING_SQL} OR (regexp_full_match(${t}, ${lit(DECIMAL)}) AND isfinite(TRY_CAST(${t} AS DOUBLE))) END)`;
    });
    const row = (await conn.runAndReadAll(`SELECT ${checks.join(', ')} FROM ${src}`)).getRowsJS()[0]!;
    textPlans.forEach((p, i) => {
      // An all-missing column (bool_and over no failing row) counts as numeric, as in stats/profile.ts.
      if (row[i] !== false) numericText.add(p.name);
    });
  }

  // One SQL expression per output column: DOUBLE (NaN = missing) or an ENUM code.
  const selects: string[] = [];
  const kinds: ('numeric' | 'categorical')[] = [];
  const sentinels: number[] = [];
  const categoriesOf: string[][] = [];
  for (const [k, p] of plans.entries()) {
    if (p.kind === 'number' || (p.kind === 'text' && numericText.has(p.name))) {
      if (p.kind === 'number') {
        const v = `CAST(${p.expr} AS DOUBLE)`;
        selects.push(`CASE WHEN isfinite(${v}) THEN ${v} ELSE 'NaN'::DOUBLE END`);
      } else {
        // Every present value passed the type pass (finite); missing tokens cast to NULL (or NaN).
        const text = `CASE WHEN regexp_full_match(${p.expr}, ${lit(DECIMAL)}) THEN ${p.expr} ELSE ${TRIM(p.expr)} END`;
        selects.push(`coalesce(TRY_CAST(${text} AS DOUBLE), 'NaN'::DOUBLE)`);
      }
      kinds.push('numeric');
      sentinels.push(-1);
      categoriesOf.push([]);
      continue;
    }
    // Categories: the (trimmed, for CSV) text; missing tokens are missing.
    const text =
      p.kind === 'text'
        ? `CASE WHEN ${TRIM(p.expr)} IN ${MISSING_SQL} THEN NULL ELSE ${trimCategories ? TRIM(p.expr) : p.expr} END`
        : p.expr;
    const type = `mw_enum_${id}_${k}`;
    const distinct = (
      await conn.runAndReadAll(`SELECT DISTINCT v FROM (SELECT ${text} AS v FROM ${src}) WHERE v IS NOT NULL`)
    )
      .getRowsJS()
      .map((r) => String(r[0]));
    // A value that is none of the categories stands for "missing" inside the ENUM.
    let sentinel = '(missing)';
    const set = new Set(distinct);
    while (set.has(sentinel)) sentinel = `(${sentinel})`;
    await conn.run(`CREATE TYPE ${type} AS ENUM (${[...distinct, sentinel].map(lit).join(', ')})`);
    cleanup.push(`DROP TYPE IF EXISTS ${type}`);
    selects.push(`CAST(coalesce(${text}, ${lit(sentinel)}) AS ${type})`);
    kinds.push('categorical');
    sentinels.push(distinct.length);
    categoriesOf.push(distinct);
  }

  const columns: Column[] = kinds.map((kind, k) =>
    kind === 'numeric'
      ? { type: 'numeric', values: new Float64Array(new SharedArrayBuffer(rows * 8)) }
      : {
          type: 'categorical',
          codes: new Int32Array(new SharedArrayBuffer(rows * 4)),
          categories: categoriesOf[k]!,
        },
  );
  if (plans.length > 0 && rows > 0) {
    onProgress?.('loading', 0, rows);
    const result = await conn.stream(`SELECT ${selects.join(', ')} FROM ${src}`);
    let offset = 0;
    for await (const chunk of chunksOf(result)) {
      const n = chunk.rowCount;
      for (let k = 0; k < columns.length; k++) {
        const vector = chunk.getColumnVector(k) as unknown as {
          items: ArrayLike<number> & { subarray?: unknown };
        };
        const col = columns[k]!;
        if (col.type === 'numeric') col.values.set(vector.items as Float64Array, offset);
        else copyCodes(vector.items, col, sentinels[k]!, offset, n);
      }
      offset += n;
      onProgress?.('loading', offset, rows);
    }
    if (offset !== rows) {
      // A streamed result ends quietly at an error: run it again materialized to get the message.
      await conn.run(`SELECT count(*) FROM (SELECT ${selects.join(', ')} FROM ${src})`);
      throw new Error(`read ${offset} of ${rows} rows`);
    }
  }
  const table: Table = { names: plans.map((p) => p.name), columns: new Map(), rows };
  for (const [k, p] of plans.entries()) table.columns.set(p.name, columns[k]!);
  return table;
}

/** DuckDB's longest CSV line (its default), and the size of the blocks it reads: the smallest allowed. */
const CSV_BLOCK = 2 * 1024 * 1024;

/**
 * CSV options shared by every read: RFC 4180 quoting, no comment lines, the given delimiter, and 2 MiB
 * blocks instead of DuckDB's 32 MiB (the two 30 MB files of the compare benchmark, read at once: median
 * ~110 ms instead of ~135 ms over 12 alternating runs, docs/benchmarks.md).
 */
function csvOptions(format: InputFormat): string {
  return `delim = ${lit(format === 'tsv' ? '\t' : ',')}, quote = '"', escape = '"', comment = '', skip = 0, max_line_size = ${CSV_BLOCK}, buffer_size = ${CSV_BLOCK}`;
}

/** The header row: its names and the byte offset where the data rows start. */
interface CsvHeader {
  names: string[];
  dataStart: number;
}

/**
 * The header row: the first record of the file (RFC 4180 quoting, a leading BOM dropped), names trimmed;
 * empty and duplicate names are errors.
 */
function csvHeader(path: string, format: InputFormat): CsvHeader {
  const delim = format === 'tsv' ? '\t' : ',';
  let text = head(path, 1 << 20).start.toString('utf8');
  let bom = 0;
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    bom = 3;
  }
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delim) {
      fields.push(field);
      field = '';
    } else if (ch === '\n') break;
    else if (ch !== '\r' || text[i + 1] !== '\n') field += ch;
  }
  if (quoted)
    throw new InputError(`malformed ${FORMAT_NAMES[format]} (line 1): a quoted field is not closed`);
  fields.push(field);
  const header = fields.map((h) => h.trim());
  if (header.length === 1 && header[0] === '')
    throw new InputError(`${FORMAT_NAMES[format]} input is empty: expected a header row`);
  const seen = new Set<string>();
  for (const [k, h] of header.entries()) {
    if (h === '') throw new InputError(`${FORMAT_NAMES[format]} header: column ${k + 1} has no name`);
    if (seen.has(h)) throw new InputError(`${FORMAT_NAMES[format]} header: duplicate column "${h}"`);
    seen.add(h);
  }
  return { names: header, dataStart: bom + Buffer.byteLength(text.slice(0, i + 1)) };
}

/** The typed read_csv DuckDB sniffs (DOUBLE where every sampled value is a plain number, else text). */
function typedCsv(path: string, format: InputFormat, header: readonly string[]): string {
  return (
    `read_csv(${lit(path)}, header = true, names = [${header.map(lit).join(', ')}], ` +
    `auto_type_candidates = ['DOUBLE', 'VARCHAR'], ${NULLSTR}, ${csvOptions(format)})`
  );
}

/** read_csv with every column (named by the header) as text, no sniffing. */
function csvText(path: string, format: InputFormat, header: readonly string[]): string {
  return (
    `read_csv(${lit(path)}, header = true, auto_detect = false, ` +
    `columns = {${header.map((h) => `${lit(h)}: 'VARCHAR'`).join(', ')}}, ${csvOptions(format)})`
  );
}

/**
 * Whether the data rows (from byte `from`) hold an underscore, read in 1 MiB blocks beside DuckDB's own
 * read: DuckDB's DOUBLE accepts `1_000` as 1000, which docs/compare.md does not (no digit separators),
 * so a file with one is checked column by column (csvPlans).
 */
async function hasUnderscore(path: string, from: number): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const block = Buffer.allocUnsafe(1 << 20);
    for (let at = from; ; ) {
      const { bytesRead } = await file.read(block, 0, block.length, at);
      if (bytesRead === 0) return false;
      if (block.subarray(0, bytesRead).includes(0x5f)) return true;
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** The C API node-api wraps (@duckdb/node-bindings, pinned to node-api's own version in package.json). */
type Bindings = typeof import('@duckdb/node-bindings');

/**
 * Copies column `k` of a chunk of DOUBLEs into `out` at `at`, NULL, NaN and ±inf as NaN (missing in a typed
 * source): straight from the vector's memory through the C API, without node-api's vector objects
 * (~20 ms less on the two 100k × 20 files of the compare benchmark). The loops are functions of their own
 * (V8 compiles each once; docs/benchmarks.md).
 */
function copyDoubles(
  bindings: Bindings,
  chunk: DuckDBDataChunk,
  k: number,
  n: number,
  out: Float64Array,
  at: number,
): void {
  const vector = bindings.data_chunk_get_vector(chunk.chunk, k);
  const data = bindings.vector_get_data(vector, n * 8);
  out.set(new Float64Array(data.buffer, data.byteOffset, n), at);
  nonFiniteToNaN(out, at, n);
  // Null when no value of the vector is NULL.
  const bits = bindings.vector_get_validity(vector, Math.ceil(n / 64) * 8) as Uint8Array | null;
  if (bits) nullsToNaN(out, at, n, new Uint32Array(bits.buffer, bits.byteOffset, Math.ceil(n / 32)));
}

/** NaN where the validity bit is clear (NULL). */
function nullsToNaN(out: Float64Array, at: number, n: number, valid: Uint32Array): void {
  for (let w = 0; w < valid.length; w++) {
    const word = valid[w]!;
    if (word === 0xffffffff) continue;
    for (let b = 0; b < 32 && 32 * w + b < n; b++) if (!((word >>> b) & 1)) out[at + 32 * w + b] = Number.NaN;
  }
}

/**
 * A Parquet file whose columns (`names`) are all numeric, with no view, no per-cell SQL and no copy in
 * DuckDB: each column cast to DOUBLE and streamed into the Float64Arrays (NaN, ±inf and NULL are
 * missing). The row count comes from the file's metadata; a stream that ends short of it (DuckDB ends a
 * streamed result quietly at an error) gives null, and the general path reads the file and reports the
 * error.
 */
async function parquetAllNumbers(
  conn: DuckDBConnection,
  source: string,
  names: string[],
  onProgress: ReadProgress | undefined,
): Promise<Table | null> {
  const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRowsJS()[0]![0]);
  const columns = names.map(() => new Float64Array(new SharedArrayBuffer(rows * 8)));
  onProgress?.('loading', 0, rows);
  const result = await conn.stream(
    `SELECT ${names.map((n) => `CAST(${ident(n)} AS DOUBLE)`).join(', ')} FROM ${source}`,
  );
  let at = 0;
  // A CommonJS module: its exports object is the default export under Node's import() and the bundle's.
  const loaded = await import('@duckdb/node-bindings');
  const bindings = ((loaded as { default?: Bindings }).default ?? loaded) as Bindings;
  for await (const chunk of chunksOf(result)) {
    const n = chunk.rowCount;
    if (at + n > rows) return null;
    for (let k = 0; k < names.length; k++) copyDoubles(bindings, chunk, k, n, columns[k]!, at);
    at += n;
    onProgress?.('loading', at, rows);
  }
  if (at !== rows) return null;
  const table: Table = { names, columns: new Map(), rows };
  for (const [k, name] of names.entries()) table.columns.set(name, { type: 'numeric', values: columns[k]! });
  return table;
}

/**
 * CSV/TSV into a temp table. First attempt: DuckDB parses columns it finds to be plain numbers straight
 * to DOUBLE (the fast path) and leaves the rest as text. DuckDB's DOUBLE accepts two things our rule
 * rejects: spellings of non-finite values (inf, nan, 1e400), which show up as non-finite doubles, and
 * underscores between digits (1_000), looked for in the text of the DOUBLE columns when the file holds
 * an underscore at all. Then, or when a value after DuckDB's sample does not fit its guess, the file is
 * read again with every column as text, where our rule decides alone.
 */
async function csvPlans(
  conn: DuckDBConnection,
  path: string,
  format: InputFormat,
  header: CsvHeader,
  underscore: Promise<boolean>,
  src: string,
  id: number,
  cleanup: string[],
): Promise<ColumnPlan[]> {
  const names = header.names;
  const raw = `mw_raw_${id}`;
  cleanup.push(`DROP TABLE IF EXISTS ${raw}`);
  let typed = true;
  try {
    await conn.run(`CREATE TEMP TABLE ${raw} AS SELECT * FROM ${typedCsv(path, format, names)}`);
  } catch {
    // A value past DuckDB's sample that does not fit its guess, or a file its sniffer cannot place
    // (ragged rows, an unclosed quote): the text read below either succeeds or names the line.
    typed = false;
  }
  let described = typed ? (await conn.runAndReadAll(`DESCRIBE ${raw}`)).getRowObjectsJS() : [];
  if (typed) {
    const doubles = described.flatMap((r, i) => (r.column_type === 'DOUBLE' ? [i] : []));
    if (doubles.length > 0) {
      // One count per column (a sum of thousands of them would pass DuckDB's expression depth limit).
      const bad = (
        await conn.runAndReadAll(
          `SELECT ${doubles.map((i) => `count(*) FILTER (WHERE NOT isfinite(${ident(String(described[i]!.column_name))}))`).join(', ')} FROM ${raw}`,
        )
      ).getRowsJS()[0]!;
      if (bad.some((n) => Number(n) > 0)) typed = false;
    }
    if (typed && doubles.length > 0 && (await underscore)) {
      const spelled = (
        await conn.runAndReadAll(
          `SELECT ${doubles.map((i) => `count(*) FILTER (WHERE contains(${ident(names[i]!)}, '_'))`).join(', ')} FROM ${csvText(path, format, names)}`,
        )
      ).getRowsJS()[0]!;
      if (spelled.some((n) => Number(n) > 0)) typed = false;
    }
  }
  if (!typed) {
    await conn.run(`DROP TABLE IF EXISTS ${raw}`);
    await conn.run(`CREATE TEMP TABLE ${raw} AS SELECT * FROM ${csvText(path, format, names)}`);
    described = (await conn.runAndReadAll(`DESCRIBE ${raw}`)).getRowObjectsJS();
  }
  await conn.run(`CREATE TEMP VIEW ${src} AS SELECT * FROM ${raw}`);
  cleanup.push(`DROP VIEW IF EXISTS ${src}`);
  return described.map((r, i) => ({
    name: names[i]!,
    expr: ident(String(r.column_name)),
    kind: r.column_type === 'DOUBLE' ? ('number' as const) : ('text' as const),
  }));
}

function copyCodes(
  items: ArrayLike<number>,
  col: CategoricalColumn,
  sentinel: number,
  offset: number,
  n: number,
): void {
  const codes = col.codes;
  for (let i = 0; i < n; i++) {
    const c = items[i]!;
    codes[offset + i] = c === sentinel ? -1 : c;
  }
}

/**
 * NDJSON: one JSON object per line (blank lines ignored); nested `features`/`attributes` objects are
 * flattened into columns. Every value becomes text (strings as they are, numbers in their JSON
 * spelling, booleans `true`/`false`, non-finite numbers missing) and then follows the text rule.
 */
async function ndjsonPlans(
  conn: DuckDBConnection,
  path: string,
  src: string,
  cleanup: string[],
): Promise<ColumnPlan[]> {
  const raw = `${src}_json`;
  await conn.run(`CREATE TEMP TABLE ${raw} AS SELECT json AS j FROM read_ndjson_objects(${lit(path)})`);
  cleanup.push(`DROP TABLE IF EXISTS ${raw}`);
  const bad = (
    await conn.runAndReadAll(`SELECT min(rowid) FROM ${raw} WHERE json_type(j) IS DISTINCT FROM 'OBJECT'`)
  ).getRowsJS()[0]![0];
  if (bad !== null && bad !== undefined)
    throw new InputError(`malformed NDJSON (record ${Number(bad) + 1}): expected an object`);
  const pointer = (k: string) => `'/' || replace(replace(${k}, '~', '~0'), '/', '~1')`;
  const keys = `flatten(list_transform(json_keys(j), k -> CASE WHEN k IN ('features', 'attributes') AND json_type(j -> (${pointer('k')})) = 'OBJECT' THEN json_keys(j -> (${pointer('k')})) ELSE [k] END))`;
  const names = (
    await conn.runAndReadAll(
      `SELECT name FROM (SELECT rowid AS r, unnest(ks) AS name, generate_subscripts(ks, 1) AS p FROM (SELECT rowid, ${keys} AS ks FROM ${raw})) GROUP BY name ORDER BY min(r * 1048576 + p)`,
    )
  )
    .getRowsJS()
    .map((r) => String(r[0]));
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new InputError(`malformed NDJSON: duplicate field "${n}"`);
    seen.add(n);
  }
  const value = (name: string) => {
    const p = (path: string) => `j -> ${lit(path)}`;
    const key = `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    // features/attributes objects take precedence over a top-level field of the same name.
    return `coalesce(CASE WHEN json_type(${p('/features')}) = 'OBJECT' THEN ${p(`/features${key}`)} END, CASE WHEN json_type(${p('/attributes')}) = 'OBJECT' THEN ${p(`/attributes${key}`)} END, ${p(key)})`;
  };
  const exprs = names.map((n) => `v${names.indexOf(n)}`);
  const select = names
    .map((n, i) => {
      const v = `t.${exprs[i]}`;
      return `CASE json_type(${v}) WHEN 'VARCHAR' THEN ${v} ->> '$' WHEN 'BOOLEAN' THEN ${v} ->> '$' WHEN 'NULL' THEN NULL WHEN 'OBJECT' THEN error(${lit(`field "${n}" must be a number, string, boolean or null`)}) WHEN 'ARRAY' THEN error(${lit(`field "${n}" must be a number, string, boolean or null`)}) ELSE (CASE WHEN isfinite(TRY_CAST(${v} AS DOUBLE)) THEN ${v} ->> '$' END) END AS ${ident(`c${i}`)}`;
    })
    .join(', ');
  const inner = names.map((n, i) => `${value(n)} AS ${exprs[i]}`).join(', ');
  const table = `${src}_t`;
  if (names.length === 0) {
    await conn.run(`CREATE TEMP TABLE ${table} AS SELECT 1 AS one FROM ${raw}`);
  } else {
    await conn.run(`CREATE TEMP TABLE ${table} AS SELECT ${select} FROM (SELECT ${inner} FROM ${raw}) t`);
  }
  cleanup.push(`DROP TABLE IF EXISTS ${table}`);
  await conn.run(`CREATE TEMP VIEW ${src} AS SELECT * FROM ${table}`);
  cleanup.push(`DROP VIEW IF EXISTS ${src}`);
  return names.map((name, i) => ({ name, expr: ident(`c${i}`), kind: 'text' as const }));
}
