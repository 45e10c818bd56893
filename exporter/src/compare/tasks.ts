/** The units of work compare spreads over threads (compare/parallel.ts, compare/compare-thread.ts). */
import { type NumericCsvRequest, readNumericCsv } from '../reference/numeric-csv';
import { readNumericParquet } from '../reference/numeric-parquet';
import { buildProfile, type ColumnRoles } from '../reference/profile';
import type { Table } from '../reference/table';
import { type MultivariateFeature, multivariateDrift } from '../stats/multivariate';
import { compareFeature, type FeatureInput, type FeatureSettings } from './report';

/**
 * One feature, the multivariate tests over the numeric features, a reference profile (uploads), or the
 * read of a plain numeric CSV or Parquet file (reference/numeric-csv.ts, numeric-parquet.ts: its columns
 * come back on shared buffers).
 */
export type CompareTask =
  | { kind: 'feature'; input: FeatureInput }
  | { kind: 'multivariate'; features: MultivariateFeature[] }
  | { kind: 'profile'; table: Table; roles: ColumnRoles; sampleCap: number }
  | { kind: 'numeric-csv'; request: NumericCsvRequest; claim?: Int32Array }
  | { kind: 'numeric-parquet'; path: string; claim?: Int32Array };
export type CompareThreadRequest = { id: number; task: CompareTask };
export type CompareThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string; stack?: string };

/** A read's `claim` word: nobody has it yet; the thread that sent it took it back; the compare thread has it. */
export const UNCLAIMED = 0;
export const CLAIMED_HERE = 1;
const CLAIMED_THERE = 2;
/** The reply to a read whose claim the sending thread won (parallel.ts readOnPool). */
export const TAKEN = 'taken';

/** Runs one task (in a compare thread or in the thread that started them). Only features need settings. */
export function runTask(task: CompareTask, settings: FeatureSettings | undefined): unknown {
  if (
    (task.kind === 'numeric-csv' || task.kind === 'numeric-parquet') &&
    task.claim !== undefined &&
    Atomics.compareExchange(task.claim, 0, UNCLAIMED, CLAIMED_THERE) !== UNCLAIMED
  )
    return TAKEN;
  if (task.kind === 'feature') {
    if (settings === undefined) throw new Error('a compare task came before its settings');
    return compareFeature(task.input, settings);
  }
  if (task.kind === 'multivariate') return multivariateDrift(task.features);
  if (task.kind === 'numeric-csv') return readNumericCsv(task.request);
  if (task.kind === 'numeric-parquet') return readNumericParquet(task.path);
  return buildProfile(task.table, task.roles, task.sampleCap);
}
