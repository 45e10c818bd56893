import type { FeatureDrift, Verdict } from './drift';
import { DRIFT_TESTS } from './drift-tests.generated';

/** Display names, from the exporter's drift-test registry (generated module). */
const METHOD_NAMES: ReadonlyMap<string, string> = new Map(DRIFT_TESTS.map((t) => [t.name, t.label]));

/** Display name of a drift test ("psi" → "PSI", unknown tests as exported). */
export function methodName(method: string | undefined): string {
  if (!method) {
    return 'drift';
  }
  return METHOD_NAMES.get(method) ?? method;
}

/** A score or threshold with 3 significant digits; tiny p-values in exponent form (3.1e-5). */
export function formatScore(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) {
    return '—';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '−∞';
  }
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  if (abs < 1e-3) {
    return value.toExponential(1).replace(/\.0e/, 'e');
  }
  if (abs >= 1000) {
    return value.toExponential(2).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(3)));
}

/** A share as a percentage: 12.3%, 0.04%, 0%. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '—';
  }
  const pct = value * 100;
  if (pct === 0) {
    return '0%';
  }
  if (Math.abs(pct) < 0.1) {
    return `${pct.toFixed(2)}%`;
  }
  return `${pct.toFixed(1)}%`;
}

/** Difference of two shares in percentage points, signed: "+7.3 pp". */
export function formatDelta(reference: number | null, current: number | null): string {
  if (reference === null || current === null) {
    return '—';
  }
  const pp = (current - reference) * 100;
  const text = Math.abs(pp) < 0.1 ? pp.toFixed(2) : pp.toFixed(1);
  return `${pp >= 0 ? '+' : '−'}${text.replace('-', '')} pp`;
}

/** The comparison that decided the verdict, by the test's direction. */
export function comparison(f: Pick<FeatureDrift, 'direction' | 'exceeded'>): '<' | '≥' {
  if (f.direction === 'lower') {
    return f.exceeded ? '<' : '≥';
  }
  return f.exceeded ? '≥' : '<';
}

/**
 * One line: the test, its score against the threshold, e.g. "PSI 0.234 ≥ 0.1", "KS p = 0.0031 < 0.05",
 * "Wasserstein 0.04 < 0.1". Undefined without a score.
 */
export function scoreSummary(f: FeatureDrift): string | undefined {
  if (f.score === undefined) {
    return undefined;
  }
  const name = methodName(f.method);
  const value = f.direction === 'lower' ? `p = ${formatScore(f.score)}` : formatScore(f.score);
  if (f.threshold === undefined || f.exceeded === undefined) {
    return `${name} ${value}`;
  }
  return `${name} ${value} ${comparison(f)} ${formatScore(f.threshold)}`;
}

/** How the test decides, e.g. "drift when p < 0.05" or "drift when score ≥ 0.1". */
export function ruleText(f: Pick<FeatureDrift, 'direction' | 'threshold' | 'thresholdDefaulted'>): string {
  if (f.threshold === undefined) {
    return '';
  }
  const t = formatScore(f.threshold);
  const rule = f.direction === 'lower' ? `drift when p < ${t}` : `drift when score ≥ ${t}`;
  return f.thresholdDefaulted ? `${rule} (default)` : rule;
}

export const VERDICT_TEXT: Record<Verdict, string> = {
  drifted: 'Drift',
  pending: 'Unconfirmed',
  ok: 'No drift',
  unknown: 'No score',
};

export const VERDICT_DESCRIPTION: Record<Verdict, string> = {
  drifted: 'Drift detected',
  pending: 'Past the threshold, not yet confirmed by the exporter',
  ok: 'Within threshold',
  unknown: 'No drift score for this feature',
};

/** Row counts, grouped: 12,480. */
export function formatCount(value: number | undefined): string {
  return value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}
