/**
 * Calibrated drift decisions (docs/detection.md, "How the calibrated decision works"): the level each
 * evaluation tests at, derived from a false-alarm budget stated as an expected run length in window
 * turnovers per model, and the null quantiles the drift tests use to turn that level into a threshold on
 * their own score. Pure functions; the tests' own files (drift-tests/) say which quantile applies to them.
 *
 * The level. A model has F columns tested (features plus the model output). Over one window turnover
 * (as many new rows as the window holds) each column's statistic is a process that is evaluated many
 * times, on windows that share most of their rows. For a standardised moving-window statistic the
 * correlation between windows δ rows apart is 1 − δ/W, i.e. a locally Brownian process, and Pickands'
 * theorem gives P(max over one turnover > u) ≈ (1 + u²)·P(one evaluation > u) for continuous monitoring —
 * an upper bound for evaluations at any rate. A union bound over the F columns then gives a per-turnover
 * false-alarm probability of at most F·(1 + u²)·α, and the expected run length is at least
 * 1 / (F·(1 + u²)·α). So each evaluation tests at α = 1 / (L·F·(1 + u²)) with u the normal quantile of α,
 * solved as a fixed point. It depends neither on traffic nor on the evaluation interval, so `compare` and
 * `serve` reach the same verdict on the same reference and window.
 */
import { chi2Isf, normalIsf } from './special';
import type { BinnedPair, DriftDecision } from './types';

/** Default false-alarm budget: expected window turnovers per model before a false alarm. */
export const DEFAULT_FALSE_ALARM_RUN_LENGTH = 10_000;

const levelCache = new Map<string, number>();

/**
 * Per-evaluation, per-column level α for a false-alarm budget of `runLength` window turnovers per model
 * with `columns` columns tested (see the module comment).
 */
export function evaluationLevel(runLength: number, columns: number): number {
  if (!(runLength >= 1) || !Number.isFinite(runLength))
    throw new RangeError(`false-alarm run length must be a finite number ≥ 1, got ${runLength}`);
  const f = Math.max(1, Math.floor(columns));
  const key = `${runLength}:${f}`;
  const cached = levelCache.get(key);
  if (cached !== undefined) return cached;
  let alpha = 1 / (runLength * f);
  for (let i = 0; i < 50; i++) {
    const u = Math.max(0, normalIsf(Math.min(alpha, 0.5)));
    const next = 1 / (runLength * f * (1 + u * u));
    if (Math.abs(next - alpha) <= 1e-15 * alpha) break;
    alpha = next;
  }
  if (levelCache.size > 1000) levelCache.clear();
  levelCache.set(key, alpha);
  return alpha;
}

/** Bins with an observation on either side (the categories the comparison is over). */
export function occupiedBins(bins: BinnedPair): number {
  let k = 0;
  for (let i = 0; i < bins.referenceCounts.length; i++)
    if (bins.referenceCounts[i]! + bins.currentCounts[i]! > 0) k++;
  return k;
}

/**
 * Null quantile shared by the histogram divergences: under no drift, Σ (c_i − r_i)² / p_i over k occupied
 * bins is asymptotically (1/n + 1/m)·χ²(k − 1) (the two-sample Pearson statistic). PSI is that sum to
 * second order, KL half of it, the Jensen–Shannon divergence and the squared Hellinger distance an
 * eighth of it. Returns the sum's upper `alpha` quantile, or null with fewer than two occupied bins.
 */
export function pearsonNoise(bins: BinnedPair, rows: { reference: number; current: number }, alpha: number) {
  const k = occupiedBins(bins);
  if (k < 2 || rows.reference <= 0 || rows.current <= 0) return null;
  return chi2Isf(alpha, k - 1) * (1 / rows.reference + 1 / rows.current);
}

/** Total variation distance ½ Σ |r_i − c_i| between the binned proportions (share of mass that moved). */
export function totalVariation(bins: BinnedPair): number {
  let s = 0;
  for (let i = 0; i < bins.reference.length; i++) s += Math.abs(bins.reference[i]! - bins.current[i]!);
  return s / 2;
}

/** How verdicts are reached, as configured (config `drift.*`, `compare --decision`). */
export interface DecisionSettings {
  mode: 'calibrated' | 'threshold';
  /** Budget: expected window turnovers per model before a false alarm (calibrated only). */
  falseAlarmRunLength: number;
  /** Smallest change that counts, overriding the tests' own defaults (calibrated only). */
  minEffect?: number | undefined;
}

/** The decision for one column of a model (or compare run) with `columns` columns tested. */
export function driftDecision(settings: DecisionSettings, columns: number): DriftDecision {
  if (settings.mode === 'threshold') return { mode: 'threshold' };
  const alpha = evaluationLevel(settings.falseAlarmRunLength, columns);
  return settings.minEffect === undefined
    ? { mode: 'calibrated', alpha }
    : { mode: 'calibrated', alpha, minEffect: settings.minEffect };
}
