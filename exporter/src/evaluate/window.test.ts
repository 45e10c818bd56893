import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRow } from '../store/reader';
import { ColumnarWindow, FIRST_SLOTS, WindowBudget } from './window';

function row(i: number, features: Record<string, unknown> = { x: i, c: `c${i % 3}` }): LogRow {
  return {
    id: i,
    model: 'm',
    model_version: null,
    prediction_id: `p${i}`,
    ts: 1000 + i,
    features,
    prediction: i % 2,
    score: 0.5,
    attributes: null,
    latency_seconds: null,
  };
}

const untyped = () => undefined;

/** Bytes the window's typed arrays really hold (what the process allocated for it). */
function allocated(w: ColumnarWindow): number {
  let n = w.ids.byteLength + w.ts.byteLength + w.scores.byteLength + w.labelRejected.byteLength;
  n += w.predictions.num.byteLength + w.predictions.code.byteLength;
  n += w.labels.num.byteLength + w.labels.code.byteLength;
  for (const set of [w.features, w.attributes, w.outputs])
    for (const col of set.columns.values())
      n += col.type === 'numeric' ? col.data.byteLength : col.codes.byteLength;
  return n;
}

describe('ColumnarWindow memory (issue 14, defect 2)', () => {
  it('allocates for the rows it holds, not for its capacity', () => {
    const w = new ColumnarWindow(100_000);
    const features = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i]));
    w.append(row(1, features), untyped);
    // one row of 500 numeric features: 64 slots, not 100,000 (which took 400 MB)
    expect(w.capacity).toBe(FIRST_SLOTS);
    expect(allocated(w)).toBeLessThan(300_000);
    expect(w.bytes).toBeGreaterThanOrEqual(allocated(w));
  });

  it('grows by doubling up to maxRows, keeping every row in order with its label', () => {
    const w = new ColumnarWindow(1000);
    for (let i = 1; i <= 700; i++) w.append(row(i), untyped);
    expect(w.capacity).toBe(1000);
    w.setLabel(w.slotOf('p5')!, 1);
    const slots = w.select({}, 2000);
    expect([...slots].map((s) => w.ids[s])).toEqual(Array.from({ length: 700 }, (_, i) => i + 1));
    expect(w.labels.get(w.slotOf('p5')!)).toBe(1);
    // beyond maxRows the ring overwrites its oldest rows
    for (let i = 701; i <= 1500; i++) w.append(row(i), untyped);
    expect(w.size).toBe(1000);
    const after = w.select({}, 3000);
    expect([...after].map((s) => w.ids[s])).toEqual(Array.from({ length: 1000 }, (_, i) => i + 501));
    expect(w.slotOf('p5')).toBeUndefined();
    const x = w.features.columns.get('x')!;
    expect(x.type === 'numeric' && [...after].map((s) => x.data[s])).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 501),
    );
  });

  it('stops growing when the shared budget is spent and keeps the newest rows; new columns are dropped', () => {
    const budget = new WindowBudget(40_000);
    const w = new ColumnarWindow(100_000, 10_000, Number.MAX_SAFE_INTEGER, budget);
    for (let i = 1; i <= 5000; i++) w.append(row(i), untyped);
    expect(budget.used).toBeLessThanOrEqual(40_000);
    expect(w.bytes).toBeLessThanOrEqual(40_000);
    expect(w.size).toBe(w.capacity);
    expect(w.size).toBeLessThan(5000);
    const slots = w.select({}, 10_000);
    expect(w.ids[slots[slots.length - 1]!]).toBe(5000);
    expect(w.ids[slots[0]!]).toBe(5000 - w.size + 1);
    // a second window on the same budget starts, but gets no room for a column of 64 slots
    const other = new ColumnarWindow(100_000, 10_000, Number.MAX_SAFE_INTEGER, budget);
    other.append(row(1, { wide: 1 }), untyped);
    expect(other.features.columns.has('wide')).toBe(false);
    expect(other.features.dropped).toBe(1);
  });
});

describe('ColumnarWindow category dictionaries (issue 14, defect 2)', () => {
  it('charges each new category to the budget and reports it in bytes; past the budget values are __other__', () => {
    const budget = new WindowBudget(3_000_000);
    const w = new ColumnarWindow(2_000, 10_000, Number.MAX_SAFE_INTEGER, budget);
    const long = (i: number) => `${i}:${'x'.repeat(1000)}`; // ~2 KB each, a new one per row and column
    for (let i = 1; i <= 2_000; i++) w.append(row(i, { a: long(i), b: long(-i) }), untyped);
    // 4,000 distinct ~2 KB strings would be ~8 MB: the budget stops the dictionaries at 3 MB
    expect(budget.used).toBeLessThanOrEqual(3_000_000);
    const a = w.features.columns.get('a')!;
    const b = w.features.columns.get('b')!;
    if (a.type !== 'categorical' || b.type !== 'categorical') throw new Error('expected categorical columns');
    const chars = [...a.dict, ...b.dict].reduce((n, v) => n + 2 * v.length, 0);
    expect(w.dictionaries.bytes).toBeGreaterThanOrEqual(chars);
    expect(w.bytes).toBe(w.capacity * w.slotBytes + w.dictionaries.bytes);
    expect(w.bytes).toBeLessThanOrEqual(budget.used);
    expect(a.dict).toContain('__other__');
    expect(w.folds.values).toBeGreaterThan(0);
    // the window kept its newest rows (it stopped growing when the budget was spent)
    const slots = w.select({}, 10_000);
    expect(w.ids[slots[slots.length - 1]!]).toBe(2_000);
  });

  it('gives a dictionary back to the budget when its column becomes numeric', () => {
    const budget = new WindowBudget();
    const w = new ColumnarWindow(1_000, 10_000, Number.MAX_SAFE_INTEGER, budget);
    for (let i = 1; i <= 100; i++) w.append(row(i, { v: `${i}` }), untyped);
    const before = w.dictionaries.bytes;
    expect(before).toBeGreaterThan(100 * 64);
    w.features.ensure('v', 'numeric'); // a reference fixes the type the log had guessed
    expect(w.features.columns.get('v')?.type).toBe('numeric');
    expect(w.dictionaries.bytes).toBe(0);
  });
});

describe('ColumnarWindow prediction_id lookup', () => {
  /** The newest slot in the ring holding `id`, by scanning it (what slotOf must answer). */
  function newestSlot(w: ColumnarWindow, id: string): number | undefined {
    const slots = w.select({}, Number.POSITIVE_INFINITY);
    for (let i = slots.length - 1; i >= 0; i--) if (w.predictionIds[slots[i]!] === id) return slots[i];
    return undefined;
  }

  it('answers the same whether the map is built at the first lookup or kept from the start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 1500 }),
        fc.integer({ min: 0, max: 1500 }),
        (maxRows, budgetBytes, ids, lookupAt) => {
          // a small budget makes a window wrap before maxRows; both windows get the same one
          const early = new ColumnarWindow(maxRows, 10_000, 8, new WindowBudget(budgetBytes || Infinity));
          const late = new ColumnarWindow(maxRows, 10_000, 8, new WindowBudget(budgetBytes || Infinity));
          early.slotOf('none');
          ids.forEach((n, i) => {
            const r = { ...row(i), prediction_id: `p${n}` };
            early.append(r, untyped);
            late.append(r, untyped);
            // a lookup part-way switches `late` to keeping the map as well
            if (i === lookupAt) expect(late.slotOf(`p${n}`)).toBe(early.slotOf(`p${n}`));
          });
          for (let n = 0; n <= 400; n++) {
            const expected = newestSlot(early, `p${n}`);
            expect(early.slotOf(`p${n}`)).toBe(expected);
            expect(late.slotOf(`p${n}`)).toBe(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
