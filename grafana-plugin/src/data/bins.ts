/**
 * Turning the `bin` label values of `modelwatch_feature_bin_ratio` into ordered, labelled bins.
 *
 * - Quantile bins (numeric features with more than 20 distinct reference values): the label is the bin's
 *   upper edge as a decimal string and the last bin is "+Inf". Bins are [lower, upper); the lower edge is
 *   the previous bin's upper edge after sorting numerically, and the first bin starts at -Inf.
 * - Discrete numeric values (≤ 20 distinct): one bin per value, shown by name, sorted numerically.
 * - Categories: one bin per category, shown by name.
 */

export type BinKind = 'quantile' | 'discrete' | 'categorical';

export interface Bin {
  /** The `bin` label value exactly as exported. */
  key: string;
  /** Short text for axes: "< 1.5", "[1.5, 3)", "≥ 9", or the category. */
  label: string;
  /** Lower and upper bound for quantile bins (−Inf / +Inf at the ends). */
  lower?: number;
  upper?: number;
  /** Share of the reference / current data in the bin (0–1), null when not exported. */
  reference: number | null;
  current: number | null;
  /** Set on the synthetic bin that gathers categories beyond the display limit. */
  merged?: number;
}

export interface BinRatios {
  reference?: number;
  current?: number;
}

export type CategoryOrder = 'name' | 'reference';

const INF = /^\+?inf(?:inity)?$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Decide how a feature's bins are laid out from its label values. */
export function binKind(keys: readonly string[]): BinKind {
  if (keys.length === 0) {
    return 'categorical';
  }
  const infinite = keys.filter((k) => INF.test(k.trim()));
  const decimal = keys.filter(isDecimal);
  if (infinite.length === 1 && decimal.length === keys.length - 1) {
    return 'quantile';
  }
  if (decimal.length === keys.length) {
    return 'discrete';
  }
  return 'categorical';
}

/**
 * Format a bin edge compactly with `significant` digits: 0.1234, 12.35, 1.235e+6. Trailing zeros are
 * dropped so integers read as integers.
 */
export function formatEdge(value: number, significant = 4): string {
  if (value === Number.POSITIVE_INFINITY) {
    return '+∞';
  }
  if (value === Number.NEGATIVE_INFINITY) {
    return '−∞';
  }
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1e6 || abs < 1e-4) {
    text = value.toExponential(Math.max(0, significant - 1)).replace(/\.?0+e/, 'e');
  } else if (Number.isInteger(value) && abs < 10 ** significant) {
    text = String(value);
  } else {
    text = Number(value.toPrecision(significant)).toString();
  }
  return text.replace(/^-/, '−');
}

/** The smallest precision (4…12 significant digits) that keeps adjacent edges distinct once formatted. */
function edgePrecision(edges: readonly number[]): number {
  for (let p = 4; p <= 12; p++) {
    const seen = new Set(edges.map((e) => formatEdge(e, p)));
    if (seen.size === edges.length) {
      return p;
    }
  }
  return 12;
}

function quantileBins(entries: ReadonlyMap<string, BinRatios>): Bin[] {
  const sorted = [...entries.entries()]
    .map(([key, ratios]) => ({
      key,
      ratios,
      upper: INF.test(key.trim()) ? Number.POSITIVE_INFINITY : Number(key),
    }))
    .sort((a, b) => a.upper - b.upper);
  const finiteEdges = sorted.map((e) => e.upper).filter((u) => Number.isFinite(u));
  const precision = edgePrecision(finiteEdges);
  const fmt = (v: number): string => formatEdge(v, precision);
  return sorted.map((entry, i) => {
    const lower = i === 0 ? Number.NEGATIVE_INFINITY : sorted[i - 1]!.upper;
    const upper = entry.upper;
    let label: string;
    if (lower === Number.NEGATIVE_INFINITY && upper === Number.POSITIVE_INFINITY) {
      label = 'all values';
    } else if (lower === Number.NEGATIVE_INFINITY) {
      label = `< ${fmt(upper)}`;
    } else if (upper === Number.POSITIVE_INFINITY) {
      label = `≥ ${fmt(lower)}`;
    } else {
      label = `[${fmt(lower)}, ${fmt(upper)})`;
    }
    return {
      key: entry.key,
      label,
      lower,
      upper,
      reference: entry.ratios.reference ?? null,
      current: entry.ratios.current ?? null,
    };
  });
}

/**
 * Order and label the bins of one feature. `entries` maps the `bin` label to its reference and current
 * share. Categories are sorted by name (natural order) or by reference share, largest first.
 */
export function shapeBins(
  entries: ReadonlyMap<string, BinRatios>,
  categoryOrder: CategoryOrder = 'name',
): { kind: BinKind; bins: Bin[] } {
  const keys = [...entries.keys()];
  const kind = binKind(keys);
  if (kind === 'quantile') {
    return { kind, bins: quantileBins(entries) };
  }
  const bins: Bin[] = keys.map((key) => ({
    key,
    label: key === '' ? '(empty)' : key,
    reference: entries.get(key)?.reference ?? null,
    current: entries.get(key)?.current ?? null,
  }));
  if (kind === 'discrete') {
    bins.sort((a, b) => Number(a.key) - Number(b.key));
  } else if (categoryOrder === 'reference') {
    bins.sort((a, b) => (b.reference ?? 0) - (a.reference ?? 0) || collator.compare(a.key, b.key));
  } else {
    bins.sort((a, b) => collator.compare(a.key, b.key));
  }
  return { kind, bins };
}

/**
 * Keep at most `max` categorical bins: the ones with the largest share in either data set stay in their
 * place, the rest are summed into one "other (n)" bin at the end. Quantile and discrete bins are never
 * merged (their order carries meaning).
 */
export function limitBins(bins: readonly Bin[], kind: BinKind, max: number): Bin[] {
  if (kind !== 'categorical' || max < 2 || bins.length <= max) {
    return [...bins];
  }
  const weight = (b: Bin): number => Math.max(b.reference ?? 0, b.current ?? 0);
  const keep = new Set(
    [...bins]
      .sort((a, b) => weight(b) - weight(a) || collator.compare(a.key, b.key))
      .slice(0, max - 1)
      .map((b) => b.key),
  );
  const kept = bins.filter((b) => keep.has(b.key));
  const rest = bins.filter((b) => !keep.has(b.key));
  const sum = (pick: (b: Bin) => number | null): number | null => {
    const vals = rest.map(pick).filter((v): v is number => v !== null);
    return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0);
  };
  kept.push({
    key: '__other__',
    label: `other (${rest.length})`,
    reference: sum((b) => b.reference),
    current: sum((b) => b.current),
    merged: rest.length,
  });
  return kept;
}

/** Human description of a bin's bounds for tooltips. */
export function describeBin(bin: Bin, kind: BinKind): string {
  if (kind !== 'quantile' || bin.lower === undefined || bin.upper === undefined) {
    return kind === 'categorical' ? `category ${bin.label}` : `value ${bin.label}`;
  }
  const lo = bin.lower === Number.NEGATIVE_INFINITY ? '−∞' : formatEdge(bin.lower, 8);
  const hi = bin.upper === Number.POSITIVE_INFINITY ? '+∞' : formatEdge(bin.upper, 8);
  if (bin.lower === Number.NEGATIVE_INFINITY && bin.upper === Number.POSITIVE_INFINITY) {
    return 'all values';
  }
  if (bin.lower === Number.NEGATIVE_INFINITY) {
    return `x < ${hi}`;
  }
  if (bin.upper === Number.POSITIVE_INFINITY) {
    return `x ≥ ${lo}`;
  }
  return `${lo} ≤ x < ${hi}`;
}
