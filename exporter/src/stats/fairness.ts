/**
 * Group fairness on the current window (docs/statistics.md "Fairness"), with Fairlearn's definitions:
 * predicted positive = prediction 1; per group selection rate, TPR and FPR (0/0 → 0);
 * `*_difference` = max − min over groups, `*_ratio` = min / max (0/0 → null); equalized odds takes the
 * worse of TPR and FPR (larger difference, smaller ratio); equal opportunity uses TPR.
 *
 * Decisions beyond Fairlearn (documented in the result types):
 * - Groups with fewer rows than `minGroupSize` are reported in `groups` but left out of every aggregate;
 *   `excluded_groups` says why.
 * - `disparate_impact_passes` is docs/statistics.md taken literally: `demographic_parity_ratio ≥ 0.8`. When every
 *   included group has selection rate 0 the ratio is 0/0 (NaN, JSON null) and the comparison is false, as
 *   `ratio >= 0.8` is in any independent implementation of the contract. It is `null` only when no group is
 *   large enough to judge.
 * - Labels may be NaN (feedback not yet received): those rows count for `count` and `selection_rate` but
 *   not for TPR/FPR. A group with no labelled rows has `tpr`/`fpr` null and is left out of the TPR/FPR
 *   aggregates (Fairlearn never sees unlabelled rows; 0/0 → 0 still applies to labelled groups with no
 *   positives or no negatives).
 * - A missing attribute value (null/undefined) is its own group, {@link MISSING_GROUP}.
 */
import { type BinaryVector, LabelError, LengthMismatchError } from './performance';

/** Group key for rows whose attribute value is missing. */
export const MISSING_GROUP = '(missing)';

/** Separator of {@link intersectionalGroups} keys: "F|black". */
export const GROUP_SEPARATOR = '|';

export interface FairnessGroup {
  /** Rows of the group in the window. */
  count: number;
  /** Share of the group predicted positive (prediction 1). */
  selection_rate: number;
  /** TP / (TP + FN) over the group's labelled rows (0 when it has no positives); null without labels. */
  tpr: number | null;
  /** FP / (FP + TN) over the group's labelled rows (0 when it has no negatives); null without labels. */
  fpr: number | null;
}

/** `fairness.<attribute>` of docs/compare.md, plus why groups were left out of the aggregates. */
export interface AttributeFairness {
  groups: Record<string, FairnessGroup>;
  demographic_parity_difference: number | null;
  demographic_parity_ratio: number | null;
  equalized_odds_difference: number | null;
  equalized_odds_ratio: number | null;
  equal_opportunity_difference: number | null;
  equal_opportunity_ratio: number | null;
  disparate_impact_passes: boolean | null;
  /** Groups reported in `groups` but not used in the aggregates, with the reason. */
  excluded_groups: Record<string, string>;
}

export interface FairnessOptions {
  /** Groups with fewer rows are excluded from the aggregates. Default 30. */
  minGroupSize?: number;
  /** Four-fifths rule threshold on the demographic parity ratio. Default 0.8. */
  disparateImpactThreshold?: number;
}

export const DEFAULT_MIN_GROUP_SIZE = 30;

type GroupValue = string | number | boolean | null | undefined;

const keyOf = (v: GroupValue): string => (v === null || v === undefined ? MISSING_GROUP : String(v));

interface Spread {
  difference: number | null;
  ratio: number | null;
}

/** max − min and min / max (0/0 → null) over the defined values; both null when none is defined. */
function spread(values: readonly (number | null)[]): Spread {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    any = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!any) return { difference: null, ratio: null };
  return { difference: max - min, ratio: max === 0 ? null : min / max };
}

/** The worse of two: larger difference, smaller ratio; a null side is skipped. */
const worseDifference = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);
const worseRatio = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/**
 * Fairness of one protected attribute. `groups[i]` is row i's attribute value, `yPred` the 0/1
 * predictions, `yTrue` the 0/1 labels (NaN = not yet labelled; omit entirely when no labels exist).
 * O(n) with one Map lookup per row; groups come out sorted by key.
 */
export function attributeFairness(
  groups: ArrayLike<GroupValue>,
  yPred: BinaryVector,
  yTrue?: BinaryVector | null,
  options: FairnessOptions = {},
): AttributeFairness {
  const minGroupSize = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;
  const threshold = options.disparateImpactThreshold ?? 0.8;
  if (groups.length !== yPred.length)
    throw new LengthMismatchError('groups and predictions', groups.length, yPred.length);
  if (yTrue && yTrue.length !== yPred.length) {
    throw new LengthMismatchError('labels and predictions', yTrue.length, yPred.length);
  }
  // Per group: rows, predicted positive, labelled positives/negatives and their predicted positives.
  const codes = new Map<string, number>();
  const rows: number[] = [];
  const selected: number[] = [];
  const pos: number[] = [];
  const tp: number[] = [];
  const neg: number[] = [];
  const fp: number[] = [];
  for (let i = 0; i < yPred.length; i++) {
    const key = keyOf(groups[i]);
    let g = codes.get(key);
    if (g === undefined) {
      g = codes.size;
      codes.set(key, g);
      rows.push(0);
      selected.push(0);
      pos.push(0);
      tp.push(0);
      neg.push(0);
      fp.push(0);
    }
    const p = yPred[i]!;
    if (p !== 0 && p !== 1)
      throw new LabelError('prediction', i, p, 'fairness expects 0/1 predictions (positive 1)');
    rows[g]!++;
    selected[g]! += p;
    if (!yTrue) continue;
    const y = yTrue[i]!;
    if (Number.isNaN(y)) continue;
    if (y === 1) {
      pos[g]!++;
      tp[g]! += p;
    } else if (y === 0) {
      neg[g]!++;
      fp[g]! += p;
    } else throw new LabelError('label', i, y, 'fairness expects 0/1 labels (NaN when not yet labelled)');
  }

  const out: Record<string, FairnessGroup> = Object.create(null);
  const excluded: Record<string, string> = Object.create(null);
  const selection: (number | null)[] = [];
  const tprs: (number | null)[] = [];
  const fprs: (number | null)[] = [];
  const keys = [...codes.keys()].sort();
  for (const key of keys) {
    const g = codes.get(key)!;
    const labelled = pos[g]! + neg[g]!;
    const group: FairnessGroup = {
      count: rows[g]!,
      selection_rate: selected[g]! / rows[g]!,
      tpr: labelled === 0 ? null : pos[g]! === 0 ? 0 : tp[g]! / pos[g]!,
      fpr: labelled === 0 ? null : neg[g]! === 0 ? 0 : fp[g]! / neg[g]!,
    };
    out[key] = group;
    if (group.count < minGroupSize) {
      excluded[key] = `${group.count} rows, below the minimum group size of ${minGroupSize}`;
      continue;
    }
    selection.push(group.selection_rate);
    tprs.push(group.tpr);
    fprs.push(group.fpr);
  }

  const dp = spread(selection);
  const tprSpread = spread(tprs);
  const fprSpread = spread(fprs);
  let passes: boolean | null = null;
  if (selection.length > 0) passes = dp.ratio !== null && dp.ratio >= threshold;
  return {
    groups: out,
    demographic_parity_difference: dp.difference,
    demographic_parity_ratio: dp.ratio,
    equalized_odds_difference: worseDifference(tprSpread.difference, fprSpread.difference),
    equalized_odds_ratio: worseRatio(tprSpread.ratio, fprSpread.ratio),
    equal_opportunity_difference: tprSpread.difference,
    equal_opportunity_ratio: tprSpread.ratio,
    disparate_impact_passes: passes,
    excluded_groups: excluded,
  };
}

/** Escapes the separator (and the escape character) inside one part of a combined key. */
function escapePart(value: string, separator: string): string {
  if (!value.includes('\\') && !value.includes(separator)) return value;
  return value.replaceAll('\\', '\\\\').replaceAll(separator, `\\${separator}`);
}

/**
 * Combines two attributes into one intersectional group key per row, `"<a>|<b>"` (e.g. "F|black").
 * A value containing the separator or a backslash has it escaped with a backslash, so distinct pairs
 * always give distinct keys; missing values become {@link MISSING_GROUP}.
 */
export function intersectionalGroups(
  a: ArrayLike<GroupValue>,
  b: ArrayLike<GroupValue>,
  separator: string = GROUP_SEPARATOR,
): string[] {
  if (a.length !== b.length) throw new LengthMismatchError('intersectional attributes', a.length, b.length);
  if (separator.length === 0 || separator.includes('\\')) {
    throw new RangeError('the group separator must be non-empty and contain no backslash');
  }
  const out = new Array<string>(a.length);
  const cache = new Map<string, string>();
  for (let i = 0; i < a.length; i++) {
    const ka = keyOf(a[i]);
    const kb = keyOf(b[i]);
    const raw = `${ka}\u0000${kb}`;
    let key = cache.get(raw);
    if (key === undefined) {
      key = `${escapePart(ka, separator)}${separator}${escapePart(kb, separator)}`;
      cache.set(raw, key);
    }
    out[i] = key;
  }
  return out;
}
