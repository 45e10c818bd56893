/** The units of work compare spreads over threads (compare/parallel.ts, compare/compare-thread.ts). */
import { type MultivariateFeature, multivariateDrift } from '../stats/multivariate';
import { compareFeature, type FeatureInput, type FeatureSettings } from './report';

/** One feature, or the multivariate tests over the numeric features. */
export type CompareTask =
  | { kind: 'feature'; input: FeatureInput }
  | { kind: 'multivariate'; features: MultivariateFeature[] };
export type CompareThreadRequest = { id: number; task: CompareTask };
export type CompareThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string };

/** Runs one task (in a compare thread or in the thread that started them). */
export function runTask(task: CompareTask, settings: FeatureSettings): unknown {
  return task.kind === 'feature' ? compareFeature(task.input, settings) : multivariateDrift(task.features);
}
