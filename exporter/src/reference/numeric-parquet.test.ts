/**
 * The plain numeric Parquet reader against read.ts's DuckDB path, which it must equal bit for bit on every
 * file it accepts: files DuckDB writes from generated columns (DOUBLE with NaN, ±inf, −0 and NULL; FLOAT;
 * INT32/INT64 to their extremes; few distinct values, so pages are dictionary-encoded), one or several row
 * groups, Snappy or uncompressed, data pages v1 or v2. Files it must leave to DuckDB: other codecs, text,
 * booleans, decimals, dates, unsigned, nested columns, a damaged page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readNumericParquetOnPool, startComparePool } from '../compare/parallel';
import { mulberry32 } from '../stats/multivariate';
import { readNumericParquet } from './numeric-parquet';
import { closeReader, readTableFile } from './read';
import { InputError, type Table } from './table';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-parquet-'));
afterAll(async () => {
  await closeReader();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
let db: Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>['connect']>> | null = null;
async function sql(query: string): Promise<void> {
  db ??= await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(query);
}

/** Writes `select` to a new Parquet file with the COPY options given; returns its path. */
async function parquet(select: string, options = ''): Promise<string> {
  const path = join(dir, `t${++serial}.parquet`);
  await sql(`COPY (${select}) TO '${path}' (FORMAT parquet${options ? `, ${options}` : ''})`);
  return path;
}

/** Each cell, with NaN's sign and payload ignored (both paths write NaN for every missing value). */
function expectSame(actual: Table, expected: Table): void {
  expect(actual.names).toEqual(expected.names);
  expect(actual.rows).toBe(expected.rows);
  for (const name of expected.names) {
    const a = actual.columns.get(name);
    const e = expected.columns.get(name);
    expect(a?.type, name).toBe('numeric');
    expect(e?.type, name).toBe('numeric');
    const av = (a as { values: Float64Array }).values;
    const ev = (e as { values: Float64Array }).values;
    expect(av.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (let i = 0; i < ev.length; i++)
      if (!Object.is(av[i], ev[i]))
        expect({ name, row: i, value: av[i] }).toEqual({ name, row: i, value: ev[i] });
  }
}

const duckdbPath = (path: string) => readTableFile(path, { numericParquet: async () => null });

/** A SQL literal for a double, exactly (shortest round-trip text; NaN and ±inf spelled for DuckDB). */
const double = (x: number | null) =>
  x === null
    ? 'NULL'
    : Number.isNaN(x)
      ? "'nan'::DOUBLE"
      : Object.is(x, -0)
        ? "'-0.0'::DOUBLE"
        : `'${x}'::DOUBLE`;

describe('readNumericParquet', () => {
  it('equals DuckDB bit for bit on generated files (types, nulls, dictionaries, row groups, codecs, page versions)', async () => {
    const doubles = fc.oneof(
      fc.double(),
      fc.constantFrom(0.1, 2.5, -7, 1e300, 5e-324, Number.NaN, Number.POSITIVE_INFINITY, -0),
      fc.constant(null),
    );
    const ints = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constant(null));
    const bigints = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.constantFrom(9007199254740993n, -9223372036854775808n, 2n ** 53n + 1n),
      fc.constant(null),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.array(doubles, { minLength: 1, maxLength: 40 }),
        fc.array(ints, { minLength: 1, maxLength: 40 }),
        fc.array(bigints, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('snappy', 'uncompressed'),
        fc.constantFrom('V1', 'V2'),
        fc.boolean(),
        async (rows, dPool, iPool, bPool, codec, version, required) => {
          // Columns drawn from small pools, so values repeat and DuckDB writes dictionary pages for some.
          const pick = <T>(pool: T[], k: number, salt: number) =>
            pool[(k * 7 + salt * 13 + (k >> 3)) % pool.length]!;
          const cells = Array.from({ length: rows }, (_, k) => [
            double(pick(dPool, k, 1)),
            double(k % 5 === 0 ? null : pick(dPool, k * 3, 2)),
            String(pick(iPool, k, 3) ?? 'NULL'),
            String(pick(bPool, k, 4) ?? 'NULL'),
            `'${k * 0.25}'::FLOAT`,
          ]);
          const values = cells.map((c) => `(${c.join(', ')})`).join(', ');
          // Parquet v2 as DuckDB writes it: floats byte-stream-split (read here), integers delta-encoded (left
          // to DuckDB), so the v2 files hold floats only.
          const integers = version === 'V1' ? 'c::INTEGER AS c, d::BIGINT AS d, ' : '';
          const select = `SELECT a::DOUBLE AS a, b::DOUBLE AS "b b", ${integers}e::FLOAT AS e FROM (VALUES ${values}) t(a, b, c, d, e)`;
          const path = await parquet(
            required ? `SELECT * FROM (${select}) WHERE a IS NOT NULL` : select,
            `COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 100`,
          );
          const here = readNumericParquet(path);
          expect(here).not.toBeNull();
          expectSame(here!, await duckdbPath(path));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads many row groups and large pages', async () => {
    const path = await parquet(
      `SELECT i / 3.0 AS x, (i % 7)::DOUBLE AS few, CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1000003 END::BIGINT AS n FROM range(50000) t(i)`,
      'ROW_GROUP_SIZE 10000',
    );
    const here = readNumericParquet(path);
    expect(here?.rows).toBe(50000);
    expectSame(here!, await duckdbPath(path));
    // The default path takes it too.
    expectSame(await readTableFile(path), await duckdbPath(path));
  });

  it('leaves to DuckDB what it does not read: other codecs, text, booleans, decimals, dates, unsigned, nested', async () => {
    const declined = [
      await parquet('SELECT 1.5::DOUBLE AS x', 'COMPRESSION zstd'),
      await parquet('SELECT 1.5::DOUBLE AS x', 'COMPRESSION gzip'),
      await parquet("SELECT 1.5::DOUBLE AS x, 'a' AS s"),
      await parquet('SELECT true AS b'),
      await parquet('SELECT 1.25::DECIMAL(5, 2) AS d'),
      await parquet("SELECT DATE '2026-01-01' AS d"),
      await parquet("SELECT TIMESTAMP '2026-01-01 00:00:00' AS t"),
      await parquet('SELECT 4000000000::UINTEGER AS u'),
      await parquet('SELECT 7::UTINYINT AS u'),
      await parquet('SELECT 5::INTEGER AS i', 'PARQUET_VERSION V2'), // delta-encoded
    ];
    for (const path of declined) {
      expect(readNumericParquet(path), path).toBeNull();
      // And readTableFile still reads it, through DuckDB.
      expect((await readTableFile(path)).rows).toBe(1);
    }
    // Nested columns, which DuckDB's path reads or refuses with a message.
    for (const select of ['SELECT [1.5, 2.5] AS l', "SELECT {'a': 1.5} AS s"]) {
      const path = await parquet(select);
      expect(readNumericParquet(path), select).toBeNull();
      const outcome = await readTableFile(path).then(
        () => 'read',
        (err: unknown) => (err instanceof InputError ? 'refused' : err),
      );
      expect(['read', 'refused'], select).toContain(outcome);
    }
  });

  it('gives null, not garbage, for a damaged file, and DuckDB names the problem', async () => {
    const path = await parquet('SELECT i / 3.0 AS x FROM range(5000) t(i)');
    const bytes = readFileSync(path);
    // Corrupt the first page's data (after the 4-byte magic and its header).
    for (let k = 40; k < 400; k++) bytes[k] = bytes[k]! ^ 0x5a;
    const broken = join(dir, 'broken.parquet');
    writeFileSync(broken, bytes);
    const here = (() => {
      try {
        return readNumericParquet(broken);
      } catch (err) {
        return err;
      }
    })();
    expect(here).toBeNull();
    await expect(readTableFile(broken)).rejects.toThrow();
  });

  it('reads on a compare thread what it reads here, into shared buffers', async () => {
    const path = await parquet('SELECT i / 7.0 AS x, (i % 3)::INTEGER AS k FROM range(3000) t(i)');
    const pool = startComparePool(2);
    try {
      const there = await readNumericParquetOnPool(pool, path);
      expectSame(there!, readNumericParquet(path)!);
      const text = await parquet("SELECT 'a' AS s");
      expect(await readNumericParquetOnPool(pool, text)).toBeNull();
    } finally {
      pool.stop();
    }
  });

  it('on damaged files (random bytes changed) either gives null or exactly what DuckDB reads, and never throws', async () => {
    const path = await parquet(
      'SELECT i / 3.0 AS x, CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 5)::DOUBLE END AS y, i::BIGINT AS z FROM range(300) t(i)',
      'ROW_GROUP_SIZE 100',
    );
    const original = readFileSync(path);
    const damaged = join(dir, 'damaged.parquet');
    const rand = mulberry32(7);
    let accepted = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = Buffer.from(original);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--)
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      writeFileSync(damaged, bytes);
      const here = readNumericParquet(damaged);
      if (here === null) continue;
      accepted++;
      expectSame(here, await duckdbPath(damaged));
    }
    // Most changes land in the values (then both read the changed values) or make it decline.
    expect(accepted).toBeGreaterThan(30);
  });
});
