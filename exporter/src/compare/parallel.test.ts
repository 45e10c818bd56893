import { describe, expect, it } from 'vitest';
import { tableFromCells } from '../reference/table';
import { mulberry32 } from '../stats/multivariate';
import { parallelCompareReport } from './parallel';
import { buildCompareReport } from './report';

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
