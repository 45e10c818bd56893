/**
 * A model's reference profile: per-feature column profiles (bin edges and proportions, min/max,
 * category sets, a bounded sample; see stats/profile.ts), the model output's profiles for prediction
 * drift, and a bounded set of labelled outcomes for performance baselines. Stored as JSON in SQLite.
 */
import { parseFiniteNumber, profileCategoryCounts, profileNumeric } from '../stats/profile';
import type { ColumnProfile, ColumnType } from '../stats/types';
import {
  asCategorical,
  type Cell,
  type Column,
  categoryCounts,
  cellText,
  columnFromCells,
  InputError,
  isPresent,
  presentCount,
  type Table,
} from './table';

export interface ReferenceProfile {
  version: 1;
  rows: number;
  features: Record<string, ColumnProfile>;
  /** Profile of `score` (numeric), when the reference carries scores. */
  score: ColumnProfile | null;
  /** Profile of `prediction` (label or value), when present. */
  prediction: ColumnProfile | null;
  /** Labelled rows (at most the sample size), for performance baselines and label-free estimation. */
  outcomes: { label: Cell[]; prediction: Cell[]; score: (number | null)[] } | null;
  /**
   * Row-aligned sample of the numeric features (evenly spaced rows, at most MULTIVARIATE_ROWS) for the
   * multivariate tests, which need rows, not per-column distributions. Absent in profiles stored before it
   * existed: multivariate drift is then not evaluated until the reference is uploaded again.
   */
  numericRows?: { features: string[]; rows: number[][] } | null;
}

/** Reference rows kept for multivariate drift (the tests subsample at most 500 rows per side). */
export const MULTIVARIATE_ROWS = 2000;

/** How the columns of a reference table are used. */
export interface ColumnRoles {
  prediction: string;
  score: string;
  /** Ground-truth column names accepted, first match wins. */
  target: readonly string[];
  /** Protected attributes and segments: not features. */
  attributes: ReadonlySet<string>;
  /** Declared feature types (config) override the inferred ones. */
  types: ReadonlyMap<string, ColumnType>;
  /** Only these features (when the model disables discovery). */
  onlyFeatures?: ReadonlySet<string>;
}

/** Bookkeeping columns of the log that are never features. */
const IGNORED = new Set(['model', 'model_version', 'prediction_id', 'ts', 'latency_seconds', 'id']);

export const DEFAULT_ROLES: ColumnRoles = {
  prediction: 'prediction',
  score: 'score',
  target: ['label', 'target'],
  attributes: new Set(),
  types: new Map(),
};

/**
 * Profile of one reference column: numeric when declared so or, undeclared, when the column is numeric
 * and holds a value (an all-missing column profiles as categorical with everything missing).
 */
export function profileTableColumn(
  column: Column,
  type: ColumnType | undefined,
  sampleCap: number,
): ColumnProfile {
  const present = presentCount(column);
  if (type === 'numeric' && column.type !== 'numeric' && present > 0) {
    throw new InputError('a column declared numeric holds values that are not finite numbers');
  }
  const numeric = type ? type === 'numeric' : column.type === 'numeric' && present > 0;
  if (numeric) {
    const values =
      column.type === 'numeric' ? column.values : new Float64Array(column.codes.length).fill(Number.NaN);
    return profileNumeric(values, { sampleCap });
  }
  const { counts, missing } = categoryCounts(asCategorical(column));
  return profileCategoryCounts(counts, missing);
}

/** Profile of one column given as JavaScript cells (typed by the same rule as the file readers). */
export function profileCells(
  values: readonly Cell[],
  type: ColumnType | undefined,
  sampleCap: number,
): ColumnProfile {
  return profileTableColumn(columnFromCells(values), type, sampleCap);
}

export function buildProfile(table: Table, roles: ColumnRoles, sampleCap: number): ReferenceProfile {
  if (table.rows === 0) throw new InputError('the reference has no rows');
  const features: Record<string, ColumnProfile> = {};
  const target = roles.target.find((t) => table.columns.has(t));
  for (const name of table.names) {
    if (IGNORED.has(name) || roles.attributes.has(name)) continue;
    if (name === roles.prediction || name === roles.score || name === target) continue;
    if (roles.onlyFeatures && !roles.onlyFeatures.has(name)) continue;
    try {
      features[name] = profileTableColumn(table.columns.get(name)!, roles.types.get(name), sampleCap);
    } catch (err) {
      throw new InputError(`column "${name}": ${(err as Error).message}`);
    }
  }
  if (Object.keys(features).length === 0) throw new InputError('the reference has no feature columns');
  const scoreColumn = table.columns.get(roles.score);
  if (scoreColumn && scoreColumn.type !== 'numeric' && presentCount(scoreColumn) > 0) {
    throw new InputError(`column "${roles.score}": scores must be numbers in [0, 1]`);
  }
  const predictionColumn = table.columns.get(roles.prediction);
  return {
    version: 1,
    rows: table.rows,
    features,
    score:
      scoreColumn && presentCount(scoreColumn) > 0
        ? profileTableColumn(scoreColumn, 'numeric', sampleCap)
        : null,
    prediction:
      predictionColumn && presentCount(predictionColumn) > 0
        ? profileTableColumn(predictionColumn, undefined, sampleCap)
        : null,
    outcomes: target ? outcomes(table, target, roles, sampleCap) : null,
    numericRows: numericRows(table, features),
  };
}

function numericRows(table: Table, features: Record<string, ColumnProfile>): ReferenceProfile['numericRows'] {
  const names = Object.keys(features).filter((n) => features[n]!.type === 'numeric');
  if (names.length === 0) return null;
  const columns = names.map((n) => {
    const c = table.columns.get(n)!;
    return c.type === 'numeric' ? c.values : new Float64Array(table.rows).fill(Number.NaN);
  });
  const step = Math.max(1, table.rows / MULTIVARIATE_ROWS);
  const rows: number[][] = [];
  for (let k = 0; k < MULTIVARIATE_ROWS; k++) {
    const i = Math.floor(k * step);
    if (i >= table.rows) break;
    // JSON has no NaN: a missing value is stored as null and read back as NaN.
    rows.push(columns.map((c) => c[i]!));
  }
  return { features: names, rows };
}

function outcomes(
  table: Table,
  target: string,
  roles: ColumnRoles,
  cap: number,
): ReferenceProfile['outcomes'] {
  const labels = table.columns.get(target)!;
  const predictions = table.columns.get(roles.prediction);
  const scores = table.columns.get(roles.score);
  const labelled: number[] = [];
  for (let i = 0; i < table.rows; i++) if (isPresent(labels, i)) labelled.push(i);
  if (labelled.length === 0) return null;
  // Evenly spaced rows when there are more than the cap, so the sample spans the whole reference.
  const step = Math.max(1, labelled.length / cap);
  const out = { label: [] as Cell[], prediction: [] as Cell[], score: [] as (number | null)[] };
  for (let k = 0; k < labelled.length && out.label.length < cap; k = Math.floor(out.label.length * step)) {
    const i = labelled[k]!;
    out.label.push(numberish(labels, i));
    out.prediction.push(predictions ? numberish(predictions, i) : null);
    const s = scores?.type === 'numeric' ? scores.values[i]! : Number.NaN;
    out.score.push(Number.isNaN(s) ? null : s);
  }
  return out;
}

/** A label or prediction: a number when it denotes one ("1" and 1 are the same label), else its text. */
function numberish(column: Column, i: number): Cell {
  if (column.type === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const text = cellText(column, i);
  if (text === null) return null;
  return parseFiniteNumber(text) ?? text;
}

/** Feature types fixed by a reference (ingest rejects values of another type). */
export function profileTypes(profile: ReferenceProfile): Map<string, ColumnType> {
  return new Map(Object.entries(profile.features).map(([name, p]) => [name, p.type]));
}
