/**
 * A model's reference profile: per-feature column profiles (bin edges and proportions, min/max,
 * category sets, a bounded sample; see stats/profile.ts), the model output's profiles for prediction
 * drift, and a bounded set of labelled outcomes for performance baselines. Stored as JSON in SQLite.
 */
import { profileColumn } from '../stats/profile';
import type { ColumnProfile, ColumnType } from '../stats/types';
import { type Cell, InputError, isNumericColumn, type Table, toCategories, toNumbers } from './table';

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

export function profileCells(
  values: readonly Cell[],
  type: ColumnType | undefined,
  sampleCap: number,
): ColumnProfile {
  const numeric = type ? type === 'numeric' : isNumericColumn(values);
  if (numeric && type === 'numeric' && !isNumericColumn(values) && values.some((v) => v !== null)) {
    throw new InputError('a column declared numeric holds values that are not finite numbers');
  }
  return numeric
    ? profileColumn(toNumbers(values), { sampleCap })
    : profileColumn(toCategories(values), { sampleCap });
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
      features[name] = profileCells(table.columns.get(name)!, roles.types.get(name), sampleCap);
    } catch (err) {
      throw new InputError(`column "${name}": ${(err as Error).message}`);
    }
  }
  if (Object.keys(features).length === 0) throw new InputError('the reference has no feature columns');
  const scoreCells = table.columns.get(roles.score);
  if (scoreCells && !isNumericColumn(scoreCells) && scoreCells.some((v) => v !== null)) {
    throw new InputError(`column "${roles.score}": scores must be numbers in [0, 1]`);
  }
  const predictionCells = table.columns.get(roles.prediction);
  return {
    version: 1,
    rows: table.rows,
    features,
    score: scoreCells?.some((v) => v !== null) ? profileCells(scoreCells, 'numeric', sampleCap) : null,
    prediction: predictionCells?.some((v) => v !== null)
      ? profileCells(predictionCells, undefined, sampleCap)
      : null,
    outcomes: target ? outcomes(table, target, roles, sampleCap) : null,
    numericRows: numericRows(table, features),
  };
}

function numericRows(table: Table, features: Record<string, ColumnProfile>): ReferenceProfile['numericRows'] {
  const names = Object.keys(features).filter((n) => features[n]!.type === 'numeric');
  if (names.length === 0) return null;
  const columns = names.map((n) => toNumbers(table.columns.get(n)!));
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
  for (let i = 0; i < labels.length; i++) if (labels[i] !== null) labelled.push(i);
  if (labelled.length === 0) return null;
  // Evenly spaced rows when there are more than the cap, so the sample spans the whole reference.
  const step = Math.max(1, labelled.length / cap);
  const out = { label: [] as Cell[], prediction: [] as Cell[], score: [] as (number | null)[] };
  for (let k = 0; k < labelled.length && out.label.length < cap; k = Math.floor(out.label.length * step)) {
    const i = labelled[k]!;
    out.label.push(numberish(labels[i]!));
    out.prediction.push(predictions ? numberish(predictions[i] ?? null) : null);
    const s = scores?.[i];
    out.score.push(s === null || s === undefined ? null : Number(s));
  }
  return out;
}

/** CSV cells are strings: "1" and 1 must be the same label. */
function numberish(value: Cell): Cell {
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return value;
}

/** Feature types fixed by a reference (ingest rejects values of another type). */
export function profileTypes(profile: ReferenceProfile): Map<string, ColumnType> {
  return new Map(Object.entries(profile.features).map(([name, p]) => [name, p.type]));
}
