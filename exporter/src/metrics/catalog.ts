/**
 * Every metric family the exporter exposes, in exposition order. Each domain's families are defined
 * beside the collector that writes them (traffic.ts, drift.ts, performance.ts, fairness.ts,
 * quality.ts, health.ts); registration (registry.ts), the metrics reference (docs/metrics.md) and
 * the dashboard and alert checks all read this list, so a family cannot be queried by a dashboard
 * without being defined. Names follow the Prometheus naming conventions (docs/metrics.md).
 */
import { DRIFT_FAMILIES } from './drift';
import { FAIRNESS_FAMILIES } from './fairness';
import type { HandlesOf, MetricFamily } from './family';
import { HEALTH_FAMILIES } from './health';
import { PERFORMANCE_FAMILIES } from './performance';
import { QUALITY_FAMILIES } from './quality';
import { TRAFFIC_FAMILIES } from './traffic';

export type { MetricFamily, MetricKind } from './family';

export const CATALOG = [
  ...TRAFFIC_FAMILIES,
  ...DRIFT_FAMILIES,
  ...PERFORMANCE_FAMILIES,
  ...FAIRNESS_FAMILIES,
  ...QUALITY_FAMILIES,
  ...HEALTH_FAMILIES,
] as const;

/** A family name of the catalog. */
export type FamilyName = (typeof CATALOG)[number]['name'];

/** The prom-client object of every catalog family, by name. */
export type Handles = HandlesOf<typeof CATALOG>;

export const CATALOG_BY_NAME: ReadonlyMap<string, MetricFamily> = new Map(CATALOG.map((f) => [f.name, f]));
