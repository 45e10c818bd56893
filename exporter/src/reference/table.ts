/**
 * Tabular input (reference uploads, `reference import`, `compare`) as typed columns: a numeric column is
 * a Float64Array (NaN = missing), a categorical one dictionary codes into its category strings (-1 =
 * missing). Files are read by read.ts; this module holds the column types and the docs/compare.md rule
 * for values that arrive as JavaScript cells (references built from the log, tests): empty, `NA`, `NaN`
 * and `null` are missing; a column is numeric when every non-missing value is a finite number.
 */
import { isMissingToken, parseFiniteNumber } from '../stats/profile';

export type Cell = number | string | boolean | null;

/** NaN marks a missing value (NaN and ±inf in numeric sources count as missing, docs/statistics.md). */
export interface NumericColumn {
  type: 'numeric';
  values: Float64Array;
}

/** `codes[i]` indexes `categories`; -1 marks a missing value. Categories are distinct. */
export interface CategoricalColumn {
  type: 'categorical';
  codes: Int32Array;
  categories: string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** Columns by name, all of length `rows`. */
export interface Table {
  names: string[];
  columns: Map<string, Column>;
  rows: number;
}

/** Unreadable or malformed input: HTTP 400 / CLI exit 2 with this message. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A column of `rows` missing values of the given type. */
/**
 * NaN for every non-finite value of out[at, at + n): NaN and ±inf are missing in a typed source
 * (docs/compare.md). A function of its own so V8 compiles the loop once (docs/benchmarks.md).
 */
export function nonFiniteToNaN(out: Float64Array, at: number, n: number): void {
  for (let i = at; i < at + n; i++) {
    const v = out[i]!;
    if (v - v !== 0) out[i] = Number.NaN;
  }
}

export function missingColumn(type: Column['type'], rows: number): Column {
  return type === 'numeric'
    ? { type, values: new Float64Array(rows).fill(Number.NaN) }
    : { type, codes: new Int32Array(rows).fill(-1), categories: [] };
}

/** Non-missing values of a column. */
export function presentCount(column: Column): number {
  let n = 0;
  if (column.type === 'numeric') {
    for (const v of column.values) if (!Number.isNaN(v)) n++;
  } else {
    for (const c of column.codes) if (c >= 0) n++;
  }
  return n;
}

/** Whether row i holds a value. */
export function isPresent(column: Column, i: number): boolean {
  return column.type === 'numeric' ? !Number.isNaN(column.values[i]!) : column.codes[i]! >= 0;
}

/** The value of row i as text (numbers in JavaScript's shortest form), null when missing. */
export function cellText(column: Column, i: number): string | null {
  if (column.type === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : String(v);
  }
  const c = column.codes[i]!;
  return c < 0 ? null : column.categories[c]!;
}

/**
 * The column as categories: a numeric column's values become their shortest text (`String(x)`), one
 * category per distinct value.
 */
export function asCategorical(column: Column): CategoricalColumn {
  if (column.type === 'categorical') return column;
  const index = new Map<number, number>();
  const categories: string[] = [];
  const codes = new Int32Array(column.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = column.values[i]!;
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    const key = v === 0 ? 0 : v; // -0 and 0 are one value
    let code = index.get(key);
    if (code === undefined) {
      code = categories.length;
      index.set(key, code);
      categories.push(String(key));
    }
    codes[i] = code;
  }
  return { type: 'categorical', codes, categories };
}

/** Counts per category (over present rows) and the number of missing rows. */
export function categoryCounts(column: CategoricalColumn): { counts: Map<string, number>; missing: number } {
  const perCode = new Float64Array(column.categories.length);
  let missing = 0;
  for (const c of column.codes) {
    if (c < 0) missing++;
    else perCode[c]! += 1;
  }
  const counts = new Map<string, number>();
  column.categories.forEach((cat, k) => {
    if (perCode[k]! > 0) counts.set(cat, perCode[k]!);
  });
  return { counts, missing };
}

/** For each category, the finite number its text denotes (docs/compare.md), or null. */
export function categoryNumbers(column: CategoricalColumn): (number | null)[] {
  return column.categories.map((c) => parseFiniteNumber(c));
}

/**
 * A column from JavaScript cells (docs/compare.md): null, missing tokens and non-finite numbers are missing;
 * numeric when every other cell is a finite number or a string denoting one, else categorical (numbers
 * and booleans then as `String(v)`).
 */
export function columnFromCells(cells: readonly (Cell | undefined)[]): Column {
  const n = cells.length;
  const values = new Float64Array(n);
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) {
    const v = cells[i];
    if (v === null || v === undefined) values[i] = Number.NaN;
    else if (typeof v === 'number') values[i] = Number.isFinite(v) ? v : Number.NaN;
    else if (typeof v === 'string') {
      if (isMissingToken(v)) values[i] = Number.NaN;
      else {
        const x = parseFiniteNumber(v);
        if (x === null) numeric = false;
        else values[i] = x;
      }
    } else numeric = false;
  }
  if (numeric) return { type: 'numeric', values };
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    const missing =
      v === null ||
      v === undefined ||
      (typeof v === 'number' && !Number.isFinite(v)) ||
      (typeof v === 'string' && isMissingToken(v));
    if (missing) {
      codes[i] = -1;
      continue;
    }
    const text = String(v);
    let code = index.get(text);
    if (code === undefined) {
      code = categories.length;
      index.set(text, code);
      categories.push(text);
    }
    codes[i] = code;
  }
  return { type: 'categorical', codes, categories };
}

/** A table from named cell arrays of equal length (references built in memory, tests). */
export function tableFromCells(
  columns: ReadonlyMap<string, readonly Cell[]> | Record<string, readonly Cell[]>,
): Table {
  const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
  const rows = entries[0]?.[1].length ?? 0;
  const table: Table = { names: [], columns: new Map(), rows };
  for (const [name, cells] of entries) {
    if (cells.length !== rows)
      throw new InputError(`column "${name}" has ${cells.length} rows, expected ${rows}`);
    table.names.push(name);
    table.columns.set(name, columnFromCells(cells));
  }
  return table;
}

/**
 * A prediction-shaped record `{features: {...}, attributes: {...}, prediction, score, label}` becomes
 * one flat row; a flat record stays as it is. Nested values other than those two are errors.
 */
export function flattenRecord(record: Record<string, unknown>, line: number): Map<string, Cell> {
  const row = new Map<string, Cell>();
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (
      (key === 'features' || key === 'attributes') &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      for (const [k, v] of Object.entries(value)) row.set(k, cell(v, line, k));
    } else {
      row.set(key, cell(value, line, key));
    }
  }
  return row;
}

function cell(value: unknown, line: number, key: string): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return isMissingToken(value) ? null : value;
  if (typeof value === 'boolean') return value;
  throw new InputError(`line ${line}: field "${key}" must be a number, string, boolean or null`);
}

/**
 * Accumulates rows with possibly different keys into aligned columns (absent = missing), in time linear
 * in the cells written: a column catches up with nulls when it is next written, and every column is
 * padded once when the table is built (one new key per line must not make it quadratic). `maxColumns`
 * stops a hostile input before it allocates a column per key (InputError).
 */
export class TableBuilder {
  private readonly cells = new Map<string, Cell[]>();
  rows = 0;

  constructor(private readonly maxColumns = Number.POSITIVE_INFINITY) {}

  add(row: Map<string, Cell>): void {
    for (const [key, value] of row) {
      let col = this.cells.get(key);
      if (!col) {
        if (this.cells.size >= this.maxColumns)
          throw new InputError(`more than ${this.maxColumns} columns (limits.max_features)`);
        col = [];
        this.cells.set(key, col);
      }
      while (col.length < this.rows) col.push(null);
      col.push(value);
    }
    this.rows++;
  }

  /** The rows so far as a typed table. */
  build(): Table {
    for (const col of this.cells.values()) while (col.length < this.rows) col.push(null);
    const table = tableFromCells(this.cells);
    table.rows = this.rows;
    return table;
  }

  get table(): Table {
    return this.build();
  }
}
