/**
 * Per-model in-memory columnar window over the most recent predictions: a ring buffer with one
 * Float64Array per numeric column (NaN = missing) and dictionary-coded Int32Array per categorical
 * column (-1 = missing). Rows are appended as the incremental reader delivers them; evaluation
 * selects the rows of a window and reads columns without touching SQLite.
 *
 * Ground truth is joined onto the rows: `labels` holds each row's label (from feedback), found through
 * a `prediction_id → slot` map that follows the ring as it overwrites its oldest rows. The map is built
 * at the first label lookup and kept from then on, so a model that never gets feedback does not pay for
 * it on every appended row (docs/benchmarks.md, ingest).
 *
 * Memory follows the rows held, not the configured capacity: the arrays start at FIRST_SLOTS slots and
 * double as rows arrive, up to `maxRows`. A budget shared by every model's window
 * (`limits.max_window_bytes`) is charged for each allocation; when it is spent a window stops growing
 * and wraps at the size it has (it keeps its newest rows), and a new column is not created (its values
 * are dropped and counted like columns beyond `limits.max_features`). The category dictionaries draw from
 * the same budget, an entry at a time (DictionaryAccount): once it is spent a new value is folded into
 * `__other__` and counted, as when a dictionary reaches MAX_DICTIONARY entries.
 */

import type { ColumnType, CurrentColumn } from '../stats/types';
import type { LogRow } from '../store/reader';

/** Category used once a column's dictionary is full (bounded memory against hostile input). */
export const OTHER = '__other__';

/** Distinct strings a column keeps before folding new ones into `__other__`. */
export const MAX_DICTIONARY = 10_000;

/** Values the guards folded into `__other__` because a column's dictionary was full (cumulative). */
export interface FoldCount {
  values: number;
}

type Dictionary = { dict: string[]; index: Map<string, number> };

/** Bytes charged for one dictionary entry: its UTF-16 characters plus the string, array and Map entries. */
const dictionaryEntryBytes = (value: string): number => 2 * value.length + 64;

/**
 * The bytes a window's category dictionaries take, charged to the memory budget entry by entry
 * (dictionaries only grow: an entry stays while its column does).
 */
export class DictionaryAccount {
  bytes = 0;
  constructor(private readonly budget: WindowBudget) {}

  /** Charges a new entry; false when the budget has no room for it. */
  admit(value: string): boolean {
    const bytes = dictionaryEntryBytes(value);
    if (!this.budget.take(bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  /** Gives back a whole dictionary (its column was re-typed numeric). */
  release(dict: readonly string[]): void {
    let bytes = 0;
    for (const value of dict) bytes += dictionaryEntryBytes(value);
    bytes = Math.min(bytes, this.bytes);
    this.bytes -= bytes;
    this.budget.give(bytes);
  }
}

/** Slots a window allocates first; it doubles from there. */
export const FIRST_SLOTS = 64;

/** Bytes charged per slot for a prediction_id and a model_version (two references and a short string). */
const STRING_SLOT_BYTES = 48;
/** Bytes per slot of the buffers an evaluation encodes labels, predictions and scores into (monitor). */
const EVALUATION_SLOT_BYTES = 24;

/**
 * Memory the windows of one process may take (`limits.max_window_bytes`): every allocation is charged
 * here, and refused once `used` would exceed `limit`.
 */
export class WindowBudget {
  used = 0;
  constructor(readonly limit = Number.POSITIVE_INFINITY) {}

  /** Charges `bytes` when they fit (true) or leaves the budget as it is (false). */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

const columnBytes = (type: ColumnType): number => (type === 'numeric' ? 8 : 4);

function growFloat(a: Float64Array, n: number, fill: number): Float64Array {
  const out = new Float64Array(n);
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}

function growInt(a: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  out.set(a);
  out.fill(-1, a.length);
  return out;
}

/** `stamp`: the row (ColumnSet write counter) that last wrote the column. */
type Column =
  | { type: 'numeric'; data: Float64Array; stamp: number }
  | { type: 'categorical'; codes: Int32Array; dict: string[]; index: Map<string, number>; stamp: number };

const ALWAYS_CATEGORICAL = (): ColumnType => 'categorical';

/** A group of columns sharing the ring's slots (features, attributes, or model outputs). */
class ColumnSet {
  readonly columns = new Map<string, Column>();
  /** Values that did not fit the column's type, per column (counted, stored as missing). */
  readonly violations = new Map<string, number>();
  /** Values of columns beyond `maxColumns`, which are not kept (cumulative). */
  dropped = 0;

  constructor(
    private capacity: number,
    private readonly maxDictionary: number,
    private readonly folds: FoldCount,
    /** Distinct columns kept; a hostile client naming a new feature per row cannot grow memory. */
    private readonly maxColumns = Number.MAX_SAFE_INTEGER,
    private readonly budget = new WindowBudget(),
    private readonly account = new DictionaryAccount(budget),
  ) {}

  /** Bytes one slot takes across the set's columns. */
  get slotBytes(): number {
    let n = 0;
    for (const col of this.columns.values()) n += columnBytes(col.type);
    return n;
  }

  /** The column, created (or re-typed) as needed; undefined when the memory budget has no room for it. */
  ensure(name: string, type: ColumnType): Column | undefined {
    let col = this.columns.get(name);
    if (col && col.type !== type) {
      const delta = (columnBytes(type) - columnBytes(col.type)) * this.capacity;
      if (delta > 0 && !this.budget.take(delta)) return undefined;
      if (delta < 0) this.budget.give(-delta);
      if (col.type === 'categorical') this.account.release(col.dict);
      col = convert(col, type, this.capacity, this.account);
      this.columns.set(name, col);
    }
    if (!col) {
      if (!this.budget.take(columnBytes(type) * this.capacity)) return undefined;
      col =
        type === 'numeric'
          ? { type, data: new Float64Array(this.capacity).fill(Number.NaN), stamp: 0 }
          : { type, codes: new Int32Array(this.capacity).fill(-1), dict: [], index: new Map(), stamp: 0 };
      this.columns.set(name, col);
    }
    return col;
  }

  /** Re-allocates every column at `capacity` slots, keeping slots [0, old capacity) (budget charged by the window). */
  grow(capacity: number): void {
    for (const col of this.columns.values()) {
      if (col.type === 'numeric') col.data = growFloat(col.data, capacity, Number.NaN);
      else col.codes = growInt(col.codes, capacity);
    }
    this.capacity = capacity;
  }

  private stamp = 0;

  /**
   * Writes one row's values into `slot`; columns absent from `values` get a missing value. One pass
   * over the row's keys (ingest hot path); the columns it did not mention are found by their stamp.
   */
  write(
    slot: number,
    values: Record<string, unknown> | null,
    typeOf: (name: string) => ColumnType | undefined,
  ): void {
    const stamp = ++this.stamp;
    let written = 0;
    if (values) {
      for (const name in values) {
        const value = values[name];
        let col = this.columns.get(name);
        if (col === undefined) {
          if (value === null || value === undefined) continue;
          if (this.columns.size >= this.maxColumns) {
            this.dropped++;
            continue;
          }
          col = this.ensure(name, typeOf(name) ?? (typeof value === 'number' ? 'numeric' : 'categorical'));
          if (col === undefined) {
            this.dropped++;
            continue;
          }
        }
        this.put(col, name, slot, value);
        col.stamp = stamp;
        written++;
      }
    }
    if (written < this.columns.size) {
      for (const [name, col] of this.columns) if (col.stamp !== stamp) this.put(col, name, slot, undefined);
    }
  }

  /** Writes a single column's value (the set holds just this one column, such as `prediction`). */
  writeOne(slot: number, name: string, value: unknown): void {
    let col = this.columns.get(name);
    if (col === undefined) {
      if (value === null || value === undefined) return;
      col = this.ensure(name, typeof value === 'number' ? 'numeric' : 'categorical');
      if (col === undefined) return;
    }
    this.put(col, name, slot, value);
  }

  private put(col: Column, name: string, slot: number, value: unknown): void {
    if (col.type === 'numeric') {
      if (typeof value === 'number' && Number.isFinite(value)) col.data[slot] = value;
      else {
        col.data[slot] = Number.NaN;
        if (value !== null && value !== undefined && typeof value !== 'number') this.violate(name);
      }
    } else if (value === null || value === undefined || typeof value === 'object') {
      col.codes[slot] = -1;
      if (typeof value === 'object' && value !== null) this.violate(name);
    } else {
      col.codes[slot] = code(col, String(value), this.maxDictionary, this.folds, this.account);
    }
  }

  private violate(name: string): void {
    this.violations.set(name, (this.violations.get(name) ?? 0) + 1);
  }
}

/**
 * The value's code in the dictionary, adding it while there is room: fewer than `max` entries and, with an
 * account, memory in the budget. Otherwise the value is `__other__` (counted in `folds`).
 */
function code(
  col: Dictionary,
  value: string,
  max: number,
  folds?: FoldCount,
  account?: DictionaryAccount,
): number {
  let c = col.index.get(value);
  if (c === undefined) {
    const full =
      col.dict.length >= max || (account !== undefined && value !== OTHER && !account.admit(value));
    if (full && folds) folds.values++;
    const key = full ? OTHER : value;
    c = col.index.get(key);
    if (c === undefined) {
      c = col.dict.length;
      col.dict.push(key);
      col.index.set(key, c);
    }
  }
  return c;
}

/** Re-types a column in place of the old one (a reference fixes a type the log had guessed otherwise). */
function convert(col: Column, type: ColumnType, capacity: number, account: DictionaryAccount): Column {
  if (col.type === 'numeric' && type === 'categorical') {
    const out: Column = {
      type,
      codes: new Int32Array(capacity).fill(-1),
      dict: [],
      index: new Map(),
      stamp: col.stamp,
    };
    for (let i = 0; i < capacity; i++) {
      const v = col.data[i]!;
      if (!Number.isNaN(v)) out.codes[i] = code(out, String(v), Number.MAX_SAFE_INTEGER, undefined, account);
    }
    return out;
  }
  if (col.type === 'categorical' && type === 'numeric') {
    const data = new Float64Array(capacity).fill(Number.NaN);
    const asNumber = col.dict.map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
    for (let i = 0; i < capacity; i++) {
      const c = col.codes[i]!;
      if (c >= 0) data[i] = asNumber[c]!;
    }
    return { type, data, stamp: col.stamp };
  }
  return col;
}

/**
 * One scalar per slot, typed: finite numbers (booleans as 1/0) in `num`, strings dictionary-coded in
 * `code` (at most `maxDictionary` distinct strings, the rest `__other__`). A slot holds at most one of
 * the two; neither means missing. Used for the label and the prediction as logged.
 */
export class ScalarColumn {
  num: Float64Array;
  code: Int32Array;
  readonly dict: string[] = [];
  readonly index = new Map<string, number>();

  constructor(
    capacity: number,
    private readonly maxDictionary: number,
    private readonly folds?: FoldCount,
    private readonly account?: DictionaryAccount,
  ) {
    this.num = new Float64Array(capacity).fill(Number.NaN);
    this.code = new Int32Array(capacity).fill(-1);
  }

  grow(capacity: number): void {
    this.num = growFloat(this.num, capacity, Number.NaN);
    this.code = growInt(this.code, capacity);
  }

  /** Stores `value` in `slot`; anything but a finite number, a boolean or a string is stored as missing. */
  set(slot: number, value: unknown): void {
    this.num[slot] = Number.NaN;
    this.code[slot] = -1;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) this.num[slot] = value;
    } else if (typeof value === 'boolean') this.num[slot] = value ? 1 : 0;
    else if (typeof value === 'string')
      this.code[slot] = code(this, value, this.maxDictionary, this.folds, this.account);
  }

  has(slot: number): boolean {
    return !Number.isNaN(this.num[slot]!) || this.code[slot]! >= 0;
  }

  get(slot: number): number | string | null {
    const n = this.num[slot]!;
    if (!Number.isNaN(n)) return n;
    const c = this.code[slot]!;
    return c >= 0 ? this.dict[c]! : null;
  }
}

export interface WindowSpec {
  rows?: number | undefined;
  /** Seconds back from `now`. */
  duration?: number | undefined;
}

export class ColumnarWindow {
  ids: Float64Array;
  ts: Float64Array;
  scores: Float64Array;
  predictionIds: string[];
  versions: (string | null)[];
  readonly features: ColumnSet;
  readonly attributes: ColumnSet;
  /** The model output: `prediction` (label or value) and `score`. */
  readonly outputs: ColumnSet;
  /** The prediction as logged, typed (classes and values for performance). */
  readonly predictions: ScalarColumn;
  /** Ground truth joined from feedback (missing until the label arrives). */
  readonly labels: ScalarColumn;
  /** Per slot: 1 once the slot's label was counted as unusable (so it is counted once). */
  labelRejected: Uint8Array;
  /** Slots allocated now (slot indexes are below it); grows by doubling up to `maxRows`. */
  capacity: number;
  /** True once the ring wrapped: it overwrites its oldest rows and no longer grows. */
  private wrapped = false;
  /** prediction_id → its newest slot; null until the first lookup (slotOf builds it). */
  private slotOfId: Map<string, number> | null = null;
  private head = 0;
  private count = 0;
  /** Rows in the ring that hold a label. */
  labelled = 0;
  /** Rows ever appended (including those that have left the ring). */
  appended = 0;
  /** Category values folded into `__other__` by a full dictionary, in any column (cumulative). */
  readonly folds: FoldCount = { values: 0 };
  /** The category dictionaries' share of the budget. */
  readonly dictionaries: DictionaryAccount;

  constructor(
    /** Rows the ring may hold (the largest window asked for, within limits.max_window_rows). */
    readonly maxRows: number,
    maxDictionary = MAX_DICTIONARY,
    /** Distinct feature (and attribute) columns kept per model. */
    maxColumns = Number.MAX_SAFE_INTEGER,
    private readonly budget = new WindowBudget(),
  ) {
    const capacity = Math.min(maxRows, FIRST_SLOTS);
    this.capacity = capacity;
    this.dictionaries = new DictionaryAccount(budget);
    this.budget.used += capacity * FIXED_SLOT_BYTES; // the first slots are always granted
    this.ids = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.scores = new Float64Array(capacity).fill(Number.NaN);
    this.predictionIds = new Array<string>(capacity).fill('');
    this.versions = new Array<string | null>(capacity).fill(null);
    const account = this.dictionaries;
    this.features = new ColumnSet(capacity, maxDictionary, this.folds, maxColumns, budget, account);
    this.attributes = new ColumnSet(capacity, maxDictionary, this.folds, maxColumns, budget, account);
    // folds counted by `predictions`
    this.outputs = new ColumnSet(
      capacity,
      maxDictionary,
      { values: 0 },
      Number.MAX_SAFE_INTEGER,
      budget,
      account,
    );
    this.predictions = new ScalarColumn(capacity, maxDictionary, this.folds, account);
    this.labels = new ScalarColumn(capacity, maxDictionary, this.folds, account);
    this.labelRejected = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes one slot takes: the fixed per-row arrays plus one element of every column. */
  get slotBytes(): number {
    return FIXED_SLOT_BYTES + this.features.slotBytes + this.attributes.slotBytes + this.outputs.slotBytes;
  }

  /**
   * Memory the window takes: its arrays (slots × slot bytes, prediction ids estimated at 48 bytes a slot)
   * and its category dictionaries.
   */
  get bytes(): number {
    return this.capacity * this.slotBytes + this.dictionaries.bytes;
  }

  /**
   * Doubles the slots (at most `maxRows`) when the memory budget allows; false leaves the ring as it
   * is, to wrap at its current size. Only before the first wrap, so slots keep their rows' order.
   */
  private grow(): boolean {
    const next = Math.min(this.maxRows, this.capacity * 2);
    if (!this.budget.take((next - this.capacity) * this.slotBytes)) return false;
    this.ids = growFloat(this.ids, next, 0);
    this.ts = growFloat(this.ts, next, 0);
    this.scores = growFloat(this.scores, next, Number.NaN);
    // New arrays rather than a longer `length`, which would leave holes (slow element access).
    const ids = new Array<string>(next).fill('');
    const versions = new Array<string | null>(next).fill(null);
    for (let i = 0; i < this.capacity; i++) {
      ids[i] = this.predictionIds[i]!;
      versions[i] = this.versions[i]!;
    }
    this.predictionIds = ids;
    this.versions = versions;
    const rejected = new Uint8Array(next);
    rejected.set(this.labelRejected);
    this.labelRejected = rejected;
    this.features.grow(next);
    this.attributes.grow(next);
    this.outputs.grow(next);
    this.predictions.grow(next);
    this.labels.grow(next);
    this.head = this.capacity;
    this.capacity = next;
    return true;
  }

  /** Appends a row, overwriting the oldest when full; `typeOf` gives declared feature types. */
  append(row: LogRow, typeOf: (feature: string) => ColumnType | undefined): number {
    if (this.count === this.capacity && !this.wrapped && (this.capacity >= this.maxRows || !this.grow()))
      this.wrapped = true;
    const slot = this.head;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    else {
      // Overwriting the oldest row: forget its prediction_id and its label.
      const old = this.predictionIds[slot]!;
      const index = this.slotOfId;
      if (index !== null && index.get(old) === slot) index.delete(old);
      this.setLabel(slot, null);
    }
    this.appended++;
    this.ids[slot] = row.id;
    this.ts[slot] = row.ts;
    this.scores[slot] = row.score ?? Number.NaN;
    this.predictionIds[slot] = row.prediction_id;
    this.versions[slot] = row.model_version;
    this.features.write(slot, row.features, typeOf);
    this.attributes.write(slot, row.attributes, ALWAYS_CATEGORICAL);
    this.outputs.writeOne(slot, 'prediction', row.prediction);
    this.predictions.set(slot, row.prediction);
    this.slotOfId?.set(row.prediction_id, slot);
    return slot;
  }

  /** Slot of the row with this prediction_id, or undefined when it is not (or no longer) in the ring. */
  slotOf(predictionId: string): number | undefined {
    this.slotOfId ??= this.indexIds();
    return this.slotOfId.get(predictionId);
  }

  /**
   * The prediction_id → slot map of the rows in the ring, oldest first so that a repeated id maps to
   * its newest row (as appending keeps it). One pass over the window, once per window: append keeps
   * the map from then on.
   */
  private indexIds(): Map<string, number> {
    const index = new Map<string, number>();
    for (let k = this.count; k >= 1; k--) {
      const slot = (this.head - k + this.capacity) % this.capacity;
      index.set(this.predictionIds[slot]!, slot);
    }
    return index;
  }

  /** Sets (or, with null, removes) the label of a slot; a later call replaces an earlier label. */
  setLabel(slot: number, label: unknown): void {
    const had = this.labels.has(slot);
    this.labels.set(slot, label);
    this.labelRejected[slot] = 0;
    const has = this.labels.has(slot);
    if (had !== has) this.labelled += has ? 1 : -1;
  }

  /** Slots of the rows in the window, oldest first: the newest `rows` rows with ts ≥ now − duration. */
  select(spec: WindowSpec, now: number): Int32Array {
    const limit = Math.min(spec.rows ?? this.count, this.count);
    const cutoff = spec.duration === undefined ? Number.NEGATIVE_INFINITY : now - spec.duration;
    const picked = new Int32Array(limit);
    let n = 0;
    for (let k = 1; k <= this.count && n < limit; k++) {
      const slot = (this.head - k + this.capacity) % this.capacity;
      if (this.ts[slot]! >= cutoff) picked[n++] = slot;
    }
    const out = picked.subarray(0, n);
    out.reverse();
    return out;
  }

  /** Time range covered by the selected slots. */
  span(slots: Int32Array): { from: number | null; to: number | null } {
    if (slots.length === 0) return { from: null, to: null };
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const s of slots) {
      const t = this.ts[s]!;
      if (t < from) from = t;
      if (t > to) to = t;
    }
    return { from, to };
  }
}

/** Bytes per slot of the arrays every window has: ids, ts, scores, labelRejected, the two scalar columns, strings. */
const FIXED_SLOT_BYTES = 8 + 8 + 8 + 1 + 2 * (8 + 4) + STRING_SLOT_BYTES + EVALUATION_SLOT_BYTES;

/** Reads one column of a ColumnSet over the selected slots in the shape the drift tests take. */
export function currentColumn(set: ColumnSet, name: string, slots: Int32Array): CurrentColumn | undefined {
  const col = set.columns.get(name);
  if (!col) return undefined;
  if (col.type === 'numeric') {
    const values = new Float64Array(slots.length);
    for (let i = 0; i < slots.length; i++) values[i] = col.data[slots[i]!]!;
    return { type: 'numeric', values };
  }
  const tally = new Float64Array(col.dict.length);
  let missing = 0;
  for (let i = 0; i < slots.length; i++) {
    const c = col.codes[slots[i]!]!;
    if (c < 0) missing++;
    else tally[c]!++;
  }
  const counts = new Map<string, number>();
  for (let c = 0; c < tally.length; c++) if (tally[c]! > 0) counts.set(col.dict[c]!, tally[c]!);
  return { type: 'categorical', counts, missing };
}

/** Numeric view of the score over the selected slots (NaN where absent). */
export function scoreColumn(window: ColumnarWindow, slots: Int32Array): Float64Array {
  const out = new Float64Array(slots.length);
  for (let i = 0; i < slots.length; i++) out[i] = window.scores[slots[i]!]!;
  return out;
}

export type { ColumnSet };
