/**
 * Detection-quality simulation (issue 8): seeded prediction streams with drift injected at a known row
 * (mean shift, variance change, category shift, prior shift) or none, fed through the exporter's own
 * evaluation — one `ModelMonitor` per drift method with its ring-buffer window, a reference profile built
 * by `buildProfile`, the configured `min_rows` and `confirmations`, evaluated every `evaluation.interval`
 * seconds of simulated time — and summarised as detection delay and false-alarm rate.
 *
 * Shared by the benchmark (bench/detection.ts, the table in docs/detection.md) and its bounded CI test
 * (test/detection.test.ts). Nothing here computes a drift statistic: verdicts come from the monitors.
 *
 * The simulated model is a binary classifier on a world with two classes (P(y = 1) = 0.3):
 *   num_a | y ~ N(1.0·y, 1)   num_b | y ~ N(0.5·y, 1)
 *   cat_a | y over A..D: y = 0 → .40 .30 .20 .10, y = 1 → .20 .25 .25 .30
 *   cat_b | y over yes/no: P(yes) = .70 (y = 0), .45 (y = 1)
 * and the model's score is the Bayes posterior P(y = 1 | x) under the reference prior (so it is
 * calibrated on the reference); prediction = score ≥ 0.5. Every row consumes the same seven uniforms
 * whatever the scenario, so all scenarios of one seed share their random numbers (common random numbers):
 * before the injection they are the no-drift stream row for row, after it they differ only by the drift.
 */
import { buildConfig } from '../../exporter/src/config/load';
import { type Config, DRIFT_METHODS } from '../../exporter/src/config/schema';
import type { ActiveReference, ModelEvaluation } from '../../exporter/src/evaluate/monitor';
import { createMonitor, evaluationSettings } from '../../exporter/src/evaluate/settings';
import { NO_TELEMETRY } from '../../exporter/src/evaluate/telemetry';
import { buildProfile, DEFAULT_ROLES, type ReferenceProfile } from '../../exporter/src/reference/profile';
import { type Cell, type Table, tableFromCells } from '../../exporter/src/reference/table';
import { mulberry32 } from '../../exporter/src/stats/multivariate';
import type { LogRow } from '../../exporter/src/store/reader';

// ---------------------------------------------------------------------------------------------------
// The simulated world and model

export const FEATURES = ['num_a', 'num_b', 'cat_a', 'cat_b'] as const;
export type FeatureName = (typeof FEATURES)[number];

/** P(y = 1) in the reference (training) population. */
export const REFERENCE_PRIOR = 0.3;
const MU_A = 1;
const MU_B = 0.5;
const CAT_A = ['A', 'B', 'C', 'D'] as const;
const CAT_A_GIVEN_Y: readonly (readonly number[])[] = [
  [0.4, 0.3, 0.2, 0.1],
  [0.2, 0.25, 0.25, 0.3],
];
const CAT_B_YES_GIVEN_Y = [0.7, 0.45] as const;

/** Mean and (population) standard deviation of a numeric feature in the reference population. */
function marginal(mu: number): { mean: number; sd: number } {
  const p = REFERENCE_PRIOR;
  return { mean: mu * p, sd: Math.sqrt(1 + mu * mu * p * (1 - p)) };
}
const MARGINAL_A = marginal(MU_A);
const MARGINAL_B = marginal(MU_B);

export type ScenarioKind = 'none' | 'mean_shift' | 'variance_change' | 'category_shift' | 'prior_shift';

export interface Scenario {
  /** Short id used in the JSON and tables. */
  name: string;
  kind: ScenarioKind;
  /**
   * Effect size: mean shift in reference standard deviations (both numeric features); variance change
   * as the factor on the standard deviation (both numeric features); category shift as the share of rows
   * whose category is replaced (cat_a → "D", cat_b → "no"); prior shift as the new P(y = 1).
   */
  size: number;
  description: string;
  /** Features whose distribution the drift changes (the ones a feature-level detection counts). */
  shifted: readonly FeatureName[];
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'none', kind: 'none', size: 0, description: 'no drift', shifted: [] },
  {
    name: 'mean_0.1sd',
    kind: 'mean_shift',
    size: 0.1,
    description: 'mean shift +0.1σ (num_a, num_b)',
    shifted: ['num_a', 'num_b'],
  },
  {
    name: 'mean_0.5sd',
    kind: 'mean_shift',
    size: 0.5,
    description: 'mean shift +0.5σ (num_a, num_b)',
    shifted: ['num_a', 'num_b'],
  },
  {
    name: 'mean_1sd',
    kind: 'mean_shift',
    size: 1,
    description: 'mean shift +1σ (num_a, num_b)',
    shifted: ['num_a', 'num_b'],
  },
  {
    name: 'variance_1.3x',
    kind: 'variance_change',
    size: 1.3,
    description: 'σ × 1.3, mean kept (num_a, num_b)',
    shifted: ['num_a', 'num_b'],
  },
  {
    name: 'variance_1.5x',
    kind: 'variance_change',
    size: 1.5,
    description: 'σ × 1.5, mean kept (num_a, num_b)',
    shifted: ['num_a', 'num_b'],
  },
  {
    name: 'category_0.1',
    kind: 'category_shift',
    size: 0.1,
    description: '10% of rows moved to one category (cat_a → D, cat_b → no)',
    shifted: ['cat_a', 'cat_b'],
  },
  {
    name: 'category_0.25',
    kind: 'category_shift',
    size: 0.25,
    description: '25% of rows moved to one category (cat_a → D, cat_b → no)',
    shifted: ['cat_a', 'cat_b'],
  },
  {
    name: 'prior_0.3to0.5',
    kind: 'prior_shift',
    size: 0.5,
    description: 'P(y=1) 0.3 → 0.5; features follow their class-conditionals',
    shifted: ['num_a', 'num_b', 'cat_a', 'cat_b'],
  },
];

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
  return s;
}

export interface SimRow {
  features: { num_a: number; num_b: number; cat_a: string; cat_b: string };
  label: number;
  score: number;
  prediction: number;
}

function pickIndex(u: number, probs: readonly number[]): number {
  let acc = 0;
  for (let i = 0; i < probs.length - 1; i++) {
    acc += probs[i]!;
    if (u < acc) return i;
  }
  return probs.length - 1;
}

/** Log-odds of the model's score: the Bayes posterior under the reference prior. */
function modelLogit(f: SimRow['features']): number {
  const ca = CAT_A.indexOf(f.cat_a as (typeof CAT_A)[number]);
  const yes = f.cat_b === 'yes';
  return (
    Math.log(REFERENCE_PRIOR / (1 - REFERENCE_PRIOR)) +
    MU_A * f.num_a -
    (MU_A * MU_A) / 2 +
    MU_B * f.num_b -
    (MU_B * MU_B) / 2 +
    Math.log(CAT_A_GIVEN_Y[1]![ca]! / CAT_A_GIVEN_Y[0]![ca]!) +
    (yes
      ? Math.log(CAT_B_YES_GIVEN_Y[1] / CAT_B_YES_GIVEN_Y[0])
      : Math.log((1 - CAT_B_YES_GIVEN_Y[1]) / (1 - CAT_B_YES_GIVEN_Y[0])))
  );
}

/**
 * Seeded stream of rows. `next(drift)` draws one row, from the reference world when `drift` is null or
 * of kind none, otherwise from the drifted world; the uniforms consumed do not depend on `drift`.
 */
export class World {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  next(drift: Scenario | null): SimRow {
    const r = this.random;
    const uY = r();
    const u1 = r() || Number.MIN_VALUE;
    const u2 = r();
    const uCatA = r();
    const uCatB = r();
    const uMoveA = r();
    const uMoveB = r();
    const kind = drift?.kind ?? 'none';
    const size = drift?.size ?? 0;

    const prior = kind === 'prior_shift' ? size : REFERENCE_PRIOR;
    const y = uY < prior ? 1 : 0;
    const radius = Math.sqrt(-2 * Math.log(u1));
    let numA = MU_A * y + radius * Math.cos(2 * Math.PI * u2);
    let numB = MU_B * y + radius * Math.sin(2 * Math.PI * u2);
    if (kind === 'mean_shift') {
      numA += size * MARGINAL_A.sd;
      numB += size * MARGINAL_B.sd;
    } else if (kind === 'variance_change') {
      numA = MARGINAL_A.mean + size * (numA - MARGINAL_A.mean);
      numB = MARGINAL_B.mean + size * (numB - MARGINAL_B.mean);
    }
    let catA: string = CAT_A[pickIndex(uCatA, CAT_A_GIVEN_Y[y]!)]!;
    let catB = uCatB < CAT_B_YES_GIVEN_Y[y]! ? 'yes' : 'no';
    if (kind === 'category_shift') {
      if (uMoveA < size) catA = 'D';
      if (uMoveB < size) catB = 'no';
    }
    const features = { num_a: numA, num_b: numB, cat_a: catA, cat_b: catB };
    const score = 1 / (1 + Math.exp(-modelLogit(features)));
    return { features, label: y, score, prediction: score >= 0.5 ? 1 : 0 };
  }
}

/** A reference data set as the exporter's table (features, prediction, score; no label column). */
export function referenceTable(rows: readonly SimRow[]): Table {
  const columns = new Map<string, Cell[]>();
  const names = [...FEATURES, 'prediction', 'score'];
  for (const n of names) columns.set(n, []);
  for (const row of rows) {
    for (const f of FEATURES) columns.get(f)!.push(row.features[f]);
    columns.get('prediction')!.push(row.prediction);
    columns.get('score')!.push(row.score);
  }
  return tableFromCells(columns);
}

// ---------------------------------------------------------------------------------------------------
// The exporter's evaluation as deployed

/** One monitored configuration: a drift method with its confirmations (and the reference size it sees). */
export interface Variant {
  /** Model name in the simulated config (unique). */
  name: string;
  method: string;
  confirmations: number;
  /** `drift.decision` (default: the config's default, calibrated). */
  decision?: 'calibrated' | 'threshold';
  /** `drift.false_alarm_run_length` (default: the config's default). */
  falseAlarmRunLength?: number;
  /** Reference rows (default: the run's `referenceRows`); `auto` switches tests at 1000 rows. */
  referenceRows?: number;
}

/** Every built-in drift method (the config's list), compared by the simulation. */
export const METHODS = DRIFT_METHODS;

export interface SimulationOptions {
  seed: number;
  scenario: Scenario;
  variants: readonly Variant[];
  /** Reference data set rows (drawn from the reference world with a seed of its own). */
  referenceRows: number;
  /** Rows streamed before the injection (a multiple of rowsPerStep). */
  injectAt: number;
  /** Rows streamed after the injection. */
  horizon: number;
  /** Rows arriving between two evaluations (rate = rowsPerStep / evaluation.interval). */
  rowsPerStep: number;
  /** Raw config merged over the simulation's base config (validated by the exporter's schema). */
  config?: Record<string, unknown>;
}

/**
 * The exporter's config for the simulation: the schema's defaults (window 10,000 rows / 24 h, min_rows
 * 500, evaluation every 15 s, reference sample 20,000, …) with one model per variant carrying its
 * `drift.method` and `drift.confirmations`. Two things are switched off because they never change a
 * feature, dataset or prediction drift verdict and would only slow the simulation down: the multivariate
 * tests (reported separately, not part of dataset drift) and the rolling performance windows (no labels
 * are streamed).
 */
export function simulationConfig(variants: readonly Variant[], raw: Record<string, unknown> = {}): Config {
  const drift = { multivariate: false, ...((raw.drift as Record<string, unknown> | undefined) ?? {}) };
  return buildConfig({
    performance_windows: [],
    ...raw,
    drift,
    models: variants.map((v) => ({
      name: v.name,
      drift: {
        method: v.method,
        confirmations: v.confirmations,
        ...(v.decision !== undefined ? { decision: v.decision } : {}),
        ...(v.falseAlarmRunLength !== undefined ? { false_alarm_run_length: v.falseAlarmRunLength } : {}),
      },
    })),
  });
}

/** Verdicts as small integers: -1 no verdict (null), 0 not drifted, 1 drifted. */
function code(v: boolean | null | undefined): number {
  return v === true ? 1 : v === false ? 0 : -1;
}

/** What one monitor reported at every evaluation of one run. */
export interface Trace {
  variant: Variant;
  /** Rows streamed when each evaluation ran. */
  rows: Int32Array;
  /** Simulated seconds since the first row, per evaluation. */
  seconds: Float64Array;
  /** Per feature: the confirmed verdict (`FeatureOutcome.drifted`) per evaluation. */
  features: Record<FeatureName, Int8Array>;
  /** Per feature: the unconfirmed verdict of the test (`result.drifted`). */
  raw: Record<FeatureName, Int8Array>;
  /** Per feature: the test's score (p-value or distance; NaN without one). */
  scores: Record<FeatureName, Float64Array>;
  /** Dataset drift per evaluation (-1 when no feature has a verdict). */
  dataset: Int8Array;
  /** Prediction (score) drift per evaluation. */
  prediction: Int8Array;
  /** Test chosen per feature and for the prediction at the last evaluation (auto resolves per column). */
  tests: Record<string, string | null>;
  /** Mean wall time of one `evaluate` call, in milliseconds. */
  evaluateMs: number;
}

export interface RunResult {
  seed: number;
  scenario: Scenario;
  injectAt: number;
  rowsPerStep: number;
  intervalSeconds: number;
  /** Rows of a full drift window (the config's `window.rows`; Infinity for a window by time only). */
  windowRows: number;
  traces: Trace[];
}

/** Deterministic seeds for the stream and the reference of run `seed`. */
function streamSeed(seed: number): number {
  return (Math.imul(seed, 2_654_435_761) ^ 0x5bd1e995) >>> 0;
}
function referenceSeed(seed: number): number {
  return (Math.imul(seed + 0x9e37, 2_246_822_519) ^ 0x27d4eb2f) >>> 0;
}

/**
 * One run: builds the reference (per distinct reference size), one monitor per variant, then streams
 * `injectAt + horizon` rows, `rowsPerStep` per evaluation interval, drifted from row `injectAt` on, and
 * evaluates every monitor at the end of each interval.
 */
export function simulate(opts: SimulationOptions): RunResult {
  if (opts.injectAt % opts.rowsPerStep !== 0)
    throw new RangeError('injectAt must be a multiple of rowsPerStep (injection at an interval boundary)');
  const config = simulationConfig(opts.variants, opts.config);
  const interval = config.evaluation.interval;

  const referenceWorld = new World(referenceSeed(opts.seed));
  const sizes = opts.variants.map((v) => v.referenceRows ?? opts.referenceRows);
  const referenceRows = Array.from({ length: Math.max(opts.referenceRows, ...sizes) }, () =>
    referenceWorld.next(null),
  );
  const references = new Map<number, ActiveReference>();
  for (const size of new Set(sizes)) {
    const table = referenceTable(referenceRows.slice(0, size));
    const profile: ReferenceProfile = buildProfile(
      table,
      { ...DEFAULT_ROLES, attributes: new Set(), types: new Map() },
      config.reference.sample_size,
    );
    references.set(size, {
      id: references.size + 1,
      model: 'simulation',
      name: `reference-${size}`,
      created_at: 0,
      source: { kind: 'upload', format: 'ndjson' },
      rows: size,
      profile,
    });
  }

  const monitors = opts.variants.map((variant) => {
    // the monitor and settings exactly as the engine makes them
    const monitor = createMonitor(config, variant.name, NO_TELEMETRY);
    monitor.setReference(references.get(variant.referenceRows ?? opts.referenceRows)!);
    return { variant, monitor, settings: evaluationSettings(config, monitor.config), ms: 0 };
  });

  const steps = (opts.injectAt + opts.horizon) / opts.rowsPerStep;
  if (!Number.isInteger(steps)) throw new RangeError('injectAt + horizon must be a multiple of rowsPerStep');
  const perFeature = () =>
    Object.fromEntries(FEATURES.map((f) => [f, new Int8Array(steps)])) as Record<FeatureName, Int8Array>;
  const traces: Trace[] = monitors.map(({ variant }) => ({
    variant,
    rows: new Int32Array(steps),
    seconds: new Float64Array(steps),
    features: perFeature(),
    raw: perFeature(),
    scores: Object.fromEntries(FEATURES.map((f) => [f, new Float64Array(steps)])) as Record<
      FeatureName,
      Float64Array
    >,
    dataset: new Int8Array(steps),
    prediction: new Int8Array(steps),
    tests: {},
    evaluateMs: 0,
  }));

  const world = new World(streamSeed(opts.seed));
  const t0 = 1_800_000_000;
  const rate = opts.rowsPerStep / interval;
  let streamed = 0;
  for (let k = 0; k < steps; k++) {
    for (let j = 0; j < opts.rowsPerStep; j++) {
      const drifted = streamed >= opts.injectAt;
      const r = world.next(drifted ? opts.scenario : null);
      const row: LogRow = {
        id: streamed + 1,
        model: 'simulation',
        model_version: null,
        prediction_id: `r${streamed}`,
        ts: t0 + (streamed + 1) / rate,
        features: r.features,
        prediction: r.prediction,
        score: r.score,
        attributes: null,
        latency_seconds: null,
      };
      for (const m of monitors) m.monitor.append(row);
      streamed++;
    }
    const now = t0 + (k + 1) * interval;
    monitors.forEach((m, i) => {
      const started = performance.now();
      const ev = m.monitor.evaluate(now, m.settings);
      m.ms += performance.now() - started;
      record(traces[i]!, k, ev, streamed, now - t0);
    });
  }
  monitors.forEach((m, i) => {
    traces[i]!.evaluateMs = m.ms / steps;
  });
  return {
    seed: opts.seed,
    scenario: opts.scenario,
    injectAt: opts.injectAt,
    rowsPerStep: opts.rowsPerStep,
    intervalSeconds: interval,
    windowRows: config.window.rows ?? Number.POSITIVE_INFINITY,
    traces,
  };
}

function record(trace: Trace, k: number, ev: ModelEvaluation, rows: number, seconds: number): void {
  trace.rows[k] = rows;
  trace.seconds[k] = seconds;
  for (const f of ev.features) {
    const name = f.name as FeatureName;
    if (!(name in trace.features)) continue;
    trace.features[name][k] = code(f.drifted);
    trace.raw[name][k] = code(f.result.drifted);
    trace.scores[name][k] = f.result.score ?? Number.NaN;
    trace.tests[name] = f.result.test;
  }
  trace.dataset[k] = code(ev.dataset?.drifted);
  trace.prediction[k] = code(ev.predictionDrifted);
  trace.tests.prediction = ev.prediction?.test ?? null;
}

// ---------------------------------------------------------------------------------------------------
// Measures

/** Rows after the injection until the first evaluation that flags `series` (null: not within the run). */
export function detectionDelay(series: Int8Array, rows: Int32Array, injectAt: number): number | null {
  for (let k = 0; k < series.length; k++)
    if (rows[k]! > injectAt && series[k] === 1) return rows[k]! - injectAt;
  return null;
}

/**
 * Flagged and decided evaluations of `series` among those whose window holds no drifted row and at
 * least `fromRows` rows streamed (to separate the warm-up, while the window fills, from the steady state).
 */
export function alarms(
  series: Int8Array,
  rows: Int32Array,
  injectAt: number,
  fromRows = 0,
  toRows = Number.POSITIVE_INFINITY,
): { flagged: number; decided: number; onsets: number; longest: number } {
  let flagged = 0;
  let decided = 0;
  let onsets = 0;
  let longest = 0;
  let streak = 0;
  let previous = 0;
  for (let k = 0; k < series.length && rows[k]! <= injectAt; k++) {
    const v = series[k]!;
    if (rows[k]! < fromRows || rows[k]! >= toRows) {
      previous = v;
      streak = 0;
      continue;
    }
    streak = v === 1 ? streak + 1 : 0;
    if (streak > longest) longest = streak;
    if (v >= 0) decided++;
    if (v === 1) {
      flagged++;
      if (previous !== 1) onsets++;
    }
    previous = v;
  }
  return { flagged, decided, onsets, longest };
}

/**
 * Detection delays over the cases (runs, or runs × shifted features) that were not already flagged at
 * the last evaluation before the injection: a flag that is on then is a false alarm still standing, and
 * it would count as an instant "detection" of a drift that had not happened yet.
 */
export interface DelaySummary {
  /** Cases (runs × features for feature-level delays). */
  cases: number;
  /** Share of cases already flagged at the last evaluation before the injection (left out below). */
  flaggedAtInjection: number;
  /**
   * Share of the remaining cases detected within the horizon (null when none remain, e.g. the method
   * gives no verdict on these columns).
   */
  detected: number | null;
  /** Median delay in rows, undetected counted as infinite (null when ≥ half undetected or none remain). */
  medianRows: number | null;
  medianSeconds: number | null;
  /** 90th percentile in rows, same convention. */
  p90Rows: number | null;
  /** Per case, runs in order: rows to the first flag after the injection (null: none within the horizon). */
  delays: (number | null)[];
  /** Cases (indices into `delays`) flagged at the last evaluation before the injection. */
  onAtInjection: number[];
}

export interface AlarmSummary {
  /** Flagged share of decided evaluations (per feature test: of feature × evaluation pairs). */
  perEvaluation: number | null;
  /** Share of runs (features × runs for feature tests) with at least one alarm. */
  runsWithAlarm: number | null;
  /** Alarm onsets (an evaluation flagged after one that was not) per 1,000 decided evaluations. */
  onsetsPer1000: number | null;
  /**
   * Longest run of consecutive flagged evaluations in any run: how long an alert rule's `for:` would
   * have to be to hold the alarms back (in evaluations; × evaluation.interval for seconds).
   */
  longestStreak: number;
  decided: number;
}

export interface VariantSummary {
  variant: Variant;
  scenario: string;
  runs: number;
  tests: Record<string, string | null>;
  feature: DelaySummary;
  dataset: DelaySummary;
  prediction: DelaySummary;
  /** Before the injection (the whole stream without drift), once the window is full. */
  falseAlarms: { feature: AlarmSummary; dataset: AlarmSummary; prediction: AlarmSummary };
  /** The same while the window fills (from min_rows to a full window). */
  warmupAlarms: { feature: AlarmSummary; dataset: AlarmSummary; prediction: AlarmSummary };
  /**
   * Each feature's test score (p-value or distance) on full windows before the injection: median and the
   * 1st and 99th percentiles over evaluations and runs, to set against the threshold.
   */
  quietScore: Record<FeatureName, { median: number; p01: number; p99: number } | null>;
  evaluateMs: number;
}

/** Order statistic with undetected (Infinity) cases included; null when it lands on one. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return Number.isFinite(v) ? v : null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length / 2;
  const v = s.length % 2 === 1 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
  return Number.isFinite(v) ? v : null;
}

function delaySummary(
  cases: { series: Int8Array; rows: Int32Array; injectAt: number }[],
  secondsPerRow: number,
): DelaySummary {
  const delays: number[] = [];
  const raw: (number | null)[] = [];
  const onAtInjection: number[] = [];
  for (const c of cases) {
    const d = detectionDelay(c.series, c.rows, c.injectAt);
    raw.push(d);
    let last = -1;
    for (let k = 0; k < c.series.length && c.rows[k]! <= c.injectAt; k++) last = k;
    const on = last >= 0 && c.series[last] === 1;
    if (on) onAtInjection.push(raw.length - 1);
    // A test that never gives a verdict (it does not apply to the column) detects nothing: not a case.
    if (!on && c.series.some((v) => v >= 0)) delays.push(d ?? Number.POSITIVE_INFINITY);
  }
  delays.sort((a, b) => a - b);
  const med = median(delays);
  return {
    cases: cases.length,
    flaggedAtInjection: cases.length === 0 ? 0 : onAtInjection.length / cases.length,
    detected: delays.length === 0 ? null : delays.filter(Number.isFinite).length / delays.length,
    medianRows: med,
    medianSeconds: med === null ? null : med * secondsPerRow,
    p90Rows: quantile(delays, 0.9),
    delays: raw,
    onAtInjection,
  };
}

function alarmSummary(
  cases: { series: Int8Array; rows: Int32Array; injectAt: number }[],
  fromRows: number,
  toRows: number,
): AlarmSummary {
  let flagged = 0;
  let decided = 0;
  let onsets = 0;
  let runs = 0;
  let runsWithAlarm = 0;
  let longestStreak = 0;
  for (const c of cases) {
    const a = alarms(c.series, c.rows, c.injectAt, fromRows, toRows);
    longestStreak = Math.max(longestStreak, a.longest);
    flagged += a.flagged;
    decided += a.decided;
    onsets += a.onsets;
    if (a.decided > 0) {
      runs++;
      if (a.flagged > 0) runsWithAlarm++;
    }
  }
  return {
    perEvaluation: decided > 0 ? flagged / decided : null,
    runsWithAlarm: runs > 0 ? runsWithAlarm / runs : null,
    onsetsPer1000: decided > 0 ? (1000 * onsets) / decided : null,
    longestStreak,
    decided,
  };
}

/**
 * Summary per variant over the runs of one scenario (all runs share the scenario and the variants). In
 * the no-drift scenario every evaluation counts towards the false alarms.
 */
export function summarise(runs: readonly RunResult[]): VariantSummary[] {
  if (runs.length === 0) return [];
  const scenarioOf = runs[0]!.scenario;
  return runs[0]!.traces.map((first, i) => {
    const traces = runs.map((r) => ({
      // Without drift every evaluation counts as "before the injection".
      run: { injectAt: r.scenario.kind === 'none' ? Number.MAX_SAFE_INTEGER : r.injectAt },
      trace: r.traces[i]!,
    }));
    const secondsPerRow = runs[0]!.intervalSeconds / runs[0]!.rowsPerStep;
    const full = runs[0]!.windowRows;
    const shifted = scenarioOf.shifted;
    const featureCases = traces.flatMap(({ run, trace }) =>
      shifted.map((f) => ({ series: trace.features[f], rows: trace.rows, injectAt: run.injectAt })),
    );
    const allFeatureCases = traces.flatMap(({ run, trace }) =>
      FEATURES.map((f) => ({ series: trace.features[f], rows: trace.rows, injectAt: run.injectAt })),
    );
    const datasetCases = traces.map(({ run, trace }) => ({
      series: trace.dataset,
      rows: trace.rows,
      injectAt: run.injectAt,
    }));
    const predictionCases = traces.map(({ run, trace }) => ({
      series: trace.prediction,
      rows: trace.rows,
      injectAt: run.injectAt,
    }));
    const quietScore = {} as VariantSummary['quietScore'];
    for (const f of FEATURES) {
      const values: number[] = [];
      for (const { run, trace } of traces)
        for (let k = 0; k < trace.rows.length && trace.rows[k]! <= run.injectAt; k++) {
          const s = trace.scores[f][k]!;
          if (trace.rows[k]! >= full && !Number.isNaN(s)) values.push(s);
        }
      values.sort((a, b) => a - b);
      quietScore[f] =
        values.length === 0
          ? null
          : { median: median(values)!, p01: quantile(values, 0.01)!, p99: quantile(values, 0.99)! };
    }
    return {
      variant: first.variant,
      scenario: scenarioOf.name,
      runs: runs.length,
      tests: first.tests,
      feature: delaySummary(featureCases, secondsPerRow),
      dataset: delaySummary(datasetCases, secondsPerRow),
      prediction: delaySummary(predictionCases, secondsPerRow),
      falseAlarms: {
        feature: alarmSummary(allFeatureCases, full, Number.POSITIVE_INFINITY),
        dataset: alarmSummary(datasetCases, full, Number.POSITIVE_INFINITY),
        prediction: alarmSummary(predictionCases, full, Number.POSITIVE_INFINITY),
      },
      warmupAlarms: {
        feature: alarmSummary(allFeatureCases, 0, full),
        dataset: alarmSummary(datasetCases, 0, full),
        prediction: alarmSummary(predictionCases, 0, full),
      },
      quietScore,
      evaluateMs: traces.reduce((a, t) => a + t.trace.evaluateMs, 0) / traces.length,
    };
  });
}

/** The standard variants: every method with 1 confirmation, the given ones also with 3, auto on a small reference. */
export function standardVariants(
  confirmThree: readonly string[] = METHODS,
  smallReferenceRows: number | null = 1000,
): Variant[] {
  // The default (auto, calibrated) first, then every method under the threshold rule (Evidently's).
  const out: Variant[] = [
    { name: 'auto/calibrated/c1', method: 'auto', confirmations: 1, decision: 'calibrated' },
    { name: 'auto/calibrated/c3', method: 'auto', confirmations: 3, decision: 'calibrated' },
  ];
  for (const method of METHODS) {
    out.push({ name: `${method}/threshold/c1`, method, confirmations: 1, decision: 'threshold' });
    if (confirmThree.includes(method))
      out.push({ name: `${method}/threshold/c3`, method, confirmations: 3, decision: 'threshold' });
  }
  if (smallReferenceRows !== null) {
    for (const decision of ['calibrated', 'threshold'] as const)
      out.push({
        name: `auto-ref${smallReferenceRows}/${decision}/c1`,
        method: 'auto',
        confirmations: 1,
        decision,
        referenceRows: smallReferenceRows,
      });
  }
  return out;
}
