/**
 * A deterministic, realistic set of modelwatch series for one model, as the exporter would export them
 * (docs/statistics.md binning, §7 metric families), and the panel's default queries A–D built from it in
 * either Prometheus format. Used by the unit tests and by the browser harness.
 */
import type { DataFrame, Labels } from '@grafana/data';

import {
  type Point,
  promTableFrames,
  promTimeSeriesFrames,
  type QuerySpec,
  type SeriesSpec,
} from './promFrames';

export interface ScenarioOptions {
  model?: string;
  features?: number;
  /** Quantile bins per numeric feature (the exporter's default is 10). */
  bins?: number;
  /** Unix ms of the evaluation shown (instant queries). */
  now?: number;
  /** Span and step of the drift score range query. */
  rangeMs?: number;
  stepMs?: number;
  seed?: number;
  referenceRows?: number | null;
  windowRows?: number;
  windowMinRows?: number;
  /** Omit the current-window bin ratios and scores (window below minimum size). */
  withholdCurrent?: boolean;
  /** Make every feature numeric with `bins` quantile bins (the render-time benchmark). */
  numericOnly?: boolean;
}

export interface ScenarioSeries {
  binRatio: SeriesSpec[];
  score: SeriesSpec[];
  threshold: SeriesSpec[];
  pValue: SeriesSpec[];
  drifted: SeriesSpec[];
  rows: SeriesSpec[];
}

const BASE_FEATURES: ReadonlyArray<{ name: string; type: 'numeric' | 'categorical' | 'discrete' }> = [
  { name: 'income', type: 'numeric' },
  { name: 'age', type: 'numeric' },
  { name: 'employment_type', type: 'categorical' },
  { name: 'credit_score', type: 'numeric' },
  { name: 'num_open_accounts', type: 'discrete' },
  { name: 'loan_amount', type: 'numeric' },
  { name: 'region', type: 'categorical' },
  { name: 'debt_to_income', type: 'numeric' },
  { name: 'months_employed', type: 'numeric' },
  { name: 'home_ownership', type: 'categorical' },
  { name: 'num_late_payments', type: 'discrete' },
  { name: 'utilization', type: 'numeric' },
];

const CATEGORIES: Record<string, string[]> = {
  employment_type: ['salaried', 'self_employed', 'contractor', 'retired', 'student', 'unemployed'],
  region: ['north', 'south', 'east', 'west', 'central'],
  home_ownership: ['rent', 'mortgage', 'own', 'other'],
};

/** Mulberry32: small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Inverse standard normal CDF by bisection (fixtures only). */
function phiInv(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

function normalise(xs: number[]): number[] {
  const s = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / s);
}

function psi(r: number[], c: number[]): number {
  return r.reduce((acc, ri, i) => {
    const a = Math.max(ri, 1e-4);
    const b = Math.max(c[i]!, 1e-4);
    return acc + (b - a) * Math.log(b / a);
  }, 0);
}

function jensenShannon(r: number[], c: number[]): number {
  let d = 0;
  r.forEach((ri, i) => {
    const ci = c[i]!;
    const m = (ri + ci) / 2;
    if (ri > 0) {
      d += 0.5 * ri * Math.log(ri / m);
    }
    if (ci > 0) {
      d += 0.5 * ci * Math.log(ci / m);
    }
  });
  return Math.sqrt(Math.max(0, d));
}

/** Round a value the way the exporter's edge strings look (shortest decimal of a float64). */
function edgeString(x: number): string {
  return String(Number(x.toPrecision(8)));
}

interface FeaturePlan {
  name: string;
  type: 'numeric' | 'categorical' | 'discrete';
  method: string;
  threshold: number;
  /** 0 = no drift, 1 = strong drift at the end of the range. */
  drift: number;
  onset: number;
}

function featureName(i: number): string {
  const base = BASE_FEATURES[i % BASE_FEATURES.length]!;
  const round = Math.floor(i / BASE_FEATURES.length);
  return round === 0 ? base.name : `${base.name}_${round + 1}`;
}

function plan(count: number, random: () => number, numericOnly: boolean): FeaturePlan[] {
  const out: FeaturePlan[] = [];
  for (let i = 0; i < count; i++) {
    const type = numericOnly ? 'numeric' : BASE_FEATURES[i % BASE_FEATURES.length]!.type;
    // A mix of the exporter's tests, both directions: distances (≥ threshold) and p-values (< threshold).
    const numericMethods = ['wasserstein', 'ks', 'psi'] as const;
    const categoricalMethods = ['jensenshannon', 'chisquare'] as const;
    const method =
      type === 'numeric'
        ? numericMethods[i % numericMethods.length]!
        : categoricalMethods[(i + 1) % categoricalMethods.length]!;
    const threshold = method === 'ks' || method === 'chisquare' ? 0.05 : 0.1;
    // A bad day for the model: income (Wasserstein), age (KS p-value), employment_type (Jensen–Shannon) and
    // num_open_accounts drift, credit_score is past its threshold but not confirmed yet; every other
    // round of copies (50-feature scenario) drifts the same way.
    const base = BASE_FEATURES[i % BASE_FEATURES.length]!.name;
    const round = Math.floor(i / BASE_FEATURES.length);
    const strong =
      ['income', 'age', 'employment_type', 'num_open_accounts'].includes(base) && round % 2 === 0;
    const drift = strong ? 0.55 + random() * 0.45 : base === 'credit_score' && round % 2 === 0 ? 0.22 : 0;
    out.push({ name: featureName(i), type, method, threshold, drift, onset: 0.35 + random() * 0.45 });
  }
  return out;
}

/** Reference and current bin shares of a feature for a drift strength in [0, 1]. */
function distributions(
  f: FeaturePlan,
  bins: number,
  strength: number,
  random: () => number,
): { keys: string[]; reference: number[]; current: number[] } {
  if (f.type === 'numeric') {
    const mu = 20 + random() * 80000 * (f.name.startsWith('income') ? 1 : 0.001);
    const sigma = mu * (0.15 + random() * 0.2);
    const edges = Array.from({ length: bins - 1 }, (_, k) => mu + sigma * phiInv((k + 1) / bins));
    const keys = [...edges.map(edgeString), '+Inf'];
    const cuts = [
      Number.NEGATIVE_INFINITY,
      ...edges.map((e) => Number(edgeString(e))),
      Number.POSITIVE_INFINITY,
    ];
    const mass = (m: number, s: number): number[] =>
      cuts.slice(1).map((hi, k) => phi((hi - m) / s) - phi((cuts[k]! - m) / s));
    const reference = normalise(mass(mu, sigma).map((p) => p * (1 + (random() - 0.5) * 0.04)));
    const current = normalise(
      mass(mu + sigma * 0.9 * strength, sigma * (1 + 0.35 * strength)).map(
        (p) => p * (1 + (random() - 0.5) * 0.1),
      ),
    );
    return { keys, reference, current };
  }
  if (f.type === 'discrete') {
    const keys = ['0', '1', '2', '3', '4', '5', '6', '8', '10', '12'];
    const lambda = 2.2;
    const pois = (l: number): number[] => {
      let fact = 1;
      return keys.map((k) => {
        const n = Number(k);
        fact = 1;
        for (let j = 2; j <= n; j++) {
          fact *= j;
        }
        return (l ** n * Math.exp(-l)) / fact;
      });
    };
    return {
      keys,
      reference: normalise(pois(lambda).map((p) => p + 0.002)),
      current: normalise(
        pois(lambda * (1 + 0.8 * strength)).map((p) => p * (1 + (random() - 0.5) * 0.1) + 0.002),
      ),
    };
  }
  const keys = CATEGORIES[f.name.replace(/_\d+$/, '')] ?? ['a', 'b', 'c'];
  const reference = normalise(keys.map((_, k) => 1 / (k + 1.3)));
  const shifted = reference.map((p, k) =>
    k === keys.length - 1 ? p + 0.35 * strength : p * (1 - 0.3 * strength),
  );
  return { keys, reference, current: normalise(shifted.map((p) => p * (1 + (random() - 0.5) * 0.08))) };
}

/** The drift score the feature's test gives for the distributions (approximate for ks/wasserstein/chisquare). */
function scoreOf(
  f: FeaturePlan,
  reference: number[],
  current: number[],
  strength: number,
  noise = 0.5,
): number {
  switch (f.method) {
    case 'psi':
      return psi(reference, current);
    case 'jensenshannon':
      return jensenShannon(reference, current);
    case 'wasserstein':
      return 0.03 + 0.9 * strength * 0.45;
    case 'ks': {
      // two-sample KS with n_eff ≈ 600: D of a location shift, plus sampling noise
      const d = Math.abs(2 * phi((0.9 * strength) / 2) - 1) + 0.035 + 0.02 * noise;
      return Math.min(1, 2 * Math.exp(-2 * 600 * d * d));
    }
    default: {
      // chisquare p-value: larger shifts → smaller p
      const stat = 4000 * psi(reference, current);
      return Math.min(1, Math.exp(-stat / 6));
    }
  }
}

export function buildScenario(options: ScenarioOptions = {}): ScenarioSeries {
  const model = options.model ?? 'credit-risk';
  const now = options.now ?? Date.UTC(2026, 10, 23, 12, 0, 0);
  const rangeMs = options.rangeMs ?? 6 * 3600_000;
  const stepMs = options.stepMs ?? 60_000;
  const bins = options.bins ?? 10;
  const random = rng(options.seed ?? 7);
  const plans = plan(options.features ?? 12, random, options.numericOnly ?? false);
  const out: ScenarioSeries = { binRatio: [], score: [], threshold: [], pValue: [], drifted: [], rows: [] };
  const name = (metric: string, labels: Labels): Labels => ({ __name__: `modelwatch_${metric}`, ...labels });
  const at = (value: number): Point[] => [[now, value]];
  const steps = Math.floor(rangeMs / stepMs);
  const withhold = options.withholdCurrent ?? false;

  plans.forEach((f, idx) => {
    const dist = distributions(f, bins, f.drift, random);
    dist.keys.forEach((bin, k) => {
      out.binRatio.push({
        labels: name('feature_bin_ratio', { model, feature: f.name, bin, dataset: 'reference' }),
        points: at(dist.reference[k]!),
      });
      if (!withhold) {
        out.binRatio.push({
          labels: name('feature_bin_ratio', { model, feature: f.name, bin, dataset: 'current' }),
          points: at(dist.current[k]!),
        });
      }
    });
    if (withhold) {
      return;
    }
    const labels = { model, feature: f.name, method: f.method };
    const final = scoreOf(f, dist.reference, dist.current, f.drift, random());
    // Score history: quiet until the onset, then ramping to the final strength.
    const pTest = f.method === 'ks' || f.method === 'chisquare';
    const points: Point[] = [];
    for (let st = 0; st <= steps; st++) {
      const t = now - rangeMs + st * stepMs;
      const x = st / Math.max(1, steps);
      const g = f.drift === 0 || x < f.onset ? 0 : Math.min(1, (x - f.onset) / 0.15);
      const noise = Math.sin(st * 0.37 + idx) * 0.5 + (random() - 0.5) * 0.8;
      let value: number;
      if (pTest) {
        const quiet = Math.min(1, Math.max(0.08, 0.45 + 0.35 * noise));
        value =
          f.drift === 0 ? quiet : Math.exp(Math.log(quiet) * (1 - g) + Math.log(Math.max(final, 1e-300)) * g);
      } else {
        const quiet = f.threshold * (0.3 + 0.12 * noise);
        value =
          f.drift === 0
            ? Math.max(0, final * (1 + 0.25 * noise))
            : Math.max(0, quiet + (final - quiet) * g ** 1.5);
      }
      // A short scrape gap in one series, as real data has.
      if (idx === 1 && x > 0.2 && x < 0.24) {
        continue;
      }
      points.push([t, value]);
    }
    points[points.length - 1] = [now, final];
    out.score.push({ labels: name('feature_drift_score', labels), points });
    out.threshold.push({ labels: name('feature_drift_threshold', labels), points: at(f.threshold) });
    if (f.method === 'ks' || f.method === 'chisquare') {
      out.pValue.push({ labels: name('feature_drift_p_value', labels), points: at(final) });
    }
    const exceeded =
      f.method === 'ks' || f.method === 'chisquare' ? final < f.threshold : final >= f.threshold;
    // The weakest drifting feature is "pending": past the threshold but not yet confirmed by the exporter.
    const confirmed = exceeded && f.drift > 0.3;
    out.drifted.push({
      labels: name('feature_drifted', { model, feature: f.name }),
      points: at(confirmed ? 1 : 0),
    });
  });

  if (options.referenceRows !== null) {
    out.rows.push({ labels: name('reference_rows', { model }), points: at(options.referenceRows ?? 50_000) });
  }
  out.rows.push({
    labels: name('window_rows', { model, window: 'current' }),
    points: at(options.windowRows ?? 12_480),
  });
  out.rows.push({ labels: name('window_rows', { model, window: '1h' }), points: at(2_010) });
  out.rows.push({ labels: name('window_min_rows', { model }), points: at(options.windowMinRows ?? 1_000) });
  return out;
}

export const DEFAULT_QUERIES = {
  A: 'modelwatch_feature_bin_ratio{model="$model"}',
  B: 'modelwatch_feature_drift_score{model="$model"}',
  C: '{__name__=~"modelwatch_feature_drift_threshold|modelwatch_feature_drift_p_value|modelwatch_feature_drifted", model="$model"}',
  D: '{__name__=~"modelwatch_reference_rows|modelwatch_window_rows|modelwatch_window_min_rows", model="$model"}',
} as const;

export interface FrameOptions {
  /** Format of the instant queries A, C, D (B is always a range query in time series format). */
  format?: 'timeseries' | 'table';
  dataplane?: boolean;
  legendFormat?: string;
  stepMs?: number;
}

/** The four default queries' results, as the Prometheus data source returns them. */
export function scenarioFrames(s: ScenarioSeries, options: FrameOptions = {}): DataFrame[] {
  const q = (refId: 'A' | 'B' | 'C' | 'D', instant: boolean): QuerySpec => ({
    refId,
    expr: DEFAULT_QUERIES[refId],
    instant,
    stepMs: instant ? 0 : (options.stepMs ?? 60_000),
    ...(options.legendFormat !== undefined ? { legendFormat: options.legendFormat } : {}),
    ...(options.dataplane ? { dataplane: true } : {}),
  });
  const c = [...s.threshold, ...s.pValue, ...s.drifted];
  const b = promTimeSeriesFrames(q('B', false), s.score);
  if (options.format === 'table') {
    return [
      ...b,
      ...promTableFrames([
        { query: q('A', true), series: s.binRatio },
        { query: q('C', true), series: c },
        { query: q('D', true), series: s.rows },
      ]),
    ];
  }
  return [
    ...promTimeSeriesFrames(q('A', true), s.binRatio),
    ...b,
    ...promTimeSeriesFrames(q('C', true), c),
    ...promTimeSeriesFrames(q('D', true), s.rows),
  ];
}
