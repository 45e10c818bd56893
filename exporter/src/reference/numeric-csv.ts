/**
 * The plain numeric CSV, read without DuckDB (docs/compare.md, "Plain numeric CSV"): every cell a plain
 * decimal (`[+-]digits[.digits][e±digits]`, no spaces, no quotes) or exactly one of the missing tokens,
 * every line `\n` or `\r\n` terminated (the last may be bare) with one field per column. That is how
 * training data is usually written, and it needs neither DuckDB's memory nor its library's (~40 MiB).
 *
 * The reader is a recognizer: anything outside that grammar (a quote, a space, a blank line, a ragged row,
 * a category, `inf`, a number that overflows) makes it give up and return null, and the file goes to
 * DuckDB's reader (read.ts), which applies the full rule of docs/compare.md and names bad lines. So on
 * every file it accepts, it gives what that reader gives: the same values, correctly rounded
 * (decimal.ts), NaN for a missing cell.
 *
 * Two passes over the file in 1 MiB blocks: one counts the lines (and gives up at a quote), so the columns
 * are allocated once at their size; one parses. Nothing is kept but the columns.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { decimalToDouble, MAX_EXACT_POW10, RETRY } from './decimal';
import type { Column, Table } from './table';

/** A numeric-CSV read, as sent to a thread (compare/tasks.ts). */
export interface NumericCsvRequest {
  path: string;
  /** Field separator: `,` or a tab. */
  delimiter: ',' | '\t';
  /** The header's names (read.ts csvHeader): one column each. */
  names: string[];
  /** Byte offset of the first data line. */
  dataStart: number;
}

const BLOCK = 1 << 20;

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const QUOTE = 0x22;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The significand's first part stays at most this: exact, and exact for Clinger's fast path. */
const TWO_53 = 2 ** 53;
/** Digits after the first part that decimalToDouble takes (≤ 20 significant digits in all). */
const MAX_LOW_DIGITS = 4;

/** The missing tokens of docs/compare.md, as bytes. */
const MISSING = ['', 'NA', 'NaN', 'null'].map((t) => Buffer.from(t, 'latin1'));

/**
 * Reads a plain numeric CSV into Float64Array columns (on SharedArrayBuffers, like read.ts), or returns
 * null when the file is not one (then read it with readTableFile's DuckDB path).
 */
export function readNumericCsv(request: NumericCsvRequest): Table | null {
  const fd = openSync(request.path, 'r');
  try {
    const rows = countLines(fd, request.dataStart);
    if (rows === null || rows === 0) return null;
    const values = request.names.map(() => new Float64Array(new SharedArrayBuffer(rows * 8)));
    if (!parse(fd, request, values, rows)) return null;
    const columns = new Map<string, Column>();
    for (const [k, name] of request.names.entries())
      columns.set(name, { type: 'numeric', values: values[k]! });
    return { names: [...request.names], columns, rows };
  } finally {
    closeSync(fd);
  }
}

/** Lines from `from` to the end (a last line without a newline counts), or null at a quote. */
function countLines(fd: number, from: number): number | null {
  const block = Buffer.allocUnsafe(BLOCK);
  let lines = 0;
  let last = NEWLINE;
  for (let at = from; ; ) {
    const read = readSync(fd, block, 0, BLOCK, at);
    if (read === 0) return last === NEWLINE ? lines : lines + 1;
    const data = block.subarray(0, read);
    if (data.includes(QUOTE)) return null;
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, i + 1)) lines++;
    last = data[read - 1]!;
    at += read;
  }
}

/** Parses the data lines into `values`; false when a line is outside the grammar or the count differs. */
function parse(fd: number, request: NumericCsvRequest, values: Float64Array[], rows: number): boolean {
  const width = values.length;
  const delimiter = request.delimiter.charCodeAt(0);
  // A block, after the unfinished line carried over from the one before (an unfinished line over 1 MiB
  // gives up: DuckDB's longest line is 2 MiB, and it names the line).
  const b = Buffer.allocUnsafe(2 * BLOCK + 1);
  let carry = 0;
  let row = 0;
  for (let at = request.dataStart; ; ) {
    const read = readSync(fd, b, carry, BLOCK, at);
    at += read;
    let end = carry + read;
    if (read === 0) {
      if (carry === 0) break;
      b[end++] = NEWLINE; // the bare last line
    }
    const last = b.lastIndexOf(NEWLINE, end - 1);
    if (last === -1) {
      if (end > BLOCK) return false;
      carry = end;
      continue;
    }
    // Every line up to `last` ends in a newline, so no scan below runs past it.
    let i = 0;
    while (i <= last) {
      if (row === rows) return false;
      let c = b[i]!;
      if (c === NEWLINE || (c === RETURN && b[i + 1] === NEWLINE)) return false; // a blank line
      for (let k = 0; k < width; k++) {
        const start = i;
        let negative = false;
        if (c === MINUS) {
          negative = true;
          c = b[++i]!;
        } else if (c === PLUS) c = b[++i]!;
        // The significand: `high` (exact, ≤ 2^53), then up to MAX_LOW_DIGITS more digits in `low`.
        let high = 0;
        let low = 0;
        let lowDigits = 0;
        let digits = 0;
        let fraction = 0;
        let long = false;
        for (let point = false; ; c = b[++i]!) {
          const d = c - ZERO;
          if (d >= 0 && d <= 9) {
            if (lowDigits === 0 && high * 10 + d <= TWO_53) high = high * 10 + d;
            else if (lowDigits < MAX_LOW_DIGITS) {
              low = low * 10 + d;
              lowDigits++;
            } else long = true;
            digits++;
            if (point) fraction++;
          } else if (c === DOT && !point) point = true;
          else break;
        }
        let value: number;
        if (digits === 0) {
          // Not a number: a missing token, or not the plain grammar.
          if (!isMissing(b, start, delimiter)) return false;
          i = start + missingLength(b, start);
          c = b[i]!;
          value = Number.NaN;
        } else {
          let q = -fraction;
          if (c === 0x65 || c === 0x45) {
            c = b[++i]!;
            const negativeExponent = c === MINUS;
            if (c === MINUS || c === PLUS) c = b[++i]!;
            if (!(c >= ZERO && c <= NINE)) return false;
            let e = 0;
            for (; c >= ZERO && c <= NINE; c = b[++i]!) if (e < 100_000) e = e * 10 + (c - ZERO);
            q += negativeExponent ? -e : e;
          }
          value =
            long || q > MAX_EXACT_POW10 || q < -MAX_EXACT_POW10
              ? RETRY
              : decimalToDouble(high, low, lowDigits, q);
          if (value === RETRY) {
            value = Math.abs(Number(b.toString('latin1', start, i)));
            if (!Number.isFinite(value)) return false; // `1e400`: not a finite number
          }
          if (negative) value = -value;
        }
        values[k]![row] = value;
        if (k + 1 < width) {
          if (c !== delimiter) return false;
          c = b[++i]!;
        } else {
          if (c === RETURN) c = b[++i]!;
          if (c !== NEWLINE) return false;
          i++;
        }
      }
      row++;
    }
    carry = end - (last + 1);
    if (carry > BLOCK) return false;
    b.copy(b, 0, last + 1, end);
    if (read === 0) break;
  }
  return row === rows;
}

/** Length of the missing token at `start`, or -1. */
function missingLength(b: Buffer, start: number): number {
  for (let t = MISSING.length - 1; t >= 0; t--) {
    const token = MISSING[t]!;
    if (b.compare(token, 0, token.length, start, start + token.length) === 0) return token.length;
  }
  return -1;
}

/** Whether the cell at `start` is exactly a missing token (followed by a delimiter or the line's end). */
function isMissing(b: Buffer, start: number, delimiter: number): boolean {
  const length = missingLength(b, start);
  if (length === -1) return false;
  const next = b[start + length];
  return next === delimiter || next === NEWLINE || next === RETURN;
}
