/**
 * `prediction_latency_seconds` as a prom-client metric read from the monitors' cumulative tallies at
 * scrape (see PredictionTally): ingest only increments an array slot per row, where a prom-client
 * Histogram would hash its labels on every observation (~0.7 µs per row on the ingest hot path).
 */
import type { Histogram, MetricObjectWithValues, MetricType, MetricValueWithName } from 'prom-client';
import type { PredictionTally } from '../evaluate/telemetry';
import { LATENCY_BUCKETS } from '../evaluate/telemetry';
import type { MetricFamily } from './catalog';

export class TallyHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly name: string;
  readonly help: string;

  constructor(
    family: MetricFamily,
    /** The tallies to expose, by model label value. */
    private readonly tallies: () => Iterable<[string, PredictionTally]>,
  ) {
    this.name = family.name;
    this.help = family.help;
  }

  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const [model, tally] of this.tallies()) {
      if (tally.latencyCount === 0) continue;
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, b) => {
        cumulative += tally.latencyBuckets[b]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { model, le }, value: cumulative });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { model, le: '+Inf' },
        value: tally.latencyCount,
      });
      values.push({ metricName: `${this.name}_sum`, labels: { model }, value: tally.latencySum });
      values.push({ metricName: `${this.name}_count`, labels: { model }, value: tally.latencyCount });
    }
    // prom-client's typings declare a numeric enum; at run time (and in the exposition) the type is a string
    const type = this.type as unknown as MetricType;
    return { name: this.name, help: this.help, type, aggregator: this.aggregator, collect: () => {}, values };
  }

  /** Counts live in the monitors; nothing to reset here. */
  reset(): void {}
}

/** The registry accepts any object with prom-client's metric shape. */
export function asHistogram(metric: TallyHistogram): Histogram<string> {
  return metric as unknown as Histogram<string>;
}
