import { type Bin, type BinKind, type BinRatios, type CategoryOrder, shapeBins } from './bins';
import { latest, type PromSeries } from './frames';
import {
  DEFAULT_LOWER_IS_DRIFT_METHODS,
  type DriftDirection,
  defaultThreshold,
  type MetricKey,
  metricKey,
} from './metrics';

/**
 * - drifted: the exporter says so (`modelwatch_feature_drifted` = 1), or, without that series, the
 *   score is past its threshold;
 * - pending: the score is past its threshold but the exporter has not confirmed the drift yet;
 * - ok: within threshold; unknown: no score.
 */
export type Verdict = 'drifted' | 'pending' | 'ok' | 'unknown';

export interface FeatureDrift {
  name: string;
  kind: BinKind | 'none';
  bins: Bin[];
  method?: string;
  score?: number;
  threshold?: number;
  /** True when `threshold` is the method's default because no threshold series was found. */
  thresholdDefaulted: boolean;
  pValue?: number;
  direction: DriftDirection;
  /** Score vs threshold, by the test's direction. Undefined without a score. */
  exceeded?: boolean;
  /** `modelwatch_feature_drifted` when present. */
  driftedFlag?: boolean;
  verdict: Verdict;
  /** How far the score is towards / past the threshold: 1 at the threshold, > 1 beyond (see driftIntensity). */
  intensity: number;
}

export type NoticeCode =
  | 'no-data'
  | 'no-model-data'
  | 'no-reference'
  | 'no-reference-bins'
  | 'window-empty'
  | 'window-too-small'
  | 'no-bins'
  | 'no-current-bins'
  | 'no-scores'
  | 'multiple-models'
  | 'instant-scores';

export interface Notice {
  code: NoticeCode;
  level: 'info' | 'warning' | 'error';
  title: string;
  detail?: string;
}

export interface DriftModel {
  /** The model shown, if any data matched. */
  model?: string;
  /** Every model present in the data. */
  models: string[];
  features: FeatureDrift[];
  referenceRows?: number;
  windowRows?: number;
  windowMinRows?: number;
  /** Which metric families were found (for the model shown). */
  present: Record<MetricKey, boolean>;
  /** A notice that replaces the panel content (nothing useful to draw). */
  blocking?: Notice;
  /** Notices shown above the content. */
  notices: Notice[];
  /** Score series per feature (for drift over time), in `features` order. */
  scoreSeries: Map<string, PromSeries>;
  driftedCount: number;
  pendingCount: number;
}

export interface BuildOptions {
  /** The model to show (interpolated dashboard variable); a comma list picks the first with data. */
  model?: string;
  lowerIsDriftMethods?: readonly string[];
  categoryOrder?: CategoryOrder;
}

const VERDICT_RANK: Record<Verdict, number> = { drifted: 0, pending: 1, ok: 2, unknown: 3 };
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Where a score stands against its threshold on a common scale: 1 at the threshold, above 1 past it.
 * Distances (psi, wasserstein, …): score / threshold. p-values: ln(p) / ln(threshold), so p = threshold
 * gives 1, p = threshold² gives 2 and p = 1 gives 0.
 */
export function driftIntensity(score: number, threshold: number, direction: DriftDirection): number {
  if (Number.isNaN(score) || Number.isNaN(threshold)) {
    return Number.NaN;
  }
  if (direction === 'lower') {
    const p = Math.min(1, Math.max(score, 1e-300));
    const t = Math.min(1 - 1e-12, Math.max(threshold, 1e-300));
    return Math.max(0, Math.log(p) / Math.log(t));
  }
  if (threshold <= 0) {
    return score > 0 ? Number.POSITIVE_INFINITY : 0;
  }
  return Math.max(0, score) / threshold;
}

/** Score vs threshold by the test's direction: p-value tests drift when score < threshold, others when score ≥ threshold. */
export function exceedsThreshold(score: number, threshold: number, direction: DriftDirection): boolean {
  return direction === 'lower' ? score < threshold : score >= threshold;
}

/** Resolve the model to show: the requested one if the data has it, else the only / first model. */
export function pickModel(
  models: readonly string[],
  requested: string | undefined,
): { model?: string; notice?: Notice } {
  const wanted = (requested ?? '')
    .split(/[,|]/)
    .map((m) => m.trim().replace(/^\{|\}$/g, ''))
    .filter((m) => m !== '' && !m.includes('$') && m !== 'All' && m !== '*');
  if (models.length === 0) {
    return {};
  }
  const hit = wanted.find((m) => models.includes(m));
  if (hit) {
    return { model: hit };
  }
  if (wanted.length > 0) {
    return {
      notice: {
        code: 'no-model-data',
        level: 'error',
        title: `No data for model "${wanted.join(', ')}"`,
        detail: `The queries returned data for: ${models.join(', ')}.`,
      },
    };
  }
  const model = models[0]!;
  if (models.length > 1) {
    return {
      model,
      notice: {
        code: 'multiple-models',
        level: 'info',
        title: `Showing model "${model}" — the data holds ${models.length} models`,
        detail: 'Filter the queries with model="$model" or set the panel\'s Model option.',
      },
    };
  }
  return { model };
}

function emptyPresence(): Record<MetricKey, boolean> {
  return {
    binRatio: false,
    score: false,
    threshold: false,
    pValue: false,
    drifted: false,
    referenceRows: false,
    windowRows: false,
    windowMinRows: false,
  };
}

interface Candidate {
  series: PromSeries;
  time: number;
  value: number;
}

/** For a (feature, method) key keep the newest sample; several series (e.g. replicas) → the newest wins. */
function putNewest(map: Map<string, Candidate>, key: string, series: PromSeries): void {
  const last = latest(series);
  if (!last) {
    return;
  }
  const prev = map.get(key);
  if (!prev || last.time > prev.time) {
    map.set(key, { series, time: last.time, value: last.value });
  }
}

const fmtRows = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * Build everything the panel draws from the normalised series: per-feature distributions and verdicts
 * (sorted drifted first, then by how far past the threshold), row counts and the notices for empty and
 * partial data.
 */
export function buildDriftModel(series: readonly PromSeries[], options: BuildOptions = {}): DriftModel {
  const lowerIsDrift = new Set(
    (options.lowerIsDriftMethods ?? DEFAULT_LOWER_IS_DRIFT_METHODS).map((m) => m.toLowerCase()),
  );
  const ours = series.filter((s) => metricKey(s.metric) !== undefined);
  const models = [...new Set(ours.map((s) => s.labels.model).filter((m): m is string => !!m))].sort(
    collator.compare,
  );
  const notices: Notice[] = [];
  const base = {
    models,
    features: [],
    present: emptyPresence(),
    notices,
    scoreSeries: new Map<string, PromSeries>(),
    driftedCount: 0,
    pendingCount: 0,
  };

  if (ours.length === 0) {
    return {
      ...base,
      blocking: {
        code: 'no-data',
        level: 'info',
        title: 'No modelwatch data',
        detail:
          'The queries returned no modelwatch_feature_* series. Add the queries listed in the plugin README (A: modelwatch_feature_bin_ratio, B: modelwatch_feature_drift_score, C: thresholds and verdicts, D: row counts).',
      },
    };
  }

  // Series without a model label (e.g. aggregated away) are accepted when only one model is in play.
  const picked = pickModel(models, options.model);
  if (picked.notice?.level === 'error') {
    return { ...base, blocking: picked.notice };
  }
  if (picked.notice) {
    notices.push(picked.notice);
  }
  const model = picked.model;
  const mine = ours.filter(
    (s) => s.labels.model === model || (s.labels.model === undefined && models.length <= 1),
  );
  const present = emptyPresence();

  const ratios = new Map<string, Map<string, BinRatios & { refTime?: number; curTime?: number }>>();
  const scores = new Map<string, Candidate>();
  const thresholds = new Map<string, Candidate>();
  const pValues = new Map<string, Candidate>();
  const flags = new Map<string, Candidate>();
  let referenceRows: number | undefined;
  let windowRows: number | undefined;
  let windowMinRows: number | undefined;

  for (const s of mine) {
    const key = metricKey(s.metric)!;
    const feature = s.labels.feature;
    const method = (s.labels.method ?? '').toLowerCase();
    switch (key) {
      case 'binRatio': {
        const last = latest(s);
        if (!feature || s.labels.bin === undefined || !last) {
          break;
        }
        present.binRatio = true;
        let bins = ratios.get(feature);
        if (!bins) {
          bins = new Map();
          ratios.set(feature, bins);
        }
        const entry = bins.get(s.labels.bin) ?? {};
        if (s.labels.dataset === 'reference' && (entry.refTime === undefined || last.time >= entry.refTime)) {
          entry.reference = last.value;
          entry.refTime = last.time;
        } else if (
          s.labels.dataset === 'current' &&
          (entry.curTime === undefined || last.time >= entry.curTime)
        ) {
          entry.current = last.value;
          entry.curTime = last.time;
        }
        bins.set(s.labels.bin, entry);
        break;
      }
      case 'score':
        if (feature) {
          present.score = true;
          putNewest(scores, `${feature}\u0000${method}`, s);
        }
        break;
      case 'threshold':
        if (feature) {
          present.threshold = true;
          putNewest(thresholds, `${feature}\u0000${method}`, s);
        }
        break;
      case 'pValue':
        if (feature) {
          present.pValue = true;
          putNewest(pValues, `${feature}\u0000${method}`, s);
        }
        break;
      case 'drifted':
        if (feature) {
          present.drifted = true;
          putNewest(flags, feature, s);
        }
        break;
      case 'referenceRows': {
        const last = latest(s);
        if (last) {
          present.referenceRows = true;
          referenceRows = last.value;
        }
        break;
      }
      case 'windowRows': {
        const last = latest(s);
        if (last && (s.labels.window === undefined || s.labels.window === 'current')) {
          present.windowRows = true;
          windowRows = last.value;
        }
        break;
      }
      case 'windowMinRows': {
        const last = latest(s);
        if (last) {
          present.windowMinRows = true;
          windowMinRows = last.value;
        }
        break;
      }
    }
  }

  // One score per feature: the newest series; on a tie prefer the method that also has a threshold.
  const scoreByFeature = new Map<string, { method: string; cand: Candidate }>();
  for (const [key, cand] of scores) {
    const [feature, method] = key.split('\u0000') as [string, string];
    const prev = scoreByFeature.get(feature);
    const better =
      !prev ||
      cand.time > prev.cand.time ||
      (cand.time === prev.cand.time &&
        thresholds.has(key) &&
        !thresholds.has(`${feature}\u0000${prev.method}`));
    if (better) {
      scoreByFeature.set(feature, { method, cand });
    }
  }

  const names = new Set<string>([...ratios.keys(), ...scoreByFeature.keys(), ...flags.keys()]);
  for (const key of thresholds.keys()) {
    names.add(key.split('\u0000')[0]!);
  }

  const features: FeatureDrift[] = [];
  const scoreSeries = new Map<string, PromSeries>();
  for (const name of names) {
    const binMap = ratios.get(name);
    const shaped = binMap ? shapeBins(binMap, options.categoryOrder ?? 'name') : undefined;
    const chosen = scoreByFeature.get(name);
    let method = chosen?.method;
    const thresholdCand =
      method !== undefined
        ? thresholds.get(`${name}\u0000${method}`)
        : [...thresholds.entries()].find(([k]) => k.startsWith(`${name}\u0000`))?.[1];
    if (method === undefined && thresholdCand) {
      method = thresholdCand.series.labels.method?.toLowerCase();
    }
    const pCand = method !== undefined ? pValues.get(`${name}\u0000${method}`) : undefined;
    const score = chosen?.cand.value;
    const pValue = pCand?.value;
    let direction: DriftDirection = method !== undefined && lowerIsDrift.has(method) ? 'lower' : 'higher';
    // A test added through the exporter's registry whose score is its p-value behaves like ks.
    if (
      method !== undefined &&
      !lowerIsDrift.has(method) &&
      score !== undefined &&
      pValue !== undefined &&
      score === pValue
    ) {
      direction = 'lower';
    }
    const threshold = thresholdCand?.value ?? (score !== undefined ? defaultThreshold(direction) : undefined);
    const thresholdDefaulted = thresholdCand === undefined && threshold !== undefined;
    const exceeded =
      score !== undefined && threshold !== undefined && !Number.isNaN(score)
        ? exceedsThreshold(score, threshold, direction)
        : undefined;
    const flag = flags.get(name);
    const driftedFlag = flag ? flag.value >= 1 : undefined;
    let verdict: Verdict;
    if (driftedFlag === true) {
      verdict = 'drifted';
    } else if (exceeded === undefined) {
      verdict = 'unknown';
    } else if (exceeded) {
      verdict = driftedFlag === false ? 'pending' : 'drifted';
    } else {
      verdict = 'ok';
    }
    const intensity =
      score !== undefined && threshold !== undefined
        ? driftIntensity(score, threshold, direction)
        : Number.NaN;
    if (chosen) {
      scoreSeries.set(name, chosen.cand.series);
    }
    features.push({
      name,
      kind: shaped?.kind ?? 'none',
      bins: shaped?.bins ?? [],
      ...(method !== undefined && method !== '' ? { method } : {}),
      ...(score !== undefined ? { score } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      thresholdDefaulted,
      ...(pValue !== undefined ? { pValue } : {}),
      direction,
      ...(exceeded !== undefined ? { exceeded } : {}),
      ...(driftedFlag !== undefined ? { driftedFlag } : {}),
      verdict,
      intensity,
    });
  }
  features.sort(compareFeatures);

  // Partial-data notices.
  const hasReferenceBins = features.some((f) => f.bins.some((b) => b.reference !== null));
  const hasCurrentBins = features.some((f) => f.bins.some((b) => b.current !== null));
  const rowsQueried = present.windowRows || present.windowMinRows || present.referenceRows;
  const modelName = model ?? 'this model';
  let blocking: Notice | undefined;

  if (
    (present.referenceRows && (referenceRows ?? 0) <= 0) ||
    (rowsQueried && !present.referenceRows && !hasReferenceBins)
  ) {
    blocking = {
      code: 'no-reference',
      level: 'warning',
      title: `No reference uploaded for ${modelName}`,
      detail:
        'Drift is measured against a reference profile. Upload one with PUT /api/v1/models/{model}/reference (CSV, NDJSON, or {"from_ts", "to_ts"} to take it from the prediction log).',
    };
  } else if (!hasReferenceBins && present.binRatio) {
    notices.push({
      code: 'no-reference-bins',
      level: 'warning',
      title: 'No reference distribution in the data',
      detail: 'modelwatch_feature_bin_ratio{dataset="reference"} returned nothing for this model.',
    });
  }

  if (!blocking && present.windowRows && (windowRows ?? 0) <= 0) {
    notices.push({
      code: 'window-empty',
      level: 'warning',
      title: 'No predictions in the current window',
      detail: 'Only the reference distributions can be shown until predictions arrive.',
    });
  } else if (
    !blocking &&
    windowRows !== undefined &&
    windowMinRows !== undefined &&
    windowRows < windowMinRows
  ) {
    notices.push({
      code: 'window-too-small',
      level: 'warning',
      title: `Window below minimum size: ${fmtRows(windowRows)} of ${fmtRows(windowMinRows)} rows`,
      detail: 'Drift verdicts are withheld until the current window reaches the minimum size.',
    });
  }

  if (!blocking && !present.binRatio) {
    notices.push({
      code: 'no-bins',
      level: 'info',
      title: 'No distributions',
      detail: 'Add query A: modelwatch_feature_bin_ratio{model="$model"} (see the plugin README).',
    });
  } else if (
    !blocking &&
    hasReferenceBins &&
    !hasCurrentBins &&
    !notices.some((n) => n.code.startsWith('window'))
  ) {
    notices.push({
      code: 'no-current-bins',
      level: 'info',
      title: 'No current distribution yet',
      detail: 'modelwatch_feature_bin_ratio{dataset="current"} returned nothing; showing the reference only.',
    });
  }
  if (!blocking && !present.score && !notices.some((n) => n.code === 'window-too-small')) {
    notices.push({
      code: 'no-scores',
      level: 'info',
      title: 'No drift scores',
      detail: 'Add query B: modelwatch_feature_drift_score{model="$model"} (see the plugin README).',
    });
  }

  const ordered = new Map<string, PromSeries>();
  for (const f of features) {
    const s = scoreSeries.get(f.name);
    if (s) {
      ordered.set(f.name, s);
    }
  }

  return {
    ...base,
    ...(model !== undefined ? { model } : {}),
    features,
    ...(referenceRows !== undefined ? { referenceRows } : {}),
    ...(windowRows !== undefined ? { windowRows } : {}),
    ...(windowMinRows !== undefined ? { windowMinRows } : {}),
    present,
    ...(blocking ? { blocking } : {}),
    scoreSeries: ordered,
    driftedCount: features.filter((f) => f.verdict === 'drifted').length,
    pendingCount: features.filter((f) => f.verdict === 'pending').length,
  };
}

/** Drifted first, then unconfirmed, within threshold, unknown; within a group the furthest past the threshold first. */
export function compareFeatures(a: FeatureDrift, b: FeatureDrift): number {
  const rank = VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict];
  if (rank !== 0) {
    return rank;
  }
  const ia = Number.isNaN(a.intensity) ? -1 : a.intensity;
  const ib = Number.isNaN(b.intensity) ? -1 : b.intensity;
  if (ia !== ib) {
    return ib - ia;
  }
  return collator.compare(a.name, b.name);
}

/** Feature order by name only (the "Sort by: name" option). */
export function compareFeatureNames(a: FeatureDrift, b: FeatureDrift): number {
  return collator.compare(a.name, b.name);
}
