/**
 * The JavaScript reader of plain numeric CSV against DuckDB's reader (read.ts with the JavaScript one turned
 * off): the same table bit for bit on every file it accepts, generated in every spelling the grammar allows;
 * null (DuckDB's turn) on everything outside the grammar; the same on files of several 1 MiB blocks; and the
 * same read on a compare thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readNumericCsvOnPool, startComparePool } from '../compare/parallel';
import { type NumericCsvRequest, readNumericCsv } from './numeric-csv';
import { closeReader, readTableFile } from './read';
import type { Table } from './table';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-numeric-csv-test-'));
afterAll(async () => {
  await closeReader();
  rmSync(dir, { recursive: true, force: true });
});
let fileNo = 0;
function file(content: string, ext = 'csv'): string {
  const path = join(dir, `f${++fileNo}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The request read.ts makes for a file whose header is its first line (no quotes, no BOM). */
function request(path: string, content: string, delimiter: ',' | '\t' = ','): NumericCsvRequest {
  const headerLine = content.slice(0, content.indexOf('\n') + 1);
  return {
    path,
    delimiter,
    names: headerLine.replace(/\r?\n$/, '').split(delimiter),
    dataStart: Buffer.byteLength(headerLine),
  };
}

/** DuckDB's reading of the file (readTableFile with the JavaScript reader declining). */
function duckdb(path: string): Promise<Table> {
  return readTableFile(path, { numericCsv: async () => null });
}

function expectSame(actual: Table, expected: Table): void {
  expect(actual.names).toEqual(expected.names);
  expect(actual.rows).toBe(expected.rows);
  for (const name of expected.names) {
    const a = actual.columns.get(name)!;
    const e = expected.columns.get(name)!;
    expect(a.type).toBe('numeric');
    expect(e.type).toBe('numeric');
    if (a.type !== 'numeric' || e.type !== 'numeric') return;
    expect(a.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (let i = 0; i < a.values.length; i++)
      if (!Object.is(a.values[i], e.values[i]))
        expect({ name, row: i, value: a.values[i] }).toEqual({ name, row: i, value: e.values[i] });
  }
}

/** A table as its cells by column (the order of a column's categories is not part of what is read). */
function cells(table: Table): Record<string, unknown[]> {
  return Object.fromEntries(
    table.names.map((name) => {
      const c = table.columns.get(name)!;
      return [name, c.type === 'numeric' ? [...c.values] : [...c.codes].map((k) => c.categories[k] ?? null)];
    }),
  );
}

/** A cell the grammar accepts: a missing token, or a decimal in one of its spellings. */
const cell = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('', 'NA', 'NaN', 'null') },
  {
    weight: 12,
    arbitrary: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
      fc.integer().map(String),
      fc
        .tuple(
          fc.constantFrom('', '+', '-'),
          fc.stringMatching(/^[0-9]{0,22}$/),
          fc.constantFrom('', '.'),
          fc.stringMatching(/^[0-9]{0,22}$/),
          fc.constantFrom('', 'e', 'E', 'e+', 'e-', 'E-'),
          fc.integer({ min: 0, max: 330 }),
        )
        .filter(([, int, point, frac]) => int.length + frac.length > 0 && (point === '.' || frac === ''))
        .map(([sign, int, point, frac, e, x]) => `${sign}${int}${point}${frac}${e === '' ? '' : `${e}${x}`}`)
        .filter((s) => Number.isFinite(Number(s))),
    ),
  },
);

describe('readNumericCsv', () => {
  it('reads what DuckDB reads, bit for bit, on generated numeric files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }).chain((width) =>
          fc.record({
            width: fc.constant(width),
            rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), {
              minLength: 1,
              maxLength: 40,
            }),
            crlf: fc.boolean(),
            finalNewline: fc.boolean(),
            tab: fc.boolean(),
            quotes: fc.oneof(fc.constant([]), fc.array(fc.boolean(), { maxLength: 5 })),
            pads: fc.oneof(
              fc.constant([]),
              fc.array(fc.constantFrom('', '', '', ' ', '  ', '\t', ' \t '), { maxLength: 7 }),
            ),
          }),
        ),
        async ({ width, rows, crlf, finalNewline, tab, pads, quotes }) => {
          // A one-column row of one empty cell is a blank line, which is not plain: give it a value.
          if (width === 1) for (const row of rows) if (row[0] === '') row[0] = '0';
          const delimiter = tab ? '\t' : ',';
          // Cells padded with spaces (and tabs, in CSV), which are trimmed.
          const blanks = tab ? [' '] : [' ', '\t'];
          let p = 0;
          const pad = () =>
            pads.length === 0 ? '' : (pads[p++ % pads.length] ?? '').replace(/\t/g, blanks.at(-1)!);
          let q = 0;
          const quote = (cell: string) =>
            quotes.length > 0 && quotes[q++ % quotes.length] ? `"${cell}"` : cell;
          for (const row of rows)
            for (let k = 0; k < row.length; k++) row[k] = quote(`${pad()}${row[k]}${pad()}`);
          const eol = crlf ? '\r\n' : '\n';
          const header = Array.from({ length: width }, (_, k) => `c${k}`).join(delimiter);
          const content = `${[header, ...rows.map((r) => r.join(delimiter))].join(eol)}${finalNewline ? eol : ''}`;
          const path = file(content, tab ? 'tsv' : 'csv');
          const table = readNumericCsv(request(path, content, delimiter));
          expect(table).not.toBeNull();
          expectSame(table!, await duckdb(path));
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ['text in quotes', 'a,b\n"1",2\n"x",3\n'],
    ['a space before a quote', 'a,b\n1, "2"\n'],
    ['a space after a quote', 'a,b\n1,"2" \n'],
    ['an unclosed quote', 'a,b\n1,"2\n'],
    ['a quote closed late', 'a,b\n1,"2,3"\n'],
    ['an escaped quote', 'a,b\n1,"2"""\n'],
    ['a line break in quotes', 'a,b\n1,"2\n3"\n'],
    ['a vertical tab', 'a,b\n1,\v2\n'],
    ['a no-break space', 'a,b\n1,\u00a02\n'],
    ['a space inside a number', 'a,b\n1,2 5\n'],
    ['a blank line', 'a,b\n1,2\n\n3,4\n'],
    ['a blank last line', 'a,b\n1,2\n\n'],
    ['a blank line in a single column', 'a\n1\n\n2\n'],
    ['a short row', 'a,b\n1,2\n3\n'],
    ['a long row', 'a,b\n1,2\n3,4,5\n'],
    ['a category', 'a,b\n1,2\n3,x\n'],
    ['inf', 'a,b\n1,inf\n'],
    ['an overflowing number', 'a,b\n1,1e400\n'],
    ['a digit separator', 'a,b\n1,1_000\n'],
    ['hexadecimal', 'a,b\n1,0x10\n'],
    ['a lone carriage return', 'a,b\n1,2\r3,4\n'],
    ['a bare point', 'a,b\n1,.\n'],
    ['a bare sign', 'a,b\n1,-\n'],
    ['an exponent without digits', 'a,b\n1,1e\n'],
    ['two points', 'a,b\n1,1.2.3\n'],
    ['a lower-case missing token', 'a,b\n1,na\n'],
    ['a signed missing token', 'a,b\n1,-NA\n'],
    ['no data rows', 'a,b\n'],
  ])('declines %s (DuckDB reads it, by the full rule)', async (_what, content) => {
    const path = file(content);
    expect(readNumericCsv(request(path, content))).toBeNull();
    // readTableFile still reads it (or names what is wrong), whichever reader declined.
    const viaRead = await readTableFile(path).then(cells, (err: Error) => err.message);
    const viaDuckdb = await duckdb(path).then(cells, (err: Error) => err.message);
    expect(viaRead).toEqual(viaDuckdb);
  });

  it('reads lines across 1 MiB blocks, with no final newline, as DuckDB does', async () => {
    const lines = ['x,y,z'];
    for (let i = 0; i < 120_000; i++)
      lines.push(
        `${(i * 0.7310585786300049) % 97},-${i}.${i % 7}e-3,${i % 5 === 0 ? '' : (i / 3).toFixed(i % 17)}`,
      );
    const content = lines.join('\n');
    expect(content.length).toBeGreaterThan(3 << 20);
    const path = file(content);
    const progress: number[] = [];
    const table = readNumericCsv(request(path, content), (read, bytes) => {
      expect(bytes).toBe(content.length);
      progress.push(read);
    });
    expect(table?.rows).toBe(120_000);
    // Once per block, in order, up to the whole file.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(content.length);
    expectSame(table!, await duckdb(path));
  });

  it('grows its columns when the lines after the first block are shorter (and wastes nothing when longer)', async () => {
    const long = Array.from({ length: 30_000 }, (_, i) => `${i}.123456789012345,-${i}.98765432109876`);
    const short = Array.from({ length: 400_000 }, (_, i) => `${i % 10},${i % 7}`);
    for (const lines of [
      [...long, ...short],
      [...short, ...long],
    ]) {
      const content = `a,b\n${lines.join('\n')}\n`;
      const path = file(content);
      const table = readNumericCsv(request(path, content));
      expect(table?.rows).toBe(430_000);
      const a = table!.columns.get('a')!;
      expect(a.type === 'numeric' && a.values.length).toBe(430_000);
      expectSame(table!, await duckdb(path));
    }
  });

  it('grows from a first block of one long line to a million short ones', () => {
    const content = `a\n1.${'0'.repeat(1_000_000)}\n${'2\n'.repeat(1_000_000)}`;
    const table = readNumericCsv(request(file(content), content));
    expect(table?.rows).toBe(1_000_001);
    const a = table!.columns.get('a')!;
    expect(a.type === 'numeric' && [a.values[0], a.values[1], a.values[1_000_000], a.values.length]).toEqual([
      1, 2, 2, 1_000_001,
    ]);
  });

  it('reads lines up to its 2 MiB buffer, and gives a longer one to DuckDB', async () => {
    const line = (width: number) => Array.from({ length: width }, (_, k) => `${k}.25000000000001`).join(',');
    const header = (width: number) => Array.from({ length: width }, (_, k) => `c${k}`).join(',');
    // ~1.2 MB lines (60,000 columns: DuckDB's general path would take minutes).
    const long = `${header(60_000)}\n${line(60_000)}\n${line(60_000)}\n`;
    const table = readNumericCsv(request(file(long), long));
    expect(table?.rows).toBe(2);
    for (const k of [0, 1, 30_000, 59_999]) {
      const column = table!.columns.get(`c${k}`)!;
      const value = Number(`${k}.25000000000001`);
      expect(column.type === 'numeric' && [...column.values]).toEqual([value, value]);
    }
    // ~2.5 MB: past the buffer (and DuckDB's longest line).
    const longer = `${header(120_000)}\n${line(120_000)}\n`;
    expect(readNumericCsv(request(file(longer), longer))).toBeNull();
  });

  it('leaves the file to DuckDB when the JavaScript read fails (a lost thread, an unreadable file)', async () => {
    const path = file('a,b\n1,2\n3,4\n');
    const table = await readTableFile(path, { numericCsv: () => Promise.reject(new Error('thread lost')) });
    expect(cells(table)).toEqual({ a: [1, 3], b: [2, 4] });
  });

  it('reads on a compare thread what it reads here, into shared buffers', async () => {
    const content = 'a,b\n1.5,2\n-3e2,NA\n0.30000000000000004,7\n';
    const path = file(content);
    const pool = startComparePool(2);
    try {
      const there = await readNumericCsvOnPool(pool, request(path, content));
      expectSame(there!, readNumericCsv(request(path, content))!);
      const empty = file('a,b\n');
      expect(await readNumericCsvOnPool(pool, request(empty, 'a,b\n'))).toBeNull();
    } finally {
      pool.stop();
    }
  });
});
