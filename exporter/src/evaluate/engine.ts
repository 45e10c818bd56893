/**
 * The exporter's core loop. At start-up it loads each model's recent rows and active reference; then
 * it follows the log incrementally (every `read_interval`), evaluates every model on its own schedule
 * (every `interval`), records history, prunes old rows, and calls the retraining webhook on transitions.
 * Scrapes and API reads only look at `monitors` and their latest results.
 */
import type { Logger } from 'pino';
import { modelConfig } from '../config/load';
import type { Config } from '../config/schema';
import type { IngestSource } from '../ingest/body';
import type { PredictionRecord } from '../ingest/validate';
import { checkReferenceColumns, referenceColumns } from '../reference/columns';
import { type FromLogRequest, type FromLogResult, profileFromLog } from '../reference/from-log';
import { buildProfile, type ColumnRoles, DEFAULT_ROLES, type ReferenceProfile } from '../reference/profile';
import { readTableFile } from '../reference/read';
import type { Table } from '../reference/table';
import type { ColumnType } from '../stats/types';
import { type DB, databaseSizeBytes } from '../store/db';
import { FeedbackStore } from '../store/feedback';
import { HistoryStore } from '../store/history';
import { InlineLogWriter, type LogWriter } from '../store/log-writer';
import type { InsertResult } from '../store/predictions';
import { LogReader, type LogRow } from '../store/reader';
import { type ReferenceSource, ReferenceStore, type StoredReference } from '../store/references';
import {
  type DriftSnapshot,
  type EvaluationSettings,
  type ModelEvaluation,
  type ModelMonitor,
  type MultivariateRunner,
  PENDING_LABELS_CAP,
} from './monitor';
import type { HealthReport } from './report';
import { createMonitor, evaluationSettings, loadHorizon } from './settings';
import { PredictionTally, type Telemetry, type WriteKind } from './telemetry';
import { WindowBudget } from './window';

/** History is written on every change of status or findings, and at least this often. */
const HISTORY_EVERY_SECONDS = 300;

/** Reference tables with at least this many cells are profiled on a worker thread (uploads). */
const OFF_THREAD_MIN_CELLS = 200_000;

export interface EngineOptions {
  clock?: () => number;
  /** Called with the report when a model's retraining recommendation changes (default: POST to webhook_url). */
  notify?: (report: HealthReport) => Promise<void>;
  /** Where ingested batches are committed (default: inline on `db`; `serve` uses the writer thread). */
  writer?: LogWriter;
  /** Where the multivariate tests run (default: inline; `serve` uses a worker thread). */
  multivariate?: MultivariateRunner;
  /** Where a reference is taken from the log (default: inline on `db`; `serve` uses the stats thread). */
  fromLog?: (request: FromLogRequest) => Promise<FromLogResult>;
}

/** Lets the event loop serve whatever is waiting (scrapes, ingest) before going on. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Round {
  started: number;
  results: ModelEvaluation[];
}

export class Engine {
  readonly monitors = new Map<string, ModelMonitor>();
  readonly writer: LogWriter;
  readonly references: ReferenceStore;
  readonly history: HistoryStore;
  readonly reader: LogReader;
  readonly feedback: FeedbackStore;
  /** Memory every model's window draws from (`limits.max_window_bytes`). */
  readonly windowBudget: WindowBudget;
  /** Increments after every evaluation round: metric collectors rebuild only when it changed. */
  generation = 0;
  ready = false;
  /** Set by a write refused for a full database (/readyz answers 503); cleared by the next commit. */
  storageFull = false;
  lastRoundSeconds = 0;
  private readonly clock: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private activeReferences = new Map<string, number>();
  private lastHistory = new Map<string, { ts: number; key: string }>();
  private lastRecommended = new Map<string, boolean>();
  private evaluating = false;
  private warnedCap = false;
  private readonly notify: (report: HealthReport) => Promise<void>;
  private readonly multivariateRunner: MultivariateRunner | undefined;
  private readonly fromLog: EngineOptions['fromLog'];

  constructor(
    readonly db: DB,
    readonly config: Config,
    private readonly telemetry: Telemetry,
    private readonly log: Logger,
    options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? (() => Date.now() / 1000);
    this.writer = options.writer ?? new InlineLogWriter(db);
    this.multivariateRunner = options.multivariate;
    this.fromLog = options.fromLog;
    this.references = new ReferenceStore(db);
    this.history = new HistoryStore(db);
    this.reader = new LogReader(db);
    this.feedback = new FeedbackStore(db);
    this.windowBudget = new WindowBudget(config.limits.max_window_bytes);
    this.notify = options.notify ?? ((report) => this.postWebhook(report));
  }

  now(): number {
    return this.clock();
  }

  /** Loads recent rows and references; afterwards only new rows are read. */
  async load(): Promise<void> {
    const max = this.reader.maxIds();
    const names = new Set([
      ...this.config.models.map((m) => m.name),
      ...(this.config.discover_models ? this.reader.models() : []),
      // Models with a reference but no prediction yet (a reference imported or uploaded first).
      ...(this.config.discover_models ? this.references.activeIds().keys() : []),
    ]);
    for (const name of names) {
      const monitor = this.monitor(name);
      if (!monitor) continue;
      if (!monitor.reference && !this.skippedReferences.has(name)) await this.bootstrapReference(monitor);
      const horizon = loadHorizon(this.config, monitor.config);
      const since = horizon === undefined ? undefined : this.now() - horizon;
      let firstId = 0;
      for (const row of this.reader.tail(name, monitor.window.maxRows, since)) {
        monitor.restore(row);
        if (firstId === 0) firstId = row.id;
      }
      // The labels those rows had, then the labels still waiting for their prediction.
      if (firstId > 0)
        for (const l of this.feedback.labelsFrom(name, firstId))
          monitor.label(l.prediction_id, l.label, true);
      for (const l of this.feedback.orphansOf(name, PENDING_LABELS_CAP))
        monitor.label(l.prediction_id, l.label, true);
    }
    this.reader.cursor = max.predictions;
    this.reader.feedbackCursor = max.feedback;
    this.activeReferences = this.references.activeIds();
    this.ready = true;
  }

  /** Starts the read, evaluation and retention timers. */
  start(): void {
    const every = (seconds: number, fn: () => void) => {
      const timer = setInterval(fn, Math.max(10, seconds * 1000));
      timer.unref();
      this.timers.push(timer);
    };
    every(this.config.evaluation.read_interval, () => this.guard('read', () => this.poll()));
    every(this.config.evaluation.interval, () => {
      this.evaluateRound().catch((err: unknown) => this.log.error({ err }, 'evaluation failed'));
    });
    every(this.config.retention.interval, () => {
      this.prune().catch((err: unknown) => this.log.error({ err }, 'retention failed'));
    });
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, `${what} failed`);
    }
  }

  /** The model's monitor, created on first sight (null beyond the model cap or when discovery is off). */
  monitor(name: string): ModelMonitor | null {
    const existing = this.monitors.get(name);
    if (existing) return existing;
    if (!this.isConfigured(name) && !this.config.discover_models) return null;
    if (this.monitors.size >= this.config.limits.max_models) {
      if (!this.warnedCap)
        this.log.warn(
          { model: name, limit: this.config.limits.max_models },
          'model limit reached; predictions of further models are stored but not monitored',
        );
      this.warnedCap = true;
      return null;
    }
    const monitor = createMonitor(
      this.config,
      name,
      this.telemetry,
      this.multivariateRunner,
      this.windowBudget,
    );
    this.monitors.set(name, monitor);
    // A reference stored before the model's first prediction (an upload, `reference import`, a
    // previous run) applies from the first row on.
    this.loadReference(monitor);
    return monitor;
  }

  /** A model the exporter monitors or the config names (retraining requests for others are refused). */
  knowsModel(name: string): boolean {
    return this.monitors.has(name) || this.isConfigured(name);
  }

  private isConfigured(name: string): boolean {
    return this.config.models.some((m) => m.name === name);
  }

  /**
   * Whether ingest may accept predictions for this model: any model unless discovery is off and it is
   * not configured. Beyond `limits.max_models` they are stored (nothing acknowledged is lost) but not
   * monitored, and counted as `model="__other__"`.
   */
  acceptsModel(name: string): boolean {
    return this.monitors.has(name) || this.config.discover_models || this.isConfigured(name);
  }

  /** Predictions of models beyond `limits.max_models` since start (stored, not monitored). */
  readonly unmonitored = new PredictionTally();

  /** Appends a new row to its model's window, or counts it when the model is beyond the cap. */
  private take(row: LogRow): void {
    const monitor = this.monitor(row.model);
    if (monitor) monitor.append(row);
    else if (this.acceptsModel(row.model)) this.unmonitored.add(null, row.latency_seconds);
  }

  /** Feature types ingest enforces for a model (declared or fixed by its reference). */
  featureTypes(name: string): ReadonlyMap<string, ColumnType> | undefined {
    return this.monitors.get(name)?.featureTypes();
  }

  /** Reads rows other writers appended (ids ≤ upTo when given) into the windows. */
  private readPredictions(upTo?: number): number {
    let total = 0;
    for (;;) {
      const rows = this.reader.readNew(5000, upTo);
      for (const row of rows) this.take(row);
      total += rows.length;
      if (rows.length < 5000) return total;
    }
  }

  /** Prediction batches handed to the log writer and not yet applied to the windows. */
  private writesInFlight = 0;

  /**
   * Writes a validated batch (all or nothing; rejects with IngestError(409) on a conflicting re-send)
   * and applies it to the windows. Resolves once both are done.
   */
  async ingest(records: readonly PredictionRecord[], source?: IngestSource): Promise<InsertResult> {
    this.writesInFlight++;
    try {
      const result = await this.writer.writePredictions(records, source);
      this.storageFull = false;
      this.ingested(records, result.ids);
      return result;
    } finally {
      this.writesInFlight--;
    }
  }

  /**
   * Applies a batch the API has just committed, from the records already parsed and validated, so the
   * reader does not read and parse those rows again. The batch's transaction held the write lock, so
   * every id between its first and last row is its own; rows other writers committed before it are
   * read first, keeping the windows in id order.
   */
  private ingested(records: readonly PredictionRecord[], ids: readonly number[]): void {
    let first = 0;
    let last = 0;
    for (const id of ids) {
      if (id === 0) continue;
      if (first === 0 || id < first) first = id;
      if (id > last) last = id;
    }
    if (first === 0) return;
    if (this.reader.cursor < first - 1) this.readPredictions(first - 1);
    if (this.reader.cursor !== first - 1) return; // not contiguous after all: the reader will pick the rows up
    for (let i = 0; i < records.length; i++) {
      const id = ids[i]!;
      if (id === 0) continue;
      const r = records[i]!;
      this.take({
        id,
        model: r.model,
        model_version: r.model_version,
        prediction_id: r.prediction_id,
        ts: r.ts,
        features: r.features,
        prediction: r.prediction,
        score: r.score,
        attributes: r.attributes,
        latency_seconds: r.latency_seconds,
      });
    }
    this.reader.cursor = last;
  }

  /** Reads new predictions and feedback into the windows; picks up references changed elsewhere. */
  poll(): number {
    // While this process's own batches are being written, reading would pick their rows up from the
    // log (and parse them again) just before ingested() applies them from memory. Rows of other
    // writers are not missed: ingested() reads those that precede its batch, and the next poll the rest.
    const total = this.writesInFlight > 0 ? 0 : this.readPredictions();
    for (;;) {
      const rows = this.reader.readNewFeedback(5000);
      for (const row of rows) {
        const monitor = this.monitors.get(row.model);
        if (!monitor) continue;
        this.telemetry.feedback(row.model);
        monitor.label(row.prediction_id, row.label);
      }
      if (rows.length < 5000) break;
    }
    const active = this.references.activeIds();
    for (const [model, id] of active) {
      if (this.activeReferences.get(model) !== id) {
        const monitor = this.monitor(model);
        if (monitor) this.loadReference(monitor);
      }
    }
    this.activeReferences = active;
    return total;
  }

  /**
   * Applies the model's active reference. One stored under looser limits (more columns than
   * `limits.max_features`, a name outside the rule) is reported and skipped, never applied: it would
   * allocate a column per name at every start.
   */
  private loadReference(monitor: ModelMonitor): void {
    const ref = this.references.active<ReferenceProfile>(monitor.name) ?? null;
    if (ref) {
      try {
        checkReferenceColumns(referenceColumns(ref.profile), this.config.limits);
      } catch (err) {
        this.log.error(
          { model: monitor.name, reference: ref.name, id: ref.id, err: (err as Error).message },
          'stored reference skipped: it breaks the configured limits (upload a new one)',
        );
        this.skippedReferences.set(monitor.name, (err as Error).message);
        monitor.setReference(null);
        return;
      }
    }
    this.skippedReferences.delete(monitor.name);
    monitor.setReference(ref);
  }

  /** Models whose stored active reference was skipped at load, with the reason (GET /api/v1/models). */
  readonly skippedReferences = new Map<string, string>();

  /** A reference named in the config (file or log range), built once when the model has none. */
  private async bootstrapReference(monitor: ModelMonitor): Promise<void> {
    const source = monitor.config.reference;
    if (!source) return;
    try {
      if (source.file) {
        const { readNumericCsvOffThread, readNumericParquetOffThread } = await import('../compare/parallel');
        const table = await readTableFile(source.file, {
          numericCsv: readNumericCsvOffThread,
          numericParquet: readNumericParquetOffThread,
        });
        await this.saveReference(monitor.name, 'config', table, { kind: 'file', file: source.file });
      } else if (source.from_ts !== undefined || source.to_ts !== undefined) {
        await this.referenceFromLog(monitor.name, source.from_ts ?? 0, source.to_ts ?? this.now(), 'config');
      }
    } catch (err) {
      this.log.warn(
        { model: monitor.name, err: (err as Error).message },
        'could not build the reference named in the config',
      );
    }
  }

  /** Column roles for a model's reference data (its attributes are not features). */
  roles(
    model: string,
    overrides: Partial<Pick<ColumnRoles, 'prediction' | 'score' | 'target'>> = {},
  ): ColumnRoles {
    const config = modelConfig(this.config, model);
    const types = new Map<string, ColumnType>();
    for (const [name, f] of Object.entries(config.features)) if (f.type) types.set(name, f.type);
    const roles: ColumnRoles = {
      ...DEFAULT_ROLES,
      ...overrides,
      attributes: new Set([...config.protected_attributes, ...config.segments]),
      types,
    };
    if (!config.discover_features) roles.onlyFeatures = new Set(Object.keys(config.features));
    return roles;
  }

  /**
   * Builds, stores (on the log writer, like every write) and activates a reference; the model's monitor
   * switches to it once it is committed.
   */
  async saveReference(
    model: string,
    name: string,
    table: Table,
    source: ReferenceSource,
    roles = this.roles(model),
  ): Promise<StoredReference<ReferenceProfile>> {
    checkReferenceColumns(table.names, this.config.limits, [roles.prediction, roles.score, ...roles.target]);
    const profile = buildProfile(table, roles, this.config.reference.sample_size);
    return this.storeReference(model, name, source, table.rows, profile);
  }

  /**
   * saveReference with the profile built on a worker thread when the table is large (an upload in
   * `serve`: profiling sorts every column), so the event loop keeps serving scrapes and ingest.
   */
  async saveReferenceOffThread(
    model: string,
    name: string,
    table: Table,
    source: ReferenceSource,
    roles = this.roles(model),
  ): Promise<StoredReference<ReferenceProfile>> {
    if (table.rows * table.names.length < OFF_THREAD_MIN_CELLS)
      return this.saveReference(model, name, table, source, roles);
    checkReferenceColumns(table.names, this.config.limits, [roles.prediction, roles.score, ...roles.target]);
    const { runInThread } = await import('../compare/parallel');
    const profile = (await runInThread({
      kind: 'profile',
      table,
      roles,
      sampleCap: this.config.reference.sample_size,
    })) as ReferenceProfile;
    return this.storeReference(model, name, source, table.rows, profile);
  }

  private async storeReference(
    model: string,
    name: string,
    source: ReferenceSource,
    rows: number,
    profile: ReferenceProfile,
  ): Promise<StoredReference<ReferenceProfile>> {
    const now = this.now();
    const id = await this.writer.write('reference', [
      model,
      name,
      source,
      rows,
      JSON.stringify(profile),
      now,
    ]);
    const stored = { id, model, name, created_at: now, source, rows, profile };
    const monitor = this.monitor(model);
    if (monitor) monitor.setReference(stored);
    this.activeReferences.set(model, id);
    return stored;
  }

  /** Reference from the model's logged predictions (and their labels) in [from, to], read and profiled off the event loop in `serve`. */
  async referenceFromLog(model: string, from: number, to: number, name: string) {
    const request: FromLogRequest = {
      model,
      from,
      to,
      roles: this.roles(model),
      sampleSize: this.config.reference.sample_size,
      maxFeatures: this.config.limits.max_features,
    };
    const { rows, profile } = this.fromLog ? await this.fromLog(request) : profileFromLog(this.db, request);
    return this.storeReference(model, name, { kind: 'log', from_ts: from, to_ts: to }, rows, profile);
  }

  /** Reads new rows, then evaluates every model; one failing model does not stop the others. */
  evaluateAll(): ModelEvaluation[] {
    if (this.evaluating) return [];
    const round = this.beginRound();
    try {
      for (const monitor of this.monitors.values())
        this.evaluateModel(monitor, round, evaluationSettings(this.config, monitor.config));
    } finally {
      this.endRound(round);
    }
    return round.results;
  }

  /**
   * The scheduled round: the same work as `evaluateAll`, handing the event loop back between models so
   * scrapes and ingest wait for at most one model's evaluation, not the whole fleet's.
   */
  async evaluateRound(): Promise<void> {
    if (this.evaluating) return;
    const round = this.beginRound();
    try {
      for (const monitor of [...this.monitors.values()]) {
        await nextTurn();
        const settings = evaluationSettings(this.config, monitor.config);
        const snapshot = await monitor.driftSnapshot(this.now(), settings, nextTurn);
        await nextTurn();
        this.evaluateModel(monitor, round, settings, snapshot);
      }
    } finally {
      this.endRound(round);
    }
    this.telemetry.roundFinished?.();
  }

  private beginRound(): Round {
    this.evaluating = true;
    const started = performance.now();
    this.poll();
    return { started, results: [] };
  }

  private evaluateModel(
    monitor: ModelMonitor,
    round: Round,
    settings: EvaluationSettings,
    snapshot?: DriftSnapshot | null,
  ): void {
    const t0 = performance.now();
    try {
      const result = monitor.evaluate(this.now(), settings, snapshot);
      round.results.push(result);
      this.telemetry.evaluation(monitor.name, (performance.now() - t0) / 1000, true);
      this.afterEvaluation(result.report);
    } catch (err) {
      this.telemetry.evaluation(monitor.name, (performance.now() - t0) / 1000, false);
      this.log.error({ model: monitor.name, err }, 'evaluation failed');
    }
  }

  private endRound(round: Round): void {
    this.evaluating = false;
    this.generation++;
    this.lastRoundSeconds = (performance.now() - round.started) / 1000;
  }

  private afterEvaluation(report: HealthReport): void {
    const key = `${report.status}|${report.findings.map((f) => `${f.type}:${f.feature ?? ''}:${f.metric ?? ''}:${f.window ?? ''}`).join(',')}`;
    const last = this.lastHistory.get(report.model);
    if (!last || last.key !== key || report.evaluated_at - last.ts >= HISTORY_EVERY_SECONDS) {
      this.lastHistory.set(report.model, { ts: report.evaluated_at, key });
      this.background(
        'history',
        report.model,
        this.writer.write('history', [
          report.model,
          report.evaluated_at,
          report.status,
          JSON.stringify(report),
        ]),
      );
    }
    const previous = this.lastRecommended.get(report.model) ?? false;
    if (report.retraining.recommended !== previous) {
      this.lastRecommended.set(report.model, report.retraining.recommended);
      if (report.retraining.recommended) {
        this.background(
          'retrain',
          report.model,
          this.writer.write('retrain', [
            report.model,
            report.evaluated_at,
            'recommendation',
            JSON.stringify(report.retraining),
          ]),
        );
        this.telemetry.retrainRequest(report.model);
      }
      this.notify(report).catch((err: unknown) =>
        this.log.warn({ model: report.model, err: String(err) }, 'retraining webhook failed'),
      );
    }
  }

  /**
   * A write that no request waits for (history, a recommendation): a failure is logged and counted as a
   * write failure (`write_errors_total{what}`), not as a failed evaluation.
   */
  private background(what: WriteKind, model: string | null, write: Promise<unknown>): void {
    const settled: Promise<void> = write
      .then(() => undefined)
      .catch((err: unknown) => {
        const reason = (err as { code?: string }).code ?? 'error';
        if (reason === 'SQLITE_FULL') this.storageFull = true;
        this.telemetry.writeFailed?.(what, reason);
        this.log.error({ model, what, err: String(err) }, 'write failed');
      })
      .finally(() => this.pendingWrites.delete(settled));
    this.pendingWrites.add(settled);
  }
  private readonly pendingWrites = new Set<Promise<void>>();

  /** Resolves once the background writes handed over so far (history, recommendations) are done. */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
  }

  /** Records an explicit retraining request (API or Alertmanager) and forwards it to the webhook. */
  async requestRetraining(model: string, source: string, reason: string): Promise<number> {
    const id = await this.writer.write('retrain', [model, this.now(), source, reason]);
    this.telemetry.retrainRequest(model);
    const report = this.monitors.get(model)?.latest?.report;
    if (report && this.config.retraining.webhook_url) {
      this.notify({
        ...report,
        retraining: {
          ...report.retraining,
          reasons: [...report.retraining.reasons, `requested by ${source}`],
        },
      }).catch((err: unknown) => this.log.warn({ model, err: String(err) }, 'retraining webhook failed'));
    }
    return id;
  }

  private async postWebhook(report: HealthReport): Promise<void> {
    const url = this.config.retraining.webhook_url;
    if (!url) return;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: report.retraining.recommended ? 'retraining_recommended' : 'retraining_cleared',
        report,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  }

  /** Database size (file pages), refreshed at most once per evaluation round. */
  databaseSize(): number {
    if (this.sizeGeneration !== this.generation) {
      this.sizeBytes = databaseSizeBytes(this.db);
      this.sizeGeneration = this.generation;
    }
    return this.sizeBytes;
  }
  private sizeBytes = 0;
  private sizeGeneration = -1;

  /** Deletes predictions, feedback and history past their retention (the log through the writer). */
  async prune(): Promise<number> {
    const now = this.now();
    if (this.pruning) return 0;
    this.pruning = true;
    try {
      await this.writer.write('pruneHistory', [now - this.config.retention.history]);
      return await this.writer.prune(now - this.config.retention.predictions);
    } finally {
      this.pruning = false;
    }
  }
  private pruning = false;
}
