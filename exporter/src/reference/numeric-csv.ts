/**
 * The plain numeric CSV, read without DuckDB (docs/compare.md, "Plain numeric CSV"): every cell a plain
 * decimal (`[+-]digits[.digits][e±digits]`; spaces, and tabs in a comma-separated file, around it are
 * trimmed; the cell may be quoted) or one of the missing tokens,
 * every line `\n` or `\r\n` terminated (the last may be bare) with one field per column. That is how
 * training data is usually written, and it needs neither DuckDB's memory nor its library's (~40 MiB).
 *
 * The reader is a recognizer: anything outside that grammar (text in quotes, other whitespace, a blank line, a ragged row,
 * a category, `inf`, a number that overflows) makes it give up and return null, and the file goes to
 * DuckDB's reader (read.ts), which applies the full rule of docs/compare.md and names bad lines. So on
 * every file it accepts, it gives what that reader gives: the same values, correctly rounded
 * (decimal.ts), NaN for a missing cell.
 *
 * One pass over the file in 1 MiB blocks, parsing each cell straight into its column; the columns are
 * sized from the first block's lines and the file's size (GrowingColumns). Nothing is kept but the columns.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MISSING_TOKENS } from '../stats/profile';
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

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

/** The significand's first part stays at most this: exact, and exact for Clinger's fast path. */
const TWO_53 = 2 ** 53;
/** Digits after the first part that decimalToDouble takes (≤ 20 significant digits in all). */
const MAX_LOW_DIGITS = 4;

/** The missing tokens (stats/profile.ts) as bytes, longest first, so the first match is the longest. */
const MISSING = [...MISSING_TOKENS].sort((a, b) => b.length - a.length).map((t) => Buffer.from(t, 'latin1'));

/**
 * Reads a plain numeric CSV into Float64Array columns (on SharedArrayBuffers, like read.ts), or returns
 * null when the file is not one (then read it with readTableFile's DuckDB path).
 */
export function readNumericCsv(
  request: NumericCsvRequest,
  onProgress?: (bytesRead: number, bytes: number) => void,
): Table | null {
  const fd = openSync(request.path, 'r');
  try {
    const parsed = parse(fd, request, fstatSync(fd).size, onProgress);
    if (parsed === null) return null;
    const columns = new Map<string, Column>();
    for (const [k, name] of request.names.entries())
      columns.set(name, { type: 'numeric', values: parsed.values[k]! });
    return { names: [...request.names], columns, rows: parsed.rows };
  } finally {
    closeSync(fd);
  }
}

/**
 * Columns of a size guessed from the lines read so far and the bytes left, grown when the guess is short.
 * Pages of a SharedArrayBuffer that are never written are never touched, so a guess a little long costs
 * no memory; the columns handed out are views of exactly `rows` values.
 */
class GrowingColumns {
  values: Float64Array[];

  constructor(width: number, capacity: number) {
    this.values = Array.from({ length: width }, () => new Float64Array(new SharedArrayBuffer(capacity * 8)));
  }

  get capacity(): number {
    return this.values[0]!.length;
  }

  /** To at least `capacity`, and by a quarter at least (so a run of short guesses copies O(n) in all). */
  grow(capacity: number): void {
    capacity = Math.max(capacity, Math.ceil(this.capacity * 1.25));
    this.values = this.values.map((old) => {
      const values = new Float64Array(new SharedArrayBuffer(capacity * 8));
      values.set(old);
      return values;
    });
  }

  /** The first `rows` values of each column. */
  take(rows: number): Float64Array[] {
    return this.values.map((v) => (rows === v.length ? v : new Float64Array(v.buffer, 0, rows)));
  }
}

/** Rows expected in `bytes` more of lines averaging `lineBytes` (a margin for longer lines to come). */
function rowsIn(bytes: number, lineBytes: number): number {
  return Math.ceil((bytes / lineBytes) * 1.02) + 64;
}

/** Parses the data lines (one pass, in 1 MiB blocks); null when a line is outside the grammar. */
function parse(
  fd: number,
  request: NumericCsvRequest,
  size: number,
  onProgress: ((bytesRead: number, bytes: number) => void) | undefined,
): { values: Float64Array[]; rows: number } | null {
  prime();
  const width = request.names.length;
  let columns: GrowingColumns | null = null;
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
      if (end > BLOCK) return null;
      carry = end;
      continue;
    }
    if (columns === null) {
      // Sized by the first block's lines.
      let lines = 0;
      for (let n = b.indexOf(NEWLINE); n !== -1 && n <= last; n = b.indexOf(NEWLINE, n + 1)) lines++;
      columns = new GrowingColumns(width, rowsIn(size - request.dataStart, (last + 1) / lines));
    }
    // Every line up to `last` ends in a newline, so no scan below runs past it.
    for (let i = 0; i <= last; row++) {
      if (row === columns.capacity) {
        columns.grow(
          row + rowsIn(Math.max(0, size - at) + end - i, (at - end - request.dataStart + i) / row),
        );
      }
      i = parseLine(b, i, columns.values, row, delimiter);
      if (i === -1) return null;
    }
    onProgress?.(at, size);
    carry = end - (last + 1);
    if (carry > BLOCK) return null;
    b.copy(b, 0, last + 1, end);
    if (read === 0) break;
  }
  return columns === null || row === 0 ? null : { values: columns.take(row), rows: row };
}

/**
 * Parses the line at `i` into row `row` of `values`: the index after its newline, or -1 when the line is
 * outside the grammar. A function of its own, called per line, so V8 optimizes it early (PRIMER).
 */
function parseLine(b: Buffer, i: number, values: Float64Array[], row: number, delimiter: number): number {
  const width = values.length;
  let c = b[i]!;
  if (c === NEWLINE || (c === RETURN && b[i + 1] === NEWLINE)) return -1; // a blank line
  // Cells are trimmed (docs/compare.md): spaces, and tabs in a comma-separated file, around a value.
  const blank = delimiter === TAB ? SPACE : TAB;
  for (let k = 0; k < width; k++) {
    // A quoted cell: a quote first, and the closing one right before the delimiter or the line's end.
    const quoted = c === QUOTE;
    if (quoted) c = b[++i]!;
    while (c === SPACE || c === blank) c = b[++i]!;
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
    let point = -1; // digits before the decimal point, once there is one
    let long = false;
    for (; ; c = b[++i]!) {
      const d = c - ZERO;
      if (d >= 0 && d <= 9) {
        if (lowDigits === 0 && high * 10 + d <= TWO_53) high = high * 10 + d;
        else if (lowDigits < MAX_LOW_DIGITS) {
          low = low * 10 + d;
          lowDigits++;
        } else long = true;
        digits++;
      } else if (c === DOT && point === -1) point = digits;
      else break;
    }
    let value: number;
    if (digits === 0) {
      // Not a number: a missing token (the empty one included), or else not the plain grammar, which the
      // check for the cell's end below finds.
      i = start + missingLength(b, start);
      c = b[i]!;
      value = Number.NaN;
    } else {
      let q = point === -1 ? 0 : point - digits; // minus the digits after the point
      if (c === LOWER_E || c === UPPER_E) {
        c = b[++i]!;
        const negativeExponent = c === MINUS;
        if (c === MINUS || c === PLUS) c = b[++i]!;
        if (!(c >= ZERO && c <= NINE)) return -1;
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
        if (!Number.isFinite(value)) return -1; // `1e400`: not a finite number
      }
      if (negative) value = -value;
    }
    values[k]![row] = value;
    while (c === SPACE || c === blank) c = b[++i]!;
    if (quoted) {
      if (c !== QUOTE) return -1;
      c = b[++i]!;
    }
    if (k + 1 < width) {
      if (c !== delimiter) return -1;
      c = b[++i]!;
    } else {
      if (c === RETURN) c = b[++i]!;
      if (c !== NEWLINE) return -1;
      i++;
    }
  }
  return i;
}

/**
 * Lines that take every branch of parseLine, parsed once before the first file: V8's optimized code for a
 * branch no line has taken yet gives way to the interpreter the first time one does (the first exponent,
 * missing value, 17-digit number, …), and recompiling costs ~25 ms each time (docs/benchmarks.md).
 */
const PRIMER = [
  '1,-2.5,+.5,0.1',
  '12345678901234567,-0.12345678901234567e-5,1E+3,9007199254740993',
  '123456789012345678901234,1e30,,NA',
  'NaN,null,5.,-7e2\r',
  ' 3 , NA ,  ,\t4',
  '"1"," -2 ","","NA"',
  'x,,,',
];
let primed = false;
function prime(): void {
  if (primed) return;
  primed = true;
  const lines = Buffer.from(`${PRIMER.join('\n')}\n`, 'latin1');
  const values = Array.from({ length: 4 }, () => new Float64Array(PRIMER.length));
  // V8 gives a function its feedback vector only after its first few calls: so 16 rounds.
  for (let round = 0; round < 16; round++)
    for (let i = 0, row = 0; i < lines.length; row++) {
      const next = parseLine(lines, i, values, row, round % 2 === 0 ? COMMA : TAB);
      i = next === -1 ? lines.indexOf(NEWLINE, i) + 1 : next;
    }
}

/** Length of the longest missing token at `start` (0, the empty one, when no other is there). */
function missingLength(b: Buffer, start: number): number {
  for (const token of MISSING)
    if (b.compare(token, 0, token.length, start, start + token.length) === 0) return token.length;
  return 0;
}
