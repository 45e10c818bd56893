/**
 * Prometheus exposition with prom-client. Every family comes from the catalog and is written by the
 * collector of its domain (traffic, drift, quality, performance, fairness, health). Counters and
 * histograms are fed by `Telemetry` events as they happen, except the per-row ones (predictions by
 * version, serving latency), read from the monitors' tallies at scrape; gauges derived from evaluations
 * are rebuilt from the engine's cached results only when a new evaluation round finished — a scrape
 * never computes a statistic.
 */
import type { Engine } from '../evaluate/engine';
import type { LabelRejectReason, Telemetry, WriteKind } from '../evaluate/telemetry';
import type { RejectReason } from '../ingest/errors';
import type { CloudEventTelemetry, EventKind } from '../ingest/kserve';
import type { Handles } from './catalog';
import { drift } from './drift';
import { type AnyMetric, Exposition } from './exposition';
import { fairness } from './fairness';
import { type Collector, refreshOf } from './family';
import { createHandles, defaultMetrics } from './handles';
import { health } from './health';
import { performance } from './performance';
import { quality } from './quality';
import { traffic } from './traffic';

export { EXCLUDED_DEFAULT_METRICS } from './handles';

/** The collectors, run in this order for every model. */
const COLLECTORS: readonly Collector<Handles>[] = [traffic, health, drift, quality, performance, fairness];

export interface MetricsOptions {
  /**
   * Told when a collector throws (model: null outside a model's evaluation). Each collector runs on
   * its own: the others, and the same collector for other models, still write their series.
   */
  onCollectorError?: (collector: string, model: string | null, err: unknown) => void;
  /** The collectors (default: every domain's); for tests. */
  collectors?: readonly Collector<Handles>[];
}

export class Metrics implements Telemetry, CloudEventTelemetry {
  /**
   * Two expositions: `live` (counters, histograms, gauges refreshed per scrape, process metrics) is
   * serialised on every scrape; `perRound` (the evaluation gauges and per-bin counters: thousands of
   * series for 10 models x 20 features) only changes after an evaluation round, so its text is
   * rendered once per round and reused by every scrape until the next one.
   */
  private readonly live = new Exposition();
  private readonly perRound = new Exposition();
  private readonly roundFamilies: AnyMetric[] = [];
  /** The per-round text by format (true: OpenMetrics), encoded. */
  private roundText = new Map<boolean, Buffer>();
  private readonly h: Handles;
  private engine: Engine | null = null;
  private builtGeneration = -1;
  private readonly collectors: readonly Collector<Handles>[];
  private readonly onCollectorError: NonNullable<MetricsOptions['onCollectorError']>;

  constructor(options: MetricsOptions = {}) {
    this.collectors = options.collectors ?? COLLECTORS;
    this.onCollectorError = options.onCollectorError ?? (() => {});
    for (const metric of defaultMetrics()) this.live.register(metric);
    const { handles, metrics } = createHandles(() => this.engine);
    this.h = handles;
    for (const [family, metric] of metrics) {
      if (refreshOf(family) === 'round') {
        this.perRound.register(metric);
        this.roundFamilies.push(metric);
      } else this.live.register(metric);
    }
    for (const c of this.collectors) this.isolated(c, null, () => c.init?.(this.h));
  }

  /** Connects the collectors to the engine's results. */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  /** The exposition for a scrape; OpenMetrics when the scraper asks for it. */
  async render(accept: string | undefined): Promise<{ contentType: string; body: Buffer }> {
    // One render at a time: each format names the counter objects its own way (see exposition.ts).
    const next = this.rendering.then(() => this.renderNow(accept));
    this.rendering = next.catch(() => {});
    return next;
  }
  private rendering: Promise<unknown> = Promise.resolve();

  private async renderNow(accept: string | undefined): Promise<{ contentType: string; body: Buffer }> {
    const engine = this.engine;
    if (engine) for (const c of this.collectors) this.isolated(c, null, () => c.live?.(this.h, engine));
    const om = accept?.includes('application/openmetrics-text') ?? false;
    const contentType = om ? this.live.openMetrics.contentType : this.live.text.contentType;
    this.formats.add(om);
    const stale = engine !== null && engine.generation !== this.builtGeneration;
    // After a scheduled round the previous round's text is served while the new one is built in
    // steps (see roundFinished); otherwise (start-up, tests driving evaluateAll) wait for it.
    if (stale && !(this.rebuilding && this.roundText.has(om))) await this.rebuild(async () => {});
    let cached = this.roundText.get(om);
    if (cached === undefined) {
      cached = Buffer.from(await this.perRound.render(om));
      this.roundText.set(om, cached);
    }
    const live = (await this.live.render(om)) + (om ? '# EOF\n' : '');
    return { contentType, body: Buffer.concat([cached, Buffer.from(live)]) };
  }

  /** Formats scraped so far (false: text, true: OpenMetrics): a rebuild renders these. */
  private readonly formats = new Set<boolean>();
  private rebuilding: Promise<void> | null = null;

  /**
   * Called by the engine after a scheduled evaluation round: rebuilds the per-round families and
   * their text in steps, handing the event loop back in between, so no scrape waits for the ~20 ms
   * a 10-model exposition takes to build; scrapes meanwhile get the previous round's text.
   */
  roundFinished(): void {
    this.rebuild(() => new Promise<void>((resolve) => setImmediate(resolve))).catch(() => {});
  }

  private rebuild(pause: () => Promise<void>): Promise<void> {
    this.rebuilding ??= (async () => {
      try {
        const engine = this.engine;
        while (engine && engine.generation !== this.builtGeneration) {
          const generation = engine.generation;
          await this.rebuildRound(engine, pause);
          const texts = new Map<boolean, Buffer>();
          for (const om of this.formats) texts.set(om, Buffer.from(await this.perRound.render(om, pause)));
          this.roundText = texts;
          this.builtGeneration = generation;
        }
      } finally {
        this.rebuilding = null;
      }
    })();
    return this.rebuilding;
  }

  /** Rebuilds the per-round families from the latest results, a model at a time. */
  private async rebuildRound(engine: Engine, pause: () => Promise<void>): Promise<void> {
    for (const metric of this.roundFamilies) metric.reset();
    for (const c of this.collectors) this.isolated(c, null, () => c.round?.(this.h, engine));
    for (const monitor of [...engine.monitors.values()]) {
      await pause();
      for (const c of this.collectors) this.isolated(c, monitor.name, () => c.model?.(this.h, monitor));
    }
  }

  /** Runs one collector's step; a throw is reported and does not stop the others. */
  private isolated(c: Collector<Handles>, model: string | null, step: () => void): void {
    try {
      step();
    } catch (err) {
      this.onCollectorError(c.name, model, err);
    }
  }

  // Telemetry -----------------------------------------------------------------------------------

  feedback(model: string): void {
    this.h.modelwatch_feedback_total.inc({ model });
  }
  feedbackOrphaned(model: string): void {
    this.h.modelwatch_feedback_orphaned_total.inc({ model });
  }
  feedbackRejected(model: string, reason: LabelRejectReason, count: number): void {
    this.h.modelwatch_feedback_rejected_total.inc({ model, reason }, count);
  }
  evaluation(model: string, seconds: number, ok: boolean): void {
    this.h.modelwatch_evaluation_duration_seconds.observe(seconds);
    this.h.modelwatch_evaluation_errors_total.inc({ model }, ok ? 0 : 1);
  }
  retrainRequest(model: string): void {
    this.h.modelwatch_retraining_requests_total.inc({ model });
  }
  cloudEventReceived(kind: EventKind): void {
    this.h.modelwatch_cloudevents_received_total.inc({ type: kind });
  }
  cloudEventsJoined(order: 'request_first' | 'response_first'): void {
    this.h.modelwatch_cloudevents_joined_total.inc({ order });
  }
  cloudEventUnpaired(kind: EventKind, reason: 'expired' | 'evicted'): void {
    this.h.modelwatch_cloudevents_unpaired_total.inc({ type: kind, reason });
  }
  cloudEventsPending(count: number): void {
    this.h.modelwatch_cloudevents_pending.set(count);
  }
  writeFailed(what: WriteKind, reason: string): void {
    this.h.modelwatch_write_errors_total.inc({ what, reason });
  }
  webhookAlertIgnored(reason: 'unknown_model' | 'no_model'): void {
    this.h.modelwatch_webhook_alerts_ignored_total.inc({ reason });
  }
  rejected(reason: RejectReason): void {
    this.h.modelwatch_ingest_rejected_total.inc({ reason });
  }
  httpRequest(route: string, method: string, code: number, seconds: number): void {
    this.h.modelwatch_http_request_duration_seconds.observe({ route, method, code: String(code) }, seconds);
  }
}
