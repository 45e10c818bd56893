/**
 * The output side of prom-client: two registries (Prometheus text and OpenMetrics) over the same
 * metric objects, rendered a family at a time, and the one workaround for prom-client's internals
 * (counter names, below; exposition.test.ts fails if prom-client changes that behaviour). The cache of
 * the per-round text lives in registry.ts, which decides when it is stale.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import { Registry } from 'prom-client';

export type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** What the workaround reads and writes on prom-client's metric objects (undeclared in its typings). */
interface Named {
  type: string;
  name: string;
}

/**
 * The name to serialise a registered metric under, and its key in the registry. prom-client keeps
 * a registry's metrics by the name they were registered under (`modelwatch_x_total`), and writes an
 * OpenMetrics counter's samples as `<object name>_total`; its own `metrics()` renames the counter
 * object in place to the name without `_total`, which left the text format naming counters without
 * the suffix after an OpenMetrics scrape. So before each counter is written its object is named for
 * the format at hand: without `_total` for OpenMetrics, with it for the text format.
 */
export function nameCounterFor(metric: Named, openMetrics: boolean): string {
  if (metric.type !== 'counter') return metric.name;
  const base = metric.name.replace(/_total$/, '');
  metric.name = openMetrics ? base : `${base}_total`;
  return `${base}_total`;
}

/** The Prometheus text format and OpenMetrics views of the same metric objects. */
export class Exposition {
  readonly text = new Registry();
  readonly openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  constructor() {
    this.openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }
  register(metric: AnyMetric): void {
    this.text.registerMetric(metric);
    this.openMetrics.registerMetric(metric);
  }

  /**
   * The exposition text, one family at a time with `pause()` in between once `budgetMs` has passed
   * (thousands of series take ~20 ms to serialise); OpenMetrics without its closing "# EOF".
   */
  async render(
    openMetrics: boolean,
    pause: () => Promise<void> = async () => {},
    budgetMs = 4,
  ): Promise<string> {
    const registry = openMetrics ? this.openMetrics : this.text;
    const parts: string[] = [];
    let since = performance.now();
    for (const metric of registry.getMetricsAsArray()) {
      const key = nameCounterFor(metric as unknown as Named, openMetrics);
      parts.push(await registry.getSingleMetricAsString(key));
      if (performance.now() - since > budgetMs) {
        await pause();
        since = performance.now();
      }
    }
    return parts.length === 0 ? '' : `${parts.join(openMetrics ? '\n' : '\n\n')}\n`;
  }
}
