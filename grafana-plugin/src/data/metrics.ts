/**
 * The exporter's metric families this panel reads (names from exporter/src/metrics/catalog.ts) and
 * the direction rule of the drift tests (docs/statistics.md).
 */

import { DRIFT_TESTS } from './drift-tests.generated';
export const METRICS = {
  binRatio: 'modelwatch_feature_bin_ratio',
  score: 'modelwatch_feature_drift_score',
  threshold: 'modelwatch_feature_drift_threshold',
  pValue: 'modelwatch_feature_drift_p_value',
  drifted: 'modelwatch_feature_drifted',
  referenceRows: 'modelwatch_reference_rows',
  windowRows: 'modelwatch_window_rows',
  windowMinRows: 'modelwatch_window_min_rows',
} as const;

export type MetricKey = keyof typeof METRICS;
export type MetricName = (typeof METRICS)[MetricKey];

const KEY_BY_NAME: ReadonlyMap<string, MetricKey> = new Map(
  (Object.keys(METRICS) as MetricKey[]).map((key) => [METRICS[key], key]),
);

/** The panel's key for a Prometheus metric name, or undefined for metrics it does not read. */
export function metricKey(name: string | undefined): MetricKey | undefined {
  return name === undefined ? undefined : KEY_BY_NAME.get(name);
}

export function isKnownMetric(name: string | undefined): name is MetricName {
  return metricKey(name) !== undefined;
}

/** Tests whose score is a p-value: drift when score < threshold. Every other test drifts when score ≥ threshold. */
/** Tests whose score is a p-value (drift when lower), from the exporter's drift-test registry. */
export const DEFAULT_LOWER_IS_DRIFT_METHODS: readonly string[] = DRIFT_TESTS.filter(
  (t) => t.direction === 'p_value',
).map((t) => t.name);

export type DriftDirection = 'lower' | 'higher';

/** Default thresholds of docs/statistics.md, used only when the exporter's threshold series is missing. */
export function defaultThreshold(direction: DriftDirection): number {
  return direction === 'lower' ? 0.05 : 0.1;
}

/** Parse the "Lower-is-drift methods" option ("ks, chisquare,ztest") into method names. */
export function parseMethodList(text: string | undefined): string[] {
  if (text === undefined) {
    return [...DEFAULT_LOWER_IS_DRIFT_METHODS];
  }
  return text
    .split(/[\s,;]+/)
    .map((m) => m.trim().toLowerCase())
    .filter((m) => m.length > 0);
}
