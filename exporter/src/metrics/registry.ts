/**
 * Prometheus exposition with prom-client. Every family comes from the catalog. Counters and
 * histograms are fed by `Telemetry` events as they happen, except the per-row ones (predictions by
 * version, serving latency), read from the monitors' tallies at scrape; gauges derived from evaluations are
 * rebuilt from the engine's cached results only when a new evaluation round finished — a scrape never
 * computes a statistic. prom-client's default process metrics are included, except three gauges whose
 * names end in `_total` (nodejs_active_{handles,requests,resources}_total), which break Prometheus
 * naming rules and `promtool check metrics`.
 */
import client, { type Counter, type Gauge, type Histogram, Registry } from 'prom-client';
import type { Engine } from '../evaluate/engine';
import type { ModelMonitor } from '../evaluate/monitor';
import type { MetricValues, PerformanceMetric } from '../evaluate/performance';
import { statusValue } from '../evaluate/report';
import {
  LABEL_REJECT_REASONS,
  type LabelRejectReason,
  type PredictionTally,
  type Telemetry,
  type WriteKind,
} from '../evaluate/telemetry';
import { OTHER } from '../evaluate/window';
import { REJECT_REASONS, type RejectReason } from '../ingest/errors';
import type { EstimatedMetric } from '../stats/estimation';
import { VERSION } from '../version';
import { CATALOG, type MetricFamily } from './catalog';
import { binRatioSeries } from './series';
import { asHistogram, TallyHistogram } from './tally-histogram';

/** Default metrics that violate the `_total`-is-a-counter convention; left out deliberately. */
export const EXCLUDED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** The Prometheus text format and OpenMetrics views of the same metric objects. */
class Exposition {
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
   * Counter objects are named for the format before each is written: prom-client writes OpenMetrics
   * counters from a name without `_total` (its own `metrics()` renames the object in place, which left
   * the text format naming counters without the suffix after an OpenMetrics scrape).
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
      const m = metric as unknown as { type: string; name: string };
      let key = m.name; // the name it was registered under
      if (m.type === 'counter') {
        const base = m.name.replace(/_total$/, '');
        key = `${base}_total`;
        m.name = openMetrics ? base : key;
      }
      parts.push(await registry.getSingleMetricAsString(key));
      if (performance.now() - since > budgetMs) {
        await pause();
        since = performance.now();
      }
    }
    return parts.length === 0 ? '' : `${parts.join(openMetrics ? '\n' : '\n\n')}\n`;
  }
}

export class Metrics implements Telemetry {
  /**
   * Two expositions: `live` (counters, histograms, gauges refreshed per scrape, process metrics) is
   * serialised on every scrape; `perRound` (the evaluation gauges and per-bin counters: thousands of
   * series for 10 models x 20 features) only changes after an evaluation round, so its text is
   * rendered once per round and reused by every scrape until the next one.
   */
  private readonly live = new Exposition();
  private readonly perRound = new Exposition();
  /** The per-round text by format (true: OpenMetrics), encoded. */
  private roundText = new Map<boolean, Buffer>();
  private readonly families = new Map<string, AnyMetric>();
  private engine: Engine | null = null;
  private builtGeneration = -1;

  constructor() {
    const defaults = new Registry();
    client.collectDefaultMetrics({ register: defaults });
    for (const metric of defaults.getMetricsAsArray())
      if (!(EXCLUDED_DEFAULT_METRICS as readonly string[]).includes(metric.name))
        this.live.register(metric as unknown as AnyMetric);
    for (const family of CATALOG) {
      const metric = this.create(family);
      this.families.set(family.name, metric);
      (PER_ROUND(family) ? this.perRound : this.live).register(metric);
    }
    this.gauge('modelwatch_build_info').set({ version: VERSION }, 1);
    for (const reason of REJECT_REASONS) this.counter('modelwatch_ingest_rejected_total').inc({ reason }, 0);
  }

  /** Prediction tallies by model label value: the monitors', and `__other__` for unmonitored models. */
  private *tallies(): Generator<[string, PredictionTally]> {
    const engine = this.engine;
    if (!engine) return;
    for (const m of engine.monitors.values()) yield [m.name, m.predictions];
    if (engine.unmonitored.total > 0) yield [OTHER, engine.unmonitored];
  }

  private create(family: MetricFamily): AnyMetric {
    if (family.name === 'modelwatch_prediction_latency_seconds')
      return asHistogram(new TallyHistogram(family, () => this.tallies()));
    const base = {
      name: family.name,
      help: family.help,
      labelNames: [...family.labels],
      registers: [],
    };
    switch (family.kind) {
      case 'counter':
        return new client.Counter(base);
      case 'histogram':
        return new client.Histogram({ ...base, buckets: [...(family.buckets ?? [])] });
      case 'gauge':
        return new client.Gauge(base);
    }
  }

  private gauge(name: string): Gauge<string> {
    return this.families.get(name) as Gauge<string>;
  }
  private counter(name: string): Counter<string> {
    return this.families.get(name) as Counter<string>;
  }
  private histogram(name: string): Histogram<string> {
    return this.families.get(name) as Histogram<string>;
  }

  /** Connects the collectors to the engine's results. */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  /** The exposition for a scrape; OpenMetrics when the scraper asks for it. */
  async render(accept: string | undefined): Promise<{ contentType: string; body: Buffer }> {
    // One render at a time: each format names the counter objects its own way (see Exposition.render).
    const next = this.rendering.then(() => this.renderNow(accept));
    this.rendering = next.catch(() => {});
    return next;
  }
  private rendering: Promise<unknown> = Promise.resolve();

  private async renderNow(accept: string | undefined): Promise<{ contentType: string; body: Buffer }> {
    this.refreshLive();
    const om = accept?.includes('application/openmetrics-text') ?? false;
    const contentType = om ? this.live.openMetrics.contentType : this.live.text.contentType;
    this.formats.add(om);
    const engine = this.engine;
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

  // Telemetry -----------------------------------------------------------------------------------

  feedback(model: string): void {
    this.counter('modelwatch_feedback_total').inc({ model });
  }
  feedbackOrphaned(model: string): void {
    this.counter('modelwatch_feedback_orphaned_total').inc({ model });
  }
  feedbackRejected(model: string, reason: LabelRejectReason, count: number): void {
    this.counter('modelwatch_feedback_rejected_total').inc({ model, reason }, count);
  }
  evaluation(model: string, seconds: number, ok: boolean): void {
    this.histogram('modelwatch_evaluation_duration_seconds').observe(seconds);
    if (!ok) this.counter('modelwatch_evaluation_errors_total').inc({ model });
    else this.counter('modelwatch_evaluation_errors_total').inc({ model }, 0);
  }
  retrainRequest(model: string): void {
    this.counter('modelwatch_retraining_requests_total').inc({ model });
  }
  rejected(reason: RejectReason): void {
    this.counter('modelwatch_ingest_rejected_total').inc({ reason });
  }
  writeFailed(what: WriteKind, reason: string): void {
    this.counter('modelwatch_write_errors_total').inc({ what, reason });
  }
  webhookAlertIgnored(reason: 'unknown_model' | 'no_model'): void {
    this.counter('modelwatch_webhook_alerts_ignored_total').inc({ reason });
  }
  httpRequest(route: string, method: string, code: number, seconds: number): void {
    this.histogram('modelwatch_http_request_duration_seconds').observe(
      { route, method, code: String(code) },
      seconds,
    );
  }

  // Collectors ----------------------------------------------------------------------------------

  /** Rebuilds the gauges that change continuously and the counters read from the monitors' tallies. */
  private refreshLive(): void {
    const engine = this.engine;
    if (!engine) return;
    const last = this.gauge('modelwatch_last_prediction_timestamp_seconds');
    const pending = this.gauge('modelwatch_feedback_pending_labels');
    last.reset();
    pending.reset();
    const predictions = this.counter('modelwatch_predictions_total');
    predictions.reset();
    for (const [model, tally] of this.tallies()) {
      for (const [version, count] of tally.versions)
        predictions.inc({ model, model_version: version }, count);
    }
    const memory = this.gauge('modelwatch_window_memory_bytes');
    memory.reset();
    for (const m of engine.monitors.values()) {
      if (m.lastPredictionTs > 0) last.set({ model: m.name }, m.lastPredictionTs);
      pending.set({ model: m.name }, m.pendingLabels);
      memory.set({ model: m.name }, m.window.bytes);
    }
    this.gauge('modelwatch_database_size_bytes').set(engine.databaseSize());
  }

  /** Rebuilds the evaluation gauges and per-bin counters from the latest results, a model at a time. */
  private async rebuildRound(engine: Engine, pause: () => Promise<void>): Promise<void> {
    for (const family of CATALOG) {
      if (family.kind === 'gauge' && !LIVE_GAUGES.has(family.name)) this.gauge(family.name).reset();
    }
    const observations = this.counter('modelwatch_feature_bin_observations_total');
    observations.reset();
    const limited = this.counter('modelwatch_cardinality_limited_total');
    limited.reset();
    if (engine.unmonitored.total > 0) limited.inc({ model: OTHER, kind: 'model' }, engine.unmonitored.total);
    for (const monitor of [...engine.monitors.values()]) {
      await pause();
      this.buildModel(monitor);
      for (const [kind, count] of Object.entries(monitor.guardCounts()))
        if (count > 0) limited.inc({ model: monitor.name, kind }, count);
      for (const [feature, bins] of monitor.binObservations()) {
        for (const [bin, count] of bins) observations.inc({ model: monitor.name, feature, bin }, count);
      }
    }
  }

  private buildModel(monitor: ModelMonitor): void {
    const model = monitor.name;
    const set = (name: string, labels: Record<string, string>, value: number | null | undefined) => {
      if (value !== null && value !== undefined && Number.isFinite(value))
        this.gauge(name).set(labels, value);
    };
    set('modelwatch_window_min_rows', { model }, monitor.latest?.minRows);
    if (monitor.reference) set('modelwatch_reference_rows', { model }, monitor.reference.rows);
    const result = monitor.latest;
    if (!result) return;
    const report = result.report;
    set('modelwatch_window_rows', { model, window: 'current' }, result.windowRows);
    set('modelwatch_model_status', { model }, statusValue(report.status));
    set('modelwatch_retraining_recommended', { model }, report.retraining.recommended ? 1 : 0);
    set('modelwatch_last_evaluation_timestamp_seconds', { model }, result.evaluatedAt);
    for (const f of result.features) {
      const r = f.result;
      const feature = f.name;
      if (r.test !== null) {
        const method = r.test;
        set('modelwatch_feature_drift_score', { model, feature, method }, r.score);
        set('modelwatch_feature_drift_threshold', { model, feature, method }, r.threshold);
        if (r.direction === 'p_value')
          set('modelwatch_feature_drift_p_value', { model, feature, method }, r.score);
      }
      if (f.drifted !== null) set('modelwatch_feature_drifted', { model, feature }, f.drifted ? 1 : 0);
      for (const s of binRatioSeries(r.bins, monitor.maxCategories)) {
        set(
          'modelwatch_feature_bin_ratio',
          { model, feature, bin: s.bin, dataset: 'reference' },
          s.reference,
        );
        if (result.windowRows > 0)
          set('modelwatch_feature_bin_ratio', { model, feature, bin: s.bin, dataset: 'current' }, s.current);
      }
      set('modelwatch_feature_missing_ratio', { model, feature }, f.quality.missing_share);
      set('modelwatch_feature_out_of_range_ratio', { model, feature }, f.quality.out_of_range_share);
      set('modelwatch_feature_unseen_category_ratio', { model, feature }, f.quality.unseen_category_share);
    }
    if (result.dataset) {
      set('modelwatch_dataset_drift_share_ratio', { model }, result.dataset.share);
      set('modelwatch_dataset_drift', { model }, result.dataset.drifted ? 1 : 0);
    }
    const p = result.prediction;
    if (p?.test) set('modelwatch_prediction_drift_score', { model, method: p.test }, p.score);
    const mv = result.multivariate;
    set('modelwatch_multivariate_drift_score', { model, method: 'mmd' }, mv?.mmd?.score);
    set('modelwatch_multivariate_drift_score', { model, method: 'classifier' }, mv?.classifier?.score);
    set('modelwatch_multivariate_drift_p_value', { model, method: 'mmd' }, mv?.mmd?.p_value);

    // Label counters start at 0 once the model is evaluated, so rate() sees their first increment.
    this.counter('modelwatch_feedback_orphaned_total').inc({ model }, 0);
    for (const reason of LABEL_REJECT_REASONS)
      this.counter('modelwatch_feedback_rejected_total').inc({ model, reason }, 0);

    const perf = result.performance;
    const performance = (labels: Record<string, string>, values: MetricValues | null) => {
      if (!values) return;
      for (const [metric, family] of PERFORMANCE_FAMILIES) set(family, labels, values[metric]);
    };
    for (const w of perf.windows) {
      const window = w.window;
      set('modelwatch_window_rows', { model, window }, w.rows);
      set('modelwatch_label_coverage_ratio', { model, window }, w.coverage);
      performance({ model, window }, w.metrics);
      for (const s of w.segments) performance({ model, window, segment: s.segment }, s.metrics);
    }
    if (perf.baseline) performance({ model, window: 'reference' }, perf.baseline.metrics);
    const estimate = perf.estimate;
    if (estimate) {
      for (const [metric, family] of ESTIMATED_FAMILIES) {
        const labels = { model, window: 'current' };
        set(family, { ...labels, bound: 'estimate' }, estimate[metric]);
        set(family, { ...labels, bound: 'lower' }, estimate.bands[metric]?.lower);
        set(family, { ...labels, bound: 'upper' }, estimate.bands[metric]?.upper);
      }
    }

    for (const { attribute, result: r } of result.fairness) {
      const labels = { model, attribute };
      set('modelwatch_fairness_demographic_parity_difference', labels, r.demographic_parity_difference);
      set('modelwatch_fairness_demographic_parity_ratio', labels, r.demographic_parity_ratio);
      set('modelwatch_fairness_equalized_odds_difference', labels, r.equalized_odds_difference);
      set('modelwatch_fairness_equalized_odds_ratio', labels, r.equalized_odds_ratio);
      set('modelwatch_fairness_equal_opportunity_difference', labels, r.equal_opportunity_difference);
      set('modelwatch_fairness_equal_opportunity_ratio', labels, r.equal_opportunity_ratio);
      for (const [group, g] of Object.entries(r.groups)) {
        const gl = { model, attribute, group };
        set('modelwatch_group_rows', gl, g.count);
        set('modelwatch_group_selection_rate_ratio', gl, g.selection_rate);
        set('modelwatch_group_true_positive_rate_ratio', gl, g.tpr);
        set('modelwatch_group_false_positive_rate_ratio', gl, g.fpr);
      }
    }
  }
}

/** Realised performance metric → family (MSE is not exported: RMSE is). */
const PERFORMANCE_FAMILIES: readonly [PerformanceMetric, string][] = [
  ['accuracy', 'modelwatch_model_accuracy_ratio'],
  ['precision', 'modelwatch_model_precision_ratio'],
  ['recall', 'modelwatch_model_recall_ratio'],
  ['f1', 'modelwatch_model_f1_ratio'],
  ['roc_auc', 'modelwatch_model_roc_auc_ratio'],
  ['log_loss', 'modelwatch_model_log_loss'],
  ['brier', 'modelwatch_model_brier_score'],
  ['ece', 'modelwatch_model_calibration_error_ratio'],
  ['mae', 'modelwatch_model_mae'],
  ['rmse', 'modelwatch_model_rmse'],
  ['r2', 'modelwatch_model_r2'],
  ['mape', 'modelwatch_model_mape_ratio'],
];

const ESTIMATED_FAMILIES: readonly [EstimatedMetric, string][] = [
  ['accuracy', 'modelwatch_estimated_accuracy_ratio'],
  ['precision', 'modelwatch_estimated_precision_ratio'],
  ['recall', 'modelwatch_estimated_recall_ratio'],
  ['f1', 'modelwatch_estimated_f1_ratio'],
  ['roc_auc', 'modelwatch_estimated_roc_auc_ratio'],
];

/** Families rebuilt once per evaluation round (their text is cached between rounds). */
const PER_ROUND = (family: MetricFamily): boolean =>
  (family.kind === 'gauge' && !LIVE_GAUGES.has(family.name)) ||
  family.name === 'modelwatch_feature_bin_observations_total' ||
  family.name === 'modelwatch_cardinality_limited_total';

/** Gauges refreshed on every scrape rather than per evaluation round. */
const LIVE_GAUGES = new Set([
  'modelwatch_last_prediction_timestamp_seconds',
  'modelwatch_feedback_pending_labels',
  'modelwatch_database_size_bytes',
  'modelwatch_window_memory_bytes',
  'modelwatch_build_info',
]);
