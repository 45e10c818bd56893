/** The units of work compare spreads over threads (compare/parallel.ts, compare/compare-thread.ts). */
import { buildProfile, type ColumnRoles } from '../reference/profile';
import type { Table } from '../reference/table';
import { type MultivariateFeature, multivariateDrift } from '../stats/multivariate';
import { compareFeature, type FeatureInput, type FeatureSettings } from './report';

/** One feature, the multivariate tests over the numeric features, or a reference profile (uploads). */
export type CompareTask =
  | { kind: 'feature'; input: FeatureInput }
  | { kind: 'multivariate'; features: MultivariateFeature[] }
  | { kind: 'profile'; table: Table; roles: ColumnRoles; sampleCap: number };
export type CompareThreadRequest = { id: number; task: CompareTask };
export type CompareThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string; stack?: string };

/** Runs one task (in a compare thread or in the thread that started them). */
export function runTask(task: CompareTask, settings: FeatureSettings): unknown {
  if (task.kind === 'feature') return compareFeature(task.input, settings);
  if (task.kind === 'multivariate') return multivariateDrift(task.features);
  return buildProfile(task.table, task.roles, task.sampleCap);
}
