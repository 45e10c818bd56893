/**
 * Plain numeric Parquet, read without DuckDB (docs/compare.md, "Plain numeric Parquet"): a flat schema of
 * DOUBLE, FLOAT, INT32 and INT64 columns (signed integers only), required or optional, compressed with
 * Snappy or not at all, in PLAIN, byte-stream-split or dictionary-encoded pages (data pages v1 and v2).
 * That is how pandas,
 * pyarrow, Spark and DuckDB write numeric training data by default, and it needs neither DuckDB's library
 * nor its instance (~80 ms before the first byte is read) nor its 2,048-row chunks.
 *
 * Like the numeric CSV reader it is a recognizer: anything else (another type or annotation, a nested or
 * repeated column, another codec or encoding, a malformed page) makes it return null, and DuckDB reads
 * the file (read.ts), names what is wrong, and applies the full rule. On every file it accepts it gives
 * what that path gives: each value as a double (INT64 rounded to nearest, as a cast), NaN for NULL, NaN
 * and ±inf (missing in a typed source). Tested against DuckDB's path on generated files.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type Column, nonFiniteToNaN, type Table } from './table';

// ---------------------------------------------------------------------------------------------------
// Thrift compact protocol: the subset Parquet's footer and page headers use, decoded into plain objects
// keyed by field id.

type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
interface ThriftStruct {
  [field: number]: ThriftValue | undefined;
}

/** Thrown on anything the reader does not take: readNumericParquet turns it into null. */
class Decline extends Error {}

class CompactReader {
  pos: number;
  constructor(
    private readonly b: Uint8Array,
    start = 0,
    private readonly end = b.length,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Decline('truncated Thrift data');
    return this.b[this.pos++]!;
  }

  /** An unsigned varint (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * scale;
      if (x < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 56) throw new Decline('varint too long');
    }
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  struct(): ThriftStruct {
    const out: ThriftStruct = {};
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag() : last + delta;
      last = id;
      out[id] = type === 1 ? true : type === 2 ? false : this.value(type);
    }
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case 3:
        return (this.byte() << 24) >> 24;
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7: {
        if (this.pos + 8 > this.end) throw new Decline('truncated Thrift data');
        const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case 8: {
        const n = this.varint();
        if (this.pos + n > this.end) throw new Decline('truncated Thrift data');
        const s = this.b.subarray(this.pos, this.pos + n);
        this.pos += n;
        return s;
      }
      case 9:
      case 10: {
        const header = this.byte();
        const elementType = header & 0x0f;
        const n = header >> 4 === 15 ? this.varint() : header >> 4;
        const items: ThriftValue[] = [];
        for (let i = 0; i < n; i++)
          items.push(elementType === 1 || elementType === 2 ? this.byte() === 1 : this.value(elementType));
        return items;
      }
      case 11: {
        const n = this.varint();
        if (n > 0) {
          const types = this.byte();
          for (let i = 0; i < n; i++) {
            this.value(types >> 4);
            this.value(types & 0x0f);
          }
        }
        return [];
      }
      case 12:
        return this.struct();
      default:
        throw new Decline(`Thrift type ${type}`);
    }
  }
}

const num = (v: ThriftValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const struct = (v: ThriftValue | undefined): ThriftStruct | undefined =>
  typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v) ? v : undefined;
const list = (v: ThriftValue | undefined): ThriftValue[] => (Array.isArray(v) ? v : []);
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** A Thrift string (binary holding UTF-8), or Decline. */
function utf8(v: ThriftValue | undefined): string {
  if (!(v instanceof Uint8Array)) throw new Decline('not a string');
  try {
    return UTF8.decode(v);
  } catch {
    throw new Decline('not UTF-8');
  }
}

// ---------------------------------------------------------------------------------------------------
// Parquet's enums (parquet.thrift)

const INT32 = 1;
const INT64 = 2;
const FLOAT = 4;
const DOUBLE = 5;
const REQUIRED = 0;
const OPTIONAL = 1;
const UNCOMPRESSED = 0;
const SNAPPY = 1;
const PLAIN = 0;
const PLAIN_DICTIONARY = 2;
const RLE = 3;
const RLE_DICTIONARY = 8;
const BYTE_STREAM_SPLIT = 9;
const DATA_PAGE = 0;
const INDEX_PAGE = 1;
const DICTIONARY_PAGE = 2;
const DATA_PAGE_V2 = 3;
/** ConvertedType INT_8 … INT_64: signed integers, read as they are stored. */
const SIGNED_INT_CONVERTED = new Set([15, 16, 17, 18]);
/** LogicalType's union member INTEGER (IntType: 1 bitWidth, 2 isSigned). */
const LOGICAL_INTEGER = 10;

const BYTES: Record<number, number> = { [INT32]: 4, [INT64]: 8, [FLOAT]: 4, [DOUBLE]: 8 };

interface Leaf {
  name: string;
  type: number;
  optional: boolean;
}

/** The flat numeric columns of the schema, or Decline. */
function leaves(schema: ThriftValue[]): Leaf[] {
  const root = struct(schema[0]);
  if (root === undefined || num(root[5]) !== schema.length - 1) throw new Decline('nested schema');
  const names = new Set<string>();
  return schema.slice(1).map((value) => {
    const e = struct(value)!;
    const type = num(e[1]);
    const repetition = num(e[3]) ?? REQUIRED;
    if (type === undefined || BYTES[type] === undefined) throw new Decline('not a numeric column');
    if (num(e[5]) !== undefined && num(e[5]) !== 0) throw new Decline('nested column');
    if (repetition !== REQUIRED && repetition !== OPTIONAL) throw new Decline('repeated column');
    const converted = num(e[6]);
    if (
      converted !== undefined &&
      !(type !== FLOAT && type !== DOUBLE && SIGNED_INT_CONVERTED.has(converted))
    )
      throw new Decline('annotated column');
    const logical = struct(e[10]);
    if (logical !== undefined) {
      const int = struct(logical[LOGICAL_INTEGER]);
      if (
        Object.keys(logical).length !== 1 ||
        int === undefined ||
        int[2] !== true ||
        type === FLOAT ||
        type === DOUBLE
      )
        throw new Decline('annotated column');
    }
    const name = utf8(e[4]);
    // DuckDB tells apart no two names that differ only in case: leave such files to it.
    if (names.has(name.toLowerCase())) throw new Decline('duplicate column name');
    names.add(name.toLowerCase());
    return { name, type, optional: repetition === OPTIONAL };
  });
}

// ---------------------------------------------------------------------------------------------------
// Snappy (raw block format) and the RLE / bit-packed hybrid

/** Decompresses a Snappy block into `out` (exactly its length), or Decline. */
function unsnappy(src: Uint8Array, out: Uint8Array): void {
  const r = new CompactReader(src);
  if (r.varint() !== out.length) throw new Decline('Snappy length');
  let pos = r.pos;
  let at = 0;
  const end = src.length;
  while (pos < end) {
    const tag = src[pos++]!;
    let length: number;
    let offset: number;
    const kind = tag & 3;
    if (kind === 0) {
      length = tag >>> 2;
      if (length >= 60) {
        const bytes = length - 59;
        if (pos + bytes > end) throw new Decline('Snappy literal');
        length = 0;
        for (let i = 0; i < bytes; i++) length += src[pos + i]! * 2 ** (8 * i);
        pos += bytes;
      }
      length += 1;
      if (pos + length > end || at + length > out.length) throw new Decline('Snappy literal');
      out.set(src.subarray(pos, pos + length), at);
      pos += length;
      at += length;
      continue;
    }
    if (kind === 1) {
      if (pos + 1 > end) throw new Decline('Snappy copy');
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++]!;
    } else if (kind === 2) {
      if (pos + 2 > end) throw new Decline('Snappy copy');
      length = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > end) throw new Decline('Snappy copy');
      length = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) + src[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > at || at + length > out.length) throw new Decline('Snappy copy');
    if (offset >= length) out.copyWithin(at, at - offset, at - offset + length);
    else for (let i = 0; i < length; i++) out[at + i] = out[at - offset + i]!;
    at += length;
  }
  if (at !== out.length) throw new Decline('Snappy length');
}

/**
 * Bit-packed values (LSB first) of `bitWidth` bits from b at p into out[i, stop): in 32-bit integers up to
 * 24 bits, in doubles above.
 */
function unpackBits(
  b: Uint8Array,
  p: number,
  bitWidth: number,
  i: number,
  stop: number,
  out: Int32Array,
): number {
  let acc = 0;
  let bits = 0;
  if (bitWidth <= 24) {
    const mask = (1 << bitWidth) - 1;
    for (; i < stop; i++) {
      while (bits < bitWidth) {
        acc |= b[p++]! << bits;
        bits += 8;
      }
      out[i] = acc & mask;
      acc >>>= bitWidth;
      bits -= bitWidth;
    }
    return i;
  }
  const modulus = 2 ** bitWidth;
  for (; i < stop; i++) {
    while (bits < bitWidth) {
      acc += b[p++]! * 2 ** bits;
      bits += 8;
    }
    const v = acc % modulus;
    out[i] = v;
    acc = (acc - v) / modulus;
    bits -= bitWidth;
  }
  return i;
}

/** `count` values of the RLE / bit-packed hybrid at b[pos, end) into out; returns the position after. */
function unhybrid(
  b: Uint8Array,
  pos: number,
  end: number,
  bitWidth: number,
  count: number,
  out: Int32Array,
): number {
  if (bitWidth > 32) throw new Decline('bit width');
  const r = new CompactReader(b, pos, end);
  const width = Math.ceil(bitWidth / 8);
  const modulus = 2 ** bitWidth;
  let i = 0;
  while (i < count) {
    const header = r.varint();
    if (header % 2 === 0) {
      const run = header / 2;
      if (r.pos + width > end) throw new Decline('RLE run');
      let value = 0;
      for (let k = 0; k < width; k++) value += b[r.pos + k]! * 2 ** (8 * k);
      r.pos += width;
      if (value >= modulus && bitWidth > 0) throw new Decline('RLE value');
      const stop = Math.min(count, i + run);
      out.fill(value, i, stop);
      i = stop;
    } else {
      const values = ((header - 1) / 2) * 8;
      const bytes = (values * bitWidth) / 8;
      if (r.pos + bytes > end) throw new Decline('bit-packed run');
      const stop = Math.min(count, i + values);
      i = unpackBits(b, r.pos, bitWidth, i, stop, out);
      r.pos += bytes;
    }
  }
  return r.pos;
}

// ---------------------------------------------------------------------------------------------------
// Pages

/** Scratch buffers, grown as needed (one read at a time per thread). */
let pageScratch = new Uint8Array(0);
let joinScratch = new Uint8Array(0);
let levelScratch = new Int32Array(0);
let indexScratch = new Int32Array(0);

/** `buffer`, or a new one twice as long at least (so a run of growing pages copies O(n) in all). */
function atLeast<T extends Uint8Array | Int32Array>(buffer: T, n: number, make: (length: number) => T): T {
  return buffer.length >= n ? buffer : make(Math.max(n, 2 * buffer.length));
}

/** `n` PLAIN values of `type` from b at `pos` as doubles into out[at …] (a Float64Array: aligned). */
function plainInto(b: Uint8Array, pos: number, type: number, n: number, out: Float64Array, at: number): void {
  const bytes = n * BYTES[type]!;
  if (pos + bytes > b.length) throw new Decline('short page');
  if (type === DOUBLE) {
    new Uint8Array(out.buffer, out.byteOffset + at * 8, bytes).set(b.subarray(pos, pos + bytes));
    return;
  }
  const view = new DataView(b.buffer, b.byteOffset + pos, bytes);
  if (type === INT32) for (let i = 0; i < n; i++) out[at + i] = view.getInt32(4 * i, true);
  else if (type === FLOAT) for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(4 * i, true);
  else for (let i = 0; i < n; i++) out[at + i] = Number(view.getBigInt64(8 * i, true));
}

/**
 * One column chunk (its bytes `chunk`) into out[at, at + rows): its dictionary page, if any, then its
 * data pages.
 */
function readColumnChunk(
  chunk: Uint8Array,
  leaf: Leaf,
  codec: number,
  rows: number,
  out: Float64Array,
  at: number,
): void {
  let dictionary: Float64Array | null = null;
  let done = 0;
  let pos = 0;
  while (done < rows) {
    const r = new CompactReader(chunk, pos);
    const header = r.struct();
    pos = r.pos;
    const pageType = num(header[1]);
    const uncompressedSize = num(header[2]);
    const compressedSize = num(header[3]);
    // A page is at most 1 GiB uncompressed (Parquet's writers cut pages at ~1 MiB): no allocation on a lie.
    if (
      uncompressedSize === undefined ||
      compressedSize === undefined ||
      uncompressedSize < 0 ||
      uncompressedSize > 2 ** 30 ||
      compressedSize < 0 ||
      pos + compressedSize > chunk.length
    )
      throw new Decline('page header');
    const body = chunk.subarray(pos, pos + compressedSize);
    pos += compressedSize;
    if (pageType === INDEX_PAGE) continue;
    if (pageType === DICTIONARY_PAGE) {
      const h = struct(header[7]);
      const n = num(h?.[1]);
      const encoding = num(h?.[2]);
      if (
        n === undefined ||
        n < 0 ||
        n * BYTES[leaf.type]! > uncompressedSize ||
        (encoding !== PLAIN && encoding !== PLAIN_DICTIONARY) ||
        dictionary !== null
      )
        throw new Decline('dictionary page');
      const page = decompress(body, codec, uncompressedSize);
      dictionary = new Float64Array(n);
      plainInto(page, 0, leaf.type, n, dictionary, 0);
      continue;
    }
    let values: number;
    let encoding: number | undefined;
    let levels: Uint8Array;
    let data: Uint8Array;
    if (pageType === DATA_PAGE) {
      const h = struct(header[5]);
      values = num(h?.[1]) ?? -1;
      encoding = num(h?.[2]);
      data = decompress(body, codec, uncompressedSize);
      levels = data;
      if (leaf.optional) {
        if (num(h?.[3]) !== RLE || data.length < 4) throw new Decline('definition levels');
        const levelsLength = data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
        if (levelsLength < 0 || 4 + levelsLength > data.length) throw new Decline('definition levels');
        levels = data.subarray(4, 4 + levelsLength);
        data = data.subarray(4 + levelsLength);
      }
    } else if (pageType === DATA_PAGE_V2) {
      const h = struct(header[8]);
      values = num(h?.[1]) ?? -1;
      encoding = num(h?.[4]);
      const definitionLength = num(h?.[5]) ?? 0;
      if ((num(h?.[6]) ?? 0) !== 0 || definitionLength > body.length) throw new Decline('levels');
      levels = body.subarray(0, definitionLength);
      const rest = body.subarray(definitionLength);
      data = h?.[7] === false ? rest : decompress(rest, codec, uncompressedSize - definitionLength);
      if (!leaf.optional && definitionLength !== 0) throw new Decline('definition levels');
    } else throw new Decline(`page type ${pageType}`);
    if (!(values > 0) || done + values > rows) throw new Decline('page values');
    // Which of the page's values are present: all, or those whose definition level is 1.
    let present = values;
    let defined: Int32Array | null = null;
    if (leaf.optional) {
      levelScratch = atLeast(levelScratch, values, (k) => new Int32Array(k));
      defined = levelScratch;
      unhybrid(levels, 0, levels.length, 1, values, defined);
      present = 0;
      for (let i = 0; i < values; i++) present += defined[i]!;
    }
    const start = at + done;
    if (encoding === PLAIN) {
      if (defined === null) plainInto(data, 0, leaf.type, values, out, start);
      else {
        // Present values packed at the front of the slot, then spread to their rows from the back.
        plainInto(data, 0, leaf.type, present, out, start);
        spread(out, start, values, present, defined);
      }
    } else if (encoding === BYTE_STREAM_SPLIT) {
      // Byte k of value i at k·present + i (what DuckDB writes for floats in Parquet v2): joined first.
      const width = BYTES[leaf.type]!;
      if (data.length !== present * width) throw new Decline('byte stream split');
      joinScratch = atLeast(joinScratch, data.length, (k) => new Uint8Array(k));
      const joined = joinScratch;
      for (let k = 0; k < width; k++)
        for (let i = 0; i < present; i++) joined[i * width + k] = data[k * present + i]!;
      plainInto(joined, 0, leaf.type, present, out, start);
      if (defined !== null) spread(out, start, values, present, defined);
    } else if (encoding === PLAIN_DICTIONARY || encoding === RLE_DICTIONARY) {
      if (dictionary === null || data.length < 1) throw new Decline('dictionary');
      indexScratch = atLeast(indexScratch, present, (k) => new Int32Array(k));
      const indices = indexScratch;
      unhybrid(data, 1, data.length, data[0]!, present, indices);
      const dict = dictionary;
      for (let i = 0; i < present; i++) {
        const k = indices[i]!;
        if (k < 0 || k >= dict.length) throw new Decline('dictionary index');
        out[start + i] = dict[k]!;
      }
      if (defined !== null) spread(out, start, values, present, defined);
    } else throw new Decline(`encoding ${encoding}`);
    nonFiniteToNaN(out, start, values);
    done += values;
  }
}

/** Moves the `present` values packed at out[start …] to the rows whose level is 1; NaN (NULL) elsewhere. */
function spread(
  out: Float64Array,
  start: number,
  values: number,
  present: number,
  defined: Int32Array,
): void {
  let from = present - 1;
  for (let i = values - 1; i >= 0; i--) out[start + i] = defined[i] === 1 ? out[start + from--]! : Number.NaN;
}

function decompress(body: Uint8Array, codec: number, size: number): Uint8Array {
  if (codec === UNCOMPRESSED) {
    if (body.length !== size) throw new Decline('page size');
    return body;
  }
  pageScratch = atLeast(pageScratch, size, (k) => new Uint8Array(k));
  const out = pageScratch.subarray(0, size);
  unsnappy(body, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The file

const MAGIC = 0x31524150; // "PAR1", little-endian

/**
 * Reads a plain numeric Parquet file into Float64Array columns (on SharedArrayBuffers, like read.ts), or
 * returns null when it is not one (then read it with readTableFile's DuckDB path).
 */
export function readNumericParquet(path: string): Table | null {
  const fd = openSync(path, 'r');
  try {
    return readFile(fd, fstatSync(fd).size);
  } catch (err) {
    if (err instanceof Decline) return null;
    throw err;
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, offset: number, length: number, into?: Uint8Array): Uint8Array {
  const b = into ?? new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, offset + got);
    if (n === 0) throw new Decline('short file');
    got += n;
  }
  return b;
}

function readFile(fd: number, size: number): Table {
  if (size < 12) throw new Decline('short file');
  const head = readAt(fd, 0, 4);
  if (new DataView(head.buffer).getUint32(0, true) !== MAGIC) throw new Decline('no magic');
  const tail = readAt(fd, size - 8, 8);
  const view = new DataView(tail.buffer);
  if (view.getUint32(4, true) !== MAGIC) throw new Decline('no magic');
  const footerLength = view.getUint32(0, true);
  if (footerLength + 12 > size) throw new Decline('footer length');
  const meta = new CompactReader(readAt(fd, size - 8 - footerLength, footerLength)).struct();
  const columns = leaves(list(meta[2]));
  const rows = num(meta[3]);
  const groups = list(meta[4]);
  // The row count is checked against the row groups' before any column is allocated for it.
  const groupRowSum = groups.reduce<number>((sum, g) => sum + (num(struct(g)?.[3]) ?? Number.NaN), 0);
  if (rows === undefined || rows < 0 || rows > 2 ** 31 || groupRowSum !== rows || columns.length === 0)
    throw new Decline('rows');
  const values = columns.map(() => new Float64Array(new SharedArrayBuffer(rows * 8)));
  let at = 0;
  let buffer = new Uint8Array(0);
  for (const group of groups) {
    const g = struct(group);
    const groupRows = num(g?.[3]);
    const chunks = list(g?.[1]);
    if (groupRows === undefined || chunks.length !== columns.length || at + groupRows > rows)
      throw new Decline('row group');
    for (const [k, leaf] of columns.entries()) {
      const c = struct(chunks[k]);
      const m = struct(c?.[3]);
      if (c === undefined || m === undefined || c[1] !== undefined) throw new Decline('column chunk');
      const codec = num(m[4]);
      if (codec !== UNCOMPRESSED && codec !== SNAPPY) throw new Decline('codec');
      // The chunk's own record of its column must agree with the schema's: its type, and its path (the
      // name, one level deep), which is the name DuckDB goes by.
      const path = list(m[3]);
      if (
        num(m[1]) !== leaf.type ||
        num(m[5]) !== groupRows ||
        path.length !== 1 ||
        utf8(path[0]) !== leaf.name
      )
        throw new Decline('column chunk');
      const dataOffset = num(m[9]);
      const dictionaryOffset = num(m[11]);
      const length = num(m[7]);
      if (dataOffset === undefined || length === undefined) throw new Decline('column chunk');
      const start =
        dictionaryOffset !== undefined && dictionaryOffset > 0
          ? Math.min(dictionaryOffset, dataOffset)
          : dataOffset;
      if (start < 4 || start + length > size - 8 - footerLength) throw new Decline('column chunk');
      buffer = atLeast(buffer, length, (k) => new Uint8Array(k));
      const chunk = readAt(fd, start, length, buffer.subarray(0, length));
      if (groupRows > 0) readColumnChunk(chunk, leaf, codec, groupRows, values[k]!, at);
    }
    at += groupRows;
  }
  if (at !== rows) throw new Decline('row count');
  const table: Table = { names: columns.map((c) => c.name), columns: new Map<string, Column>(), rows };
  for (const [k, c] of columns.entries()) table.columns.set(c.name, { type: 'numeric', values: values[k]! });
  return table;
}
