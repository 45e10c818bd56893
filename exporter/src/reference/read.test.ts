/**
 * The DuckDB reader against the reader it replaced (csv-parse with trimming, then docs/compare.md's rule on the
 * cells: columnFromCells) on the repository's CSV fixtures and on generated tables (property tests), and
 * against JSON.parse + flattenRecord for NDJSON; Parquet written by DuckDB reads back as the CSV did.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { closeReader, formatFromContentType, formatFromPath, readTableFile } from './read';
import {
  type Cell,
  cellText,
  flattenRecord,
  InputError,
  type Table,
  TableBuilder,
  tableFromCells,
} from './table';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-read-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(ext: string, content: string | Buffer): string {
  const path = join(dir, `f${++fileNo}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/**
 * The previous reader: csv-parse (trim, skip empty lines), header checks, then the cell rule. One
 * documented difference: cells are now trimmed inside quotes too (`" a "` is the category `a`).
 */
function oracleCsv(text: string): Table {
  const records = parseCsv(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
  const header = records[0]!.map((h) => h.trim());
  const columns = new Map<string, Cell[]>(header.map((h) => [h, []]));
  for (const record of records.slice(1)) {
    for (const [i, h] of header.entries()) columns.get(h)!.push(record[i]!.trim());
  }
  const table = tableFromCells(columns);
  table.rows = records.length - 1;
  return table;
}

function oracleNdjson(text: string): Table {
  const builder = new TableBuilder();
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') builder.add(flattenRecord(JSON.parse(line) as Record<string, unknown>, i + 1));
  });
  return builder.build();
}

/** Both tables hold the same columns, types and values (numbers bit for bit, NaN = missing). */
function expectSameTable(actual: Table, expected: Table): void {
  expect(actual.names).toEqual(expected.names);
  expect(actual.rows).toBe(expected.rows);
  for (const name of expected.names) {
    const a = actual.columns.get(name)!;
    const e = expected.columns.get(name)!;
    expect({ name, type: a.type }).toEqual({ name, type: e.type });
    if (a.type === 'numeric' && e.type === 'numeric') {
      expect(Array.from(a.values)).toEqual(Array.from(e.values));
    } else {
      const text = (t: Table) => Array.from({ length: t.rows }, (_, i) => cellText(t.columns.get(name)!, i));
      expect(text(actual)).toEqual(text(expected));
    }
  }
}

const FIXTURES = [
  'multiclass/current.csv',
  'multiclass/reference.csv',
  'credit/current_header_only.csv',
  'credit/current.csv',
  'credit/reference.csv',
  'regression/current.csv',
  'regression/reference.csv',
  'mismatch/current.csv',
  'mismatch/reference.csv',
].map((f) => join(__dirname, '../../../test/golden/compare', f));

describe('readTableFile (CSV)', () => {
  it.each(FIXTURES)('reads %s as the previous reader did', async (path) => {
    expectSameTable(await readTableFile(path), oracleCsv(readFileSync(path, 'utf8')));
  });

  it('applies docs/compare.md: missing tokens, plain decimals only, trimmed cells', async () => {
    const path = file(
      'csv',
      'a,b,c,d,e,f\n 1 ,x,1e3,0x10,NA,1\n2.5, y ,-.5,3,null,inf\n,NaN,+7,4,,1.\n-0,z,1E-2,5, NA ,2\n',
    );
    const t = await readTableFile(path);
    expectSameTable(t, oracleCsv(readFileSync(path, 'utf8')));
    expect(t.columns.get('a')).toMatchObject({ type: 'numeric' });
    expect(t.columns.get('c')).toMatchObject({ type: 'numeric' });
    expect(t.columns.get('d')?.type).toBe('categorical'); // hex is not a number here
    expect(t.columns.get('e')?.type).toBe('numeric'); // all missing
    expect(t.columns.get('f')?.type).toBe('categorical'); // "inf" is not finite
  });

  it('agrees with the previous reader on generated tables', async () => {
    const number = fc.oneof(
      fc.double({ noNaN: true }).map(String),
      fc.integer().map(String),
      fc.constantFrom('1e3', '.5', '5.', '+2', '-0', '007', ' 12 ', '1e400', '0x1F', '1_000', 'Infinity'),
    );
    const cellArb = fc.oneof(
      { weight: 6, arbitrary: number },
      { weight: 2, arbitrary: fc.constantFrom('', 'NA', 'NaN', 'null', ' NA ') },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z ,"]{1,6}$/) },
    );
    const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const tableArb = fc
      .integer({ min: 1, max: 4 })
      .chain((cols) =>
        fc
          .array(fc.array(cellArb, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 30 })
          .map((rows) => ({ cols, rows })),
      );
    await fc.assert(
      fc.asyncProperty(tableArb, async ({ cols, rows }) => {
        // csv-parse drops a line that is empty after parsing; keep every line non-empty.
        const lines = rows.map((r) => r.map(quote).join(','));
        if (lines.some((l) => l.trim() === '')) return;
        const header = Array.from({ length: cols }, (_, i) => `c${i}`).join(',');
        const text = `${header}\n${lines.join('\n')}\n`;
        let expected: Table;
        try {
          expected = oracleCsv(text);
        } catch {
          return; // malformed for csv-parse (e.g. a quote inside a bare field)
        }
        expectSameTable(await readTableFile(file('csv', text)), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('reads TSV by extension', async () => {
    const t = await readTableFile(file('tsv', 'a\tb\n1\tx y\n2\tz\n'));
    expect(t.names).toEqual(['a', 'b']);
    expect(Array.from((t.columns.get('a') as { values: Float64Array }).values)).toEqual([1, 2]);
    expect(cellText(t.columns.get('b')!, 0)).toBe('x y');
  });

  it('rejects duplicate and empty header names, ragged rows and empty files with InputError', async () => {
    await expect(readTableFile(file('csv', 'a,a\n1,2\n'))).rejects.toThrow(/duplicate column "a"/);
    await expect(readTableFile(file('csv', 'a,,b\n1,2,3\n'))).rejects.toThrow(/column 2 has no name/);
    await expect(readTableFile(file('csv', `a,b\n${'1,2\n'.repeat(50)}3\n`))).rejects.toThrow(
      /malformed CSV \(line 52\): expected 2 fields, found 1/,
    );
    // Past DuckDB's sniffing sample the error names the line.
    await expect(readTableFile(file('csv', `a,b\n${'1,2\n'.repeat(30_000)}3\n`))).rejects.toThrow(
      /malformed CSV \(line 30002\): expected 2 fields, found 1/,
    );
    await expect(readTableFile(file('csv', ''))).rejects.toThrow(/CSV input is empty/);
    await expect(readTableFile(join(dir, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });

  it('types a column by every row, not by the rows DuckDB samples: a late text value or non-finite spelling', async () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => `${i},${i / 7}`).join('\n');
    const late = await readTableFile(file('csv', `a,b\n${numbers}\n3000,oops\n3001,1.5\n`));
    expect(late.rows).toBe(3002);
    expect(late.columns.get('a')?.type).toBe('numeric');
    expect(late.columns.get('b')?.type).toBe('categorical');
    expect(cellText(late.columns.get('b')!, 3000)).toBe('oops');
    // `inf` parses as a DuckDB DOUBLE, but docs/compare.md makes such a column categorical.
    const inf = await readTableFile(file('csv', `a,b\n${numbers}\n3000,inf\n`));
    expect(inf.columns.get('b')?.type).toBe('categorical');
    // DuckDB's DOUBLE also reads `1_000` as 1000; docs/compare.md allows no digit separators.
    const spelled = await readTableFile(file('csv', `a,b\n${numbers}\n3000,1_000\n`));
    expect(spelled.columns.get('a')?.type).toBe('numeric');
    expect(spelled.columns.get('b')?.type).toBe('categorical');
    expect(cellText(spelled.columns.get('b')!, 3000)).toBe('1_000');
    // The same past the sample DuckDB types a file with a text column by (20,480 rows).
    const many = Array.from({ length: 25_000 }, (_, i) => `${i},${i / 8},t`).join('\n');
    const mixed = await readTableFile(file('csv', `a,b,c\n${many}\n1,1_000,t\n`));
    expect(mixed.columns.get('a')?.type).toBe('numeric');
    expect(mixed.columns.get('b')?.type).toBe('categorical');
    expect(cellText(mixed.columns.get('b')!, 25_000)).toBe('1_000');
    // An underscore in a text column leaves the numeric columns numeric.
    const named = await readTableFile(
      file('csv', `a_1,b,c\n${numbers.replaceAll('\n', ',new_york\n')},x_y\n`),
    );
    expect(named.names).toEqual(['a_1', 'b', 'c']);
    expect(named.columns.get('a_1')?.type).toBe('numeric');
    expect(named.columns.get('b')?.type).toBe('numeric');
    expect(cellText(named.columns.get('c')!, 0)).toBe('new_york');
    const plain = await readTableFile(file('csv', `a,b\n${numbers}\n3000,NA\n`));
    expect(plain.columns.get('b')?.type).toBe('numeric');
    expect((plain.columns.get('b') as { values: Float64Array }).values[3000]).toBeNaN();
    expect((plain.columns.get('b') as { values: Float64Array }).values[2999]).toBe(2999 / 7);
  });

  it('reads a plain numeric file in JavaScript, and one that leaves the grammar midway through DuckDB', async () => {
    // Plain numeric CSV is read without DuckDB (numeric-csv.ts: no typing phase); a file it declines,
    // however far in, is read by DuckDB's general path (which says why when it is malformed).
    const rows = Array.from({ length: 40_000 }, (_, i) => `${i},${(i * 7) / 3},${-i / 11}`);
    const phases = (path: string) => {
      const seen = new Set<string>();
      return readTableFile(path, { onProgress: (phase) => seen.add(phase) }).then((t) => ({ t, seen }));
    };
    for (const [text, fast] of [
      [`a,b,c\n${rows.join('\n')}\n`, true],
      [`a,b,c\n${rows.join('\n')}`, true], // no newline at the end
      [`a,b,c\r\n${rows.join('\r\n')}\r\n`, true],
      [`a,b,c\n${rows.slice(0, 20_000).join('\n')}\n\n${rows.slice(20_000).join('\n')}\n`, false], // a blank line
    ] as const) {
      const { t, seen } = await phases(file('csv', text));
      expectSameTable(t, oracleCsv(text));
      expect(seen.has('typing')).toBe(!fast);
    }
    // A category midway: every row is still read, the column as text.
    const cut = [...rows.slice(0, 25_000), '25000,oops,1', ...rows.slice(25_001)];
    const text = `a,b,c\n${cut.join('\n')}\n`;
    const { t, seen } = await phases(file('csv', text));
    expect(t.rows).toBe(40_000);
    expect(seen.has('typing')).toBe(true);
    expectSameTable(t, oracleCsv(text));
    // Several of DuckDB's 2 MiB blocks, read in parallel: the rows still arrive in file order.
    const n = 400_000;
    const big = await readTableFile(
      file('csv', `i,j\n${Array.from({ length: n }, (_, i) => `${i},${i / 4}`).join('\n')}\n`),
      { numericCsv: async () => null },
    );
    expect(big.rows).toBe(n);
    const iv = (big.columns.get('i') as { values: Float64Array }).values;
    const jv = (big.columns.get('j') as { values: Float64Array }).values;
    let inOrder = true;
    for (let r = 0; r < n; r++) if (iv[r] !== r || jv[r] !== r / 4) inOrder = false;
    expect(inOrder).toBe(true);
    // A ragged row midway: the general path names its line.
    const ragged = [...rows.slice(0, 30_000), '1,2', ...rows.slice(30_001)];
    await expect(readTableFile(file('csv', `a,b,c\n${ragged.join('\n')}\n`))).rejects.toThrow(
      /malformed CSV \(line 30002\): expected 3 fields, found 2/,
    );
  });

  it('reads again after closeReader, on a new DuckDB instance', async () => {
    const path = file('csv', 'a,b\n1,x\n2,y\n');
    expect((await readTableFile(path)).rows).toBe(2);
    await closeReader();
    await closeReader(); // closing a closed reader is a no-op
    expect((await readTableFile(path)).rows).toBe(2);
  });

  it('reads a path with glob characters literally', async () => {
    const path = join(dir, 'data[1]*.csv');
    writeFileSync(path, 'a\n1\n');
    expect((await readTableFile(path)).rows).toBe(1);
  });
});

describe('readTableFile (Parquet)', () => {
  it('reads what DuckDB wrote as the CSV reader reads the CSV: numbers, text, booleans, nulls', async () => {
    const csv = file('csv', 'x,label,flag,code\n1.5,a,true,1\n,b,false,2\n-3,NA,,x\n');
    const parquet = join(dir, 'typed.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT 1.5::DOUBLE AS x, 'a' AS label, true AS flag, '1' AS code UNION ALL SELECT NULL, 'b', false, '2' UNION ALL SELECT -3, 'NA', NULL, 'x') TO '${parquet}' (FORMAT parquet)`,
    );
    db.closeSync();
    const fromParquet = await readTableFile(parquet);
    expectSameTable(fromParquet, await readTableFile(csv));
    expect(fromParquet.columns.get('x')?.type).toBe('numeric');
    expect(fromParquet.columns.get('flag')?.type).toBe('categorical');
  });

  it('treats NaN and ±inf in a DOUBLE column as missing', async () => {
    const parquet = join(dir, 'nonfinite.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT * FROM (VALUES (1.0::DOUBLE), ('nan'::DOUBLE), ('inf'::DOUBLE), (2.0)) t(v)) TO '${parquet}' (FORMAT parquet)`,
    );
    db.closeSync();
    const t = await readTableFile(parquet);
    expect(Array.from((t.columns.get('v') as { values: Float64Array }).values)).toEqual([
      1,
      Number.NaN,
      Number.NaN,
      2,
    ]);
  });
  it('reads an all-numeric file of several chunks: DOUBLE, INTEGER and BIGINT, NULL, NaN and ±inf', async () => {
    const parquet = join(dir, 'chunks.parquet');
    const rows = 5000; // three of DuckDB's 2048-row chunks
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT
         CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN 'nan'::DOUBLE WHEN i % 13 = 0 THEN '-inf'::DOUBLE
              ELSE i / 8.0 - 100 END AS d,
         CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 37) % 1000 - 500 END::INTEGER AS n,
         (i::BIGINT * 1000003) AS b
       FROM range(${rows}) t(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    db.closeSync();
    // Through DuckDB (its C API, parquetAllNumbers) and through the JavaScript reader (numeric-parquet.ts).
    for (const numericParquet of [async () => null, undefined]) {
      const t = await readTableFile(parquet, numericParquet ? { numericParquet } : {});
      expect(t.rows).toBe(rows);
      const values = (name: string) => (t.columns.get(name) as { values: Float64Array }).values;
      const d = values('d');
      const n = values('n');
      const b = values('b');
      for (let i = 0; i < rows; i++) {
        const expectD = i % 7 === 0 || i % 11 === 0 || i % 13 === 0 ? Number.NaN : i / 8 - 100;
        const expectN = i % 5 === 0 ? Number.NaN : ((i * 37) % 1000) - 500;
        if (!Object.is(d[i], expectD) || !Object.is(n[i], expectN) || b[i] !== i * 1000003)
          expect({ i, d: d[i], n: n[i], b: b[i] }).toEqual({ i, d: expectD, n: expectN, b: i * 1000003 });
      }
    }
  });

  it('uses the C API of the DuckDB copy node-api loads (package.json pins the same version)', () => {
    const pkg = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
    const ours = pkg(join(__dirname, '../../package.json')).dependencies;
    const api = pkg(require.resolve('@duckdb/node-api/package.json')).dependencies;
    expect(ours['@duckdb/node-bindings']).toBe(api['@duckdb/node-bindings']);
  });
});

describe('readTableFile (NDJSON)', () => {
  it('reads records as JSON.parse + flattenRecord did (nested features/attributes, booleans, nulls)', async () => {
    const text = [
      '{"features": {"age": 41, "city": "Oslo"}, "attributes": {"sex": "f"}, "prediction": 1, "score": 0.8}',
      '',
      '{"features": {"age": null, "city": "NA"}, "attributes": {"sex": "m"}, "prediction": 0, "score": 0.1, "flag": true}',
      '{"features": {"age": "39", "city": "Rome"}, "prediction": 1, "score": 1e400, "flag": false}',
    ].join('\n');
    const t = await readTableFile(file('ndjson', text));
    expectSameTable(t, oracleNdjson(text));
    expect(t.names).toEqual(['age', 'city', 'sex', 'prediction', 'score', 'flag']);
  });

  it('agrees with JSON.parse on generated flat records', async () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constantFrom('1.5', 'NA', '', 'x', ' 2 ', null),
    );
    const record = fc.dictionary(fc.constantFrom('a', 'b', 'c'), value, { minKeys: 1 });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 20 }), async (records) => {
        const text = records.map((r) => JSON.stringify(r)).join('\n');
        const expected = oracleNdjson(text);
        const actual = await readTableFile(file('jsonl', text));
        // Columns in first-appearance order; a column of numbers mixed with text keeps JSON's spelling
        // of the numbers in DuckDB (1.0 stays "1.0"), so compare those as numbers where both are numbers.
        expect(actual.names).toEqual(expected.names);
        for (const name of expected.names) {
          const a = actual.columns.get(name)!;
          const e = expected.columns.get(name)!;
          expect(a.type).toBe(e.type);
          for (let i = 0; i < expected.rows; i++) {
            const x = cellText(a, i);
            const y = cellText(e, i);
            if (x !== null && y !== null && Number(x) === Number(y)) continue;
            expect(x).toBe(y);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a line that is not an object, and nested values', async () => {
    await expect(readTableFile(file('ndjson', '{"a":1}\n[1,2]\n'))).rejects.toThrow(
      /\(record 2\): expected an object/,
    );
    await expect(readTableFile(file('ndjson', '{"a":{"b":1}}\n'))).rejects.toThrow(
      /field "a" must be a number, string, boolean or null/,
    );
    await expect(readTableFile(file('ndjson', '{"a":1}\n{"a":\n'))).rejects.toThrow(InputError);
  });
});

describe('a file that is not what its name says', () => {
  it('refuses Parquet named .csv, CSV named .parquet, binary data and non-JSON named .ndjson', async () => {
    const parquet = join(dir, 'real.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(`COPY (SELECT 1 AS a) TO '${parquet}' (FORMAT parquet)`);
    db.closeSync();
    await expect(readTableFile(file('csv', readFileSync(parquet)))).rejects.toThrow(
      /is a Parquet file, not CSV/,
    );
    await expect(readTableFile(file('parquet', 'a,b\n1,2\n'))).rejects.toThrow(/is not a Parquet file/);
    await expect(readTableFile(file('csv', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])))).rejects.toThrow(
      /binary data/,
    );
    await expect(readTableFile(file('ndjson', 'a,b\n1,2\n'))).rejects.toThrow(/is not NDJSON/);
  });
});

describe('formats', () => {
  it('by extension and by content type', () => {
    expect(formatFromPath('x.PARQUET')).toBe('parquet');
    expect(formatFromPath('x.jsonl')).toBe('ndjson');
    expect(formatFromPath('x.tsv')).toBe('tsv');
    expect(formatFromPath('x.txt')).toBe('csv');
    expect(formatFromContentType('application/vnd.apache.parquet')).toBe('parquet');
    expect(formatFromContentType('text/csv; charset=utf-8')).toBe('csv');
    expect(formatFromContentType('application/x-ndjson')).toBe('ndjson');
    expect(formatFromContentType('text/plain')).toBeNull();
  });
});
