/**
 * The shape of a metric family and of the collectors that write them. A family keeps its kind, name
 * and label names as literal types, so the prom-client object made from it (its handle, see
 * handles.ts) is typed: `h.modelwatch_feature_drifted.set({ model, feature }, 1)` compiles only for a
 * family in the catalog, with the labels it declares.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Engine } from '../evaluate/engine';
import type { ModelMonitor } from '../evaluate/monitor';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  /** Full name including the `modelwatch_` prefix (counters include `_total`). */
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** Histogram bucket upper bounds (seconds). */
  buckets?: readonly number[];
  /** Set while the exporter does not fill the family yet (registered, with HELP, but no series). */
  pending?: string;
  /** When the family's series are written; see {@link refreshOf}. */
  refresh?: Refresh;
}

/**
 * `round`: rebuilt from the evaluation results after each evaluation round, and its text cached until
 * the next one; `live`: written as things happen or at each scrape, and serialised at every scrape.
 */
export type Refresh = 'round' | 'live';

/** Gauges are per round unless marked live; counters and histograms are live unless marked per round. */
export const refreshOf = (family: MetricFamily): Refresh =>
  family.refresh ?? (family.kind === 'gauge' ? 'round' : 'live');

/** The family, marked to be written `refresh` rather than as its kind's default. */
export const refreshed = <F extends MetricFamily>(refresh: Refresh, family: F): F => ({ ...family, refresh });

/** A family with its kind, name and labels as literal types. */
export interface Family<
  K extends MetricKind = MetricKind,
  N extends string = string,
  L extends string = string,
> extends MetricFamily {
  readonly kind: K;
  readonly name: N;
  readonly labels: readonly L[];
}

export function family<K extends MetricKind, N extends string, L extends string = never>(
  kind: K,
  name: N,
  labels: readonly L[],
  help: string,
  buckets?: readonly number[],
): Family<K, `modelwatch_${N}`, L> {
  const full = `modelwatch_${name}` as const;
  return buckets ? { name: full, kind, help, labels, buckets } : { name: full, kind, help, labels };
}

/** The prom-client object a family is exposed through. */
export type MetricOf<F> =
  F extends Family<'counter', string, infer L>
    ? Counter<L>
    : F extends Family<'gauge', string, infer L>
      ? Gauge<L>
      : F extends Family<'histogram', string, infer L>
        ? Histogram<L>
        : never;

/** Handles of a list of families, by full family name. */
export type HandlesOf<Fs extends readonly Family[]> = {
  readonly [F in Fs[number] as F['name']]: MetricOf<F>;
};

export type Labels<L extends string> = Partial<Record<L, string>>;

/** Sets a gauge series when the value is a finite number; absent values leave the series out. */
export function setFinite<L extends string>(
  gauge: Gauge<L>,
  labels: Labels<L>,
  value: number | null | undefined,
): void {
  if (value !== null && value !== undefined && Number.isFinite(value)) gauge.set(labels, value);
}

/**
 * One domain's collector: writes only the families of its handles `H`. The per-round parts read a
 * model's latest evaluation (computed by the engine; a collector never computes a statistic).
 */
export interface Collector<H> {
  /** The domain, for error reports. */
  readonly name: string;
  /** Once, when the exposition is created. */
  init?(h: H): void;
  /** Once per evaluation round, before the models: series that are not a model's. */
  round?(h: H, engine: Engine): void;
  /** Once per evaluation round for every monitored model, from its latest evaluation. */
  model?(h: H, monitor: ModelMonitor): void;
  /** On every scrape. */
  live?(h: H, engine: Engine): void;
}
