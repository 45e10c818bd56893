import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNumericCsv } from '../reference/numeric-csv';
import { tableFromCells } from '../reference/table';
import { mulberry32 } from '../stats/multivariate';
import { parallelCompareReport, readNumericCsvOnPool, startComparePool } from './parallel';
import { buildCompareReport } from './report';
import { TAKEN } from './tasks';

function data(rows: number, shift: number, seed: number) {
  const r = mulberry32(seed);
  const cols: Record<string, (number | string | null)[]> = {};
  for (let f = 0; f < 6; f++)
    cols[`x${f}`] = Array.from({ length: rows }, () => (r() < 0.02 ? null : r() * (f + 1) + shift));
  cols.city = Array.from({ length: rows }, () => ['a', 'b', 'c'][Math.floor(r() * 3)]!);
  cols.y = Array.from({ length: rows }, () => (r() < 0.5 ? 1 : 0));
  cols.p = Array.from({ length: rows }, () => (r() < 0.5 ? 1 : 0));
  return tableFromCells(cols);
}

describe('parallelCompareReport', () => {
  it('gives the same report as buildCompareReport, computed across threads', async () => {
    const ref = data(3000, 0, 1);
    const cur = data(2000, 0.3, 2);
    const options = { target: 'y', prediction: 'p', protected: ['city'] };
    const serial = buildCompareReport(ref, cur, options);
    let calls = 0;
    const parallel = await parallelCompareReport(ref, cur, options, {
      threads: 2,
      force: true,
      onFeature: () => calls++,
    });
    expect(JSON.parse(JSON.stringify(parallel))).toEqual(JSON.parse(JSON.stringify(serial)));
    expect(Object.keys(parallel.drift.features)).toEqual(Object.keys(serial.drift.features));
    expect(calls).toBe(6); // x0…x5 (city, y and p have roles)
    expect(parallel.drift.multivariate).not.toBeNull();
  });
});

describe('reads on the pool', () => {
  it('takes a read back from a compare thread that has not begun it; the thread then joins a run as usual', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelwatch-pool-'));
    const ref = data(3000, 0, 1);
    const cur = data(2000, 0.3, 2);
    try {
      const path = join(dir, 'x.csv');
      writeFileSync(path, 'a,b\n1.5,2\n-3,4e-3\n');
      const request = { path, delimiter: ',' as const, names: ['a', 'b'], dataStart: 4 };
      const pool = startComparePool(2);
      // Free at once: the thread is still starting, so this thread wins the claim and reads the file.
      const table = await readNumericCsvOnPool(pool, request, Promise.resolve());
      expect(table).toEqual(readNumericCsv(request));
      // A run on the same pool right away gives the same report.
      const running = parallelCompareReport(ref, cur, {}, { threads: 2, force: true, pool });
      const serial = buildCompareReport(ref, cur, {});
      expect(JSON.parse(JSON.stringify(await running))).toEqual(JSON.parse(JSON.stringify(serial)));
      expect(await pool.pending).toBe(TAKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
