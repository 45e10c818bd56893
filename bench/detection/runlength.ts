/**
 * Verification of the calibrated decision's false-alarm budget (docs/detection.md): stationary streams
 * (no drift) through the exporter's own monitors with `drift.false_alarm_run_length` = L, and the run
 * length measured — window turnovers until the model's first alarm (any feature, the dataset or the model
 * output, as the exporter reports them). Runs without an alarm are censored at the horizon, so the mean
 * over runs is a lower bound of the expected run length: the budget holds when that bound is ≥ L.
 */
import { scenario, simulate, type Variant } from './simulate';

export interface RunLengthOptions {
  /** The budget under test (`drift.false_alarm_run_length`), in window turnovers. */
  budget: number;
  seeds: readonly number[];
  /** Window rows (a turnover is this many new rows). */
  windowRows: number;
  /** Rows between two evaluations (windowRows / evaluationsPerTurnover). */
  rowsPerStep: number;
  /** Reference rows. */
  referenceRows: number;
  /** Turnovers streamed per run (the censoring horizon). */
  horizonTurnovers: number;
  method?: string;
}

export interface RunLengthResult {
  budget: number;
  runs: number;
  /** Runs with an alarm within the horizon. */
  alarmed: number;
  /** Turnovers until the first alarm per run; null when censored at the horizon. */
  lengths: (number | null)[];
  /** Mean run length with censored runs counted at the horizon: a lower bound of the expected run length. */
  meanLowerBound: number;
  /** Share of runs with an alarm within `budget` turnovers (a geometric run length with mean L gives 63%). */
  alarmedWithinBudget: number;
  evaluationsPerTurnover: number;
}

export function measureRunLength(opts: RunLengthOptions): RunLengthResult {
  const variant: Variant = {
    name: 'calibrated',
    method: opts.method ?? 'auto',
    confirmations: 1,
    decision: 'calibrated',
    falseAlarmRunLength: opts.budget,
  };
  const total = opts.windowRows * opts.horizonTurnovers;
  const lengths: (number | null)[] = [];
  for (const seed of opts.seeds) {
    const run = simulate({
      seed,
      scenario: scenario('none'),
      variants: [variant],
      referenceRows: opts.referenceRows,
      injectAt: total,
      horizon: 0,
      rowsPerStep: opts.rowsPerStep,
      config: { window: { rows: opts.windowRows }, drift: { min_rows: Math.min(500, opts.windowRows) } },
    });
    const t = run.traces[0]!;
    let first: number | null = null;
    for (let k = 0; k < t.rows.length && first === null; k++) {
      const alarm =
        t.dataset[k] === 1 ||
        t.prediction[k] === 1 ||
        Object.values(t.features).some((series) => series[k] === 1);
      if (alarm) first = t.rows[k]! / opts.windowRows;
    }
    lengths.push(first);
  }
  const alarmed = lengths.filter((x) => x !== null).length;
  const meanLowerBound =
    lengths.reduce<number>((sum, x) => sum + (x ?? opts.horizonTurnovers), 0) / lengths.length;
  return {
    budget: opts.budget,
    runs: lengths.length,
    alarmed,
    lengths,
    meanLowerBound,
    alarmedWithinBudget: lengths.filter((x) => x !== null && x <= opts.budget).length / lengths.length,
    evaluationsPerTurnover: opts.windowRows / opts.rowsPerStep,
  };
}
