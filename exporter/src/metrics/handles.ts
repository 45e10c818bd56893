/**
 * Creates the prom-client object of every catalog family, and prom-client's default process
 * metrics except three gauges whose names end in `_total` (nodejs_active_{handles,requests,resources}_total),
 * which break the Prometheus naming rules and `promtool check metrics`.
 */
import client, { Registry } from 'prom-client';
import type { Engine } from '../evaluate/engine';
import { CATALOG, type Handles } from './catalog';
import type { AnyMetric } from './exposition';
import type { MetricFamily } from './family';
import { asHistogram, TallyHistogram } from './tally-histogram';
import { tallies } from './traffic';

/** Default metrics that violate the `_total`-is-a-counter convention; left out deliberately. */
export const EXCLUDED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** prom-client's default process metrics, without the excluded ones. */
export function defaultMetrics(): AnyMetric[] {
  const defaults = new Registry();
  client.collectDefaultMetrics({ register: defaults });
  return defaults
    .getMetricsAsArray()
    .filter((m) => !(EXCLUDED_DEFAULT_METRICS as readonly string[]).includes(m.name))
    .map((m) => m as unknown as AnyMetric);
}

function create(family: MetricFamily, engine: () => Engine | null): AnyMetric {
  if (family.name === 'modelwatch_prediction_latency_seconds')
    return asHistogram(new TallyHistogram(family, () => tallies(engine())));
  const base = { name: family.name, help: family.help, labelNames: [...family.labels], registers: [] };
  switch (family.kind) {
    case 'counter':
      return new client.Counter(base);
    case 'histogram':
      return new client.Histogram({ ...base, buckets: [...(family.buckets ?? [])] });
    case 'gauge':
      return new client.Gauge(base);
  }
}

/**
 * One object per catalog family, in catalog order: by family (for registration) and as `Handles`,
 * which types each by the family's kind and labels. The loop cannot show the compiler that every
 * name is filled with the right kind, hence the one cast.
 */
export function createHandles(engine: () => Engine | null): {
  handles: Handles;
  metrics: [MetricFamily, AnyMetric][];
} {
  const metrics = CATALOG.map((family): [MetricFamily, AnyMetric] => [family, create(family, engine)]);
  const handles = Object.fromEntries(metrics.map(([family, metric]) => [family.name, metric]));
  return { handles: handles as unknown as Handles, metrics };
}
