/**
 * The configuration file (YAML), validated once at the edge. Every option has a default, so
 * `modelwatch serve --db x.db` runs with no file: models and features are discovered from the log.
 * Everything past `loadConfig` receives a complete, typed `Config`.
 */
import { z } from 'zod';
import { isName, NAME_RULE } from '../names';
import { BUILTIN_DRIFT_METHODS } from '../stats/registry';
import { parseBytes, parseDuration } from './duration';

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === null) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as "15s", "5m", "24h", got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return seconds;
});

const bytes = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const n = parseBytes(value);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as "16mb", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return n;
});

const name = z.string().refine(isName, `expected ${NAME_RULE}`);

/** `auto` and the built-in tests' names (from their registry). */
export const DRIFT_METHODS = ['auto', ...BUILTIN_DRIFT_METHODS] as const;
/** Built-in methods plus names registered by user modules (checked against the registry at start-up). */
const driftMethod = z.string().min(1);

const featureSchema = z.strictObject({
  type: z.enum(['numeric', 'categorical']).optional(),
  method: driftMethod.optional(),
  /** Threshold-rule threshold (`drift.decision: threshold`). */
  threshold: z.number().finite().optional(),
  /** Calibrated decision: smallest change that counts for this feature (in its test's effect units). */
  min_effect: z.number().finite().min(0).optional(),
});

/** A window by row count, by time, or both (the most recent rows satisfying both limits). */
const windowSchema = z
  .strictObject({
    rows: z.number().int().positive().max(5_000_000).optional(),
    duration: duration.optional(),
  })
  .refine((w) => w.rows !== undefined || w.duration !== undefined, {
    message: 'a window needs rows, duration or both',
  });

const namedWindow = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "-" or "."'),
  rows: z.number().int().positive().max(5_000_000).optional(),
  duration: duration.optional(),
});

const thresholdsSchema = z.strictObject({
  /** Share of drifted features at which the dataset counts as drifted (docs/statistics.md: 0.5). */
  dataset_drift_share: z.number().min(0).max(1).default(0.5),
  /** Relative drop from baseline that counts as performance degradation. */
  performance_tolerance: z.number().min(0).max(1).default(0.1),
  /** Demographic parity ratio below which fairness fails (four-fifths rule). */
  disparate_impact: z.number().min(0).max(1).default(0.8),
  /** Groups with fewer rows in the window are reported but left out of the fairness aggregates. */
  min_group_size: z.number().int().min(1).default(30),
  /** Labelled rows a window needs before a performance degradation verdict (baseline comparison). */
  min_labelled_rows: z.number().int().min(1).default(500),
  missing_share: z.number().min(0).max(1).default(0.1),
  out_of_range_share: z.number().min(0).max(1).default(0.1),
  unseen_category_share: z.number().min(0).max(1).default(0.1),
  /** No prediction for this long → stale finding. */
  stale_after: duration.default(600),
});

const driftSchema = z.strictObject({
  method: driftMethod.default('auto'),
  /**
   * How verdicts are reached (docs/detection.md): `calibrated` (a stated false-alarm budget and a smallest
   * relevant change) or `threshold` (Evidently's fixed thresholds).
   */
  decision: z.enum(['calibrated', 'threshold']).default('calibrated'),
  /** Calibrated: expected window turnovers per model before a false alarm (the false-alarm budget). */
  false_alarm_run_length: z.number().finite().min(1).default(10_000),
  /** Calibrated: smallest change that counts, for every feature without its own (default: each test's). */
  min_effect: z.number().finite().min(0).optional(),
  /** Threshold rule: overrides the method's default threshold for every feature without its own. */
  threshold: z.number().finite().optional(),
  /** Minimum non-missing rows on each side for a verdict. */
  min_rows: z.number().int().min(1).default(500),
  /** Consecutive drifted evaluations before a feature (or the model output) counts as drifted. */
  confirmations: z.number().int().min(1).max(100).default(1),
  /** Benjamini–Hochberg adjustment of p-values across features (threshold rule only). */
  fdr_correction: z.boolean().default(false),
  /** MMD and a domain classifier over the numeric features together, on ≤ 500 rows per side. */
  multivariate: z.boolean().default(true),
  /**
   * Recompute the multivariate tests at most this often (they take ~0.2 s per model, on a worker
   * thread in `serve`); the latest finished result is reported in between.
   */
  multivariate_interval: duration.default(60),
});

const modelSchema = z.strictObject({
  name,
  task: z.enum(['binary_classification', 'multiclass_classification', 'regression']).optional(),
  /** Declared features; undeclared ones are discovered from the log unless `discover_features` is false. */
  features: z.record(name, featureSchema).default({}),
  discover_features: z.boolean().default(true),
  protected_attributes: z.array(name).default([]),
  /** Pairs of attributes whose combinations are judged as groups too (attribute label "a&b"). */
  intersections: z.array(z.tuple([name, name])).default([]),
  segments: z.array(name).default([]),
  /** Decision threshold on `score` when the prediction is derived from it. */
  decision_threshold: z.number().min(0).max(1).default(0.5),
  drift: driftSchema.partial().optional(),
  window: windowSchema.optional(),
  /** Take the reference from the log at start-up when none is stored. */
  reference: z
    .strictObject({
      from_ts: z.number().finite().optional(),
      to_ts: z.number().finite().optional(),
      file: z.string().min(1).optional(),
    })
    .optional(),
});

/** How one InferenceService's logged events become predictions (docs/kserve.md). */
const kserveServiceSchema = z.strictObject({
  /** Matches the event's `Ce-Inferenceservicename`. */
  inference_service: z.string().min(1),
  /** Matches `Ce-Namespace` when given; otherwise any namespace. */
  namespace: z.string().min(1).optional(),
  /** The modelwatch model the predictions go to (default: the InferenceService name). */
  model: name.optional(),
  /** Feature names for v1 `instances` arrays and for a request's single [n, k] tensor, in column order. */
  columns: z.array(name).min(1).optional(),
  /** Input columns logged as `attributes` (protected attributes, segments) instead of features. */
  attributes: z.array(name).default([]),
  /**
   * Which output is the prediction: a v2 output name or a key of v1 prediction objects (default: the
   * first output; for v1, each element of `predictions`). A row of several values gives its argmax.
   */
  prediction: z.strictObject({ output: z.string().min(1).optional() }).prefault({}),
  /** Which output is the score, e.g. `{output: output-0, column: 1}` for P(class 1) of predict_proba. */
  score: z
    .strictObject({
      output: z.string().min(1).optional(),
      /** Column of a [n, k] output (class index); required when the score output has several columns. */
      column: z.number().int().min(0).optional(),
    })
    .optional(),
});

const kserveSchema = z.strictObject({
  /** A half (request or response) waiting longer than this for its partner is dropped and counted. */
  pending_timeout: duration.default(60),
  /** At most this many halves wait at once; the oldest is dropped (and counted) beyond it. */
  max_pending: z.number().int().min(1).max(1_000_000).default(10_000),
  /** At most this many body bytes are held by waiting halves; the oldest are dropped beyond it. */
  max_pending_bytes: bytes.default(64 * 1024 * 1024),
  /**
   * Whether the sink asks for `auth.token` like the other write endpoints. KServe's logger sends no
   * Authorization header: set false and restrict who reaches the port (NetworkPolicy, sidecar on localhost).
   */
  require_token: z.boolean().default(true),
  services: z.array(kserveServiceSchema).default([]),
});

export const configSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(9793),
      /**
       * Host names (besides IP addresses and localhost) requests may use. Checked when listening on
       * loopback (against DNS rebinding), or whenever this list is set.
       */
      allowed_hosts: z.array(z.string().min(1)).default([]),
      /** Open connections at most; further ones are refused until some close. */
      max_connections: z.number().int().min(8).default(1024),
      /** Time a client has to send a request's headers (slow-header sockets are closed after it). */
      header_timeout: duration.default(10),
      /** Time a client has to send a whole request, body included. */
      request_timeout: duration.default(60),
      /**
       * How long shutdown (SIGTERM) may take: in-flight requests finish within it, new ones get 503,
       * then every connection is closed and the process exits.
       */
      shutdown_timeout: duration.default(10),
    })
    .prefault({}),
  database: z
    .strictObject({
      path: z.string().min(1).default('modelwatch.db'),
      busy_timeout: duration.default(5),
      /** Size the database may grow to; writes beyond it are refused with 507 (as on a full disk). */
      max_size: bytes.optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Bearer token for write endpoints; also read from MODELWATCH_TOKEN. */
      token: z.string().min(8, 'expected a token of at least 8 characters').optional(),
      /** Require the token for reads and /metrics too. */
      protect_reads: z.boolean().default(false),
    })
    .prefault({}),
  evaluation: z
    .strictObject({
      interval: duration.default(15),
      /** How often new rows are read from the log into the in-memory windows. */
      read_interval: duration.default(1),
    })
    .prefault({}),
  window: windowSchema.default({ rows: 10_000, duration: 86_400 }),
  performance_windows: z
    .array(namedWindow)
    .default([
      { name: '1h', duration: 3600 },
      { name: '24h', duration: 86_400 },
    ])
    .superRefine((windows, ctx) => {
      const seen = new Set<string>();
      windows.forEach((w, i) => {
        if (w.name === 'current' || w.name === 'reference')
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `"${w.name}" is reserved (the drift window and the reference baseline)`,
          });
        else if (seen.has(w.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate window "${w.name}"` });
        seen.add(w.name);
      });
    }),
  drift: driftSchema.prefault({}),
  thresholds: thresholdsSchema.prefault({}),
  reference: z
    .strictObject({
      /** Raw values kept per numeric feature for KS and Wasserstein. */
      sample_size: z.number().int().min(100).max(1_000_000).default(20_000),
    })
    .prefault({}),
  retention: z
    .strictObject({
      predictions: duration.default(30 * 86_400),
      history: duration.default(90 * 86_400),
      /** How often a retention pass runs (deletes in 1,000-row transactions on the writer thread). */
      interval: duration.default(60),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_body: bytes.default(32 * 1024 * 1024),
      max_batch: z.number().int().positive().default(50_000),
      max_models: z.number().int().positive().default(100),
      max_features: z.number().int().positive().default(500),
      max_categories: z.number().int().min(2).default(50),
      /** Distinct model_version label values per model on /metrics; further ones are "__other__". */
      max_model_versions: z.number().int().min(1).default(20),
      /**
       * Hard ceiling on the rows each model's in-memory ring keeps (memory bound). The ring holds as many
       * rows as the drift and performance windows ask for (100k for a window defined by time only).
       */
      max_window_rows: z.number().int().min(100).max(1_000_000).default(1_000_000),
      /**
       * Memory all models' in-memory windows may take together. Windows grow with the rows they hold;
       * once this is spent a window keeps the rows it has room for (its newest) and new columns are
       * dropped (counted in cardinality_limited_total).
       */
      max_window_bytes: bytes.default(1024 * 1024 * 1024),
      /** Body limit of the Alertmanager webhook (its JSON is parsed on the thread that serves scrapes). */
      max_webhook_body: bytes.default(1024 * 1024),
      /** How far in the future a prediction's or label's `ts` may be (400 beyond). */
      max_clock_skew: duration.default(300),
    })
    .prefault({}),
  /** Discover models from the log that are not listed under `models`. */
  discover_models: z.boolean().default(true),
  models: z.array(modelSchema).default([]),
  retraining: z
    .strictObject({
      /** Called once per transition of the recommendation with the health report. */
      webhook_url: z.url().optional(),
      /** Consecutive evaluations with dataset drift before retraining is recommended. */
      sustained_evaluations: z.number().int().min(1).default(3),
    })
    .prefault({}),
  /** The KServe inference-logger sink, POST /api/v1/cloudevents (docs/kserve.md). */
  kserve: kserveSchema.prefault({}),
  /** Modules that register extra drift tests (docs/configuration.md#plugins), resolved relative to the config file. */
  plugins: z.array(z.string().min(1)).default([]),
});

export type Config = z.output<typeof configSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type FeatureConfig = z.output<typeof featureSchema>;
export type KServeConfig = z.output<typeof kserveSchema>;
export type KServeServiceConfig = z.output<typeof kserveServiceSchema>;
export type DriftConfig = z.output<typeof driftSchema>;
export type WindowConfig = { rows?: number | undefined; duration?: number | undefined };
