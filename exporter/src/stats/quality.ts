/**
 * Data quality of one feature in the current window against its reference profile (docs/statistics.md
 * "Data quality"), over the drift contract's shapes (stats/types.ts). O(n) for numeric windows,
 * O(categories) for categorical ones. Shares are in [0, 1], `null` where they do not apply or have no
 * denominator:
 * - `missing_share`: missing rows / all rows of the window (NaN and ±inf are missing, as for drift).
 * - `out_of_range_share` (numeric): current non-missing values outside the reference [min, max], over the
 *   current non-missing values. null for categorical columns, an all-missing window, or a reference with
 *   no finite values.
 * - `unseen_category_share` (categorical): current non-missing values whose category has no reference
 *   row, over the current non-missing values. null for numeric columns or an all-missing window.
 * When the window's type differs from the reference's (the column changed type), only `missing_share`
 * is computed.
 */
import type { CategoricalProfile, ColumnProfile, CurrentColumn, NumericProfile } from './types';

export interface DataQuality {
  missing_share: number | null;
  out_of_range_share: number | null;
  unseen_category_share: number | null;
}

/** Missing (NaN, ±inf, or the categorical `missing` count) over all rows; null for an empty window. */
export function missingShare(current: CurrentColumn): number | null {
  if (current.type === 'numeric') {
    const n = current.values.length;
    if (n === 0) return null;
    let missing = 0;
    for (let i = 0; i < n; i++) if (!Number.isFinite(current.values[i]!)) missing++;
    return missing / n;
  }
  let present = 0;
  for (const c of current.counts.values()) present += c;
  const total = present + current.missing;
  return total === 0 ? null : current.missing / total;
}

/** Share of finite current values below the reference min or above its max. */
export function outOfRangeShare(reference: NumericProfile, values: Float64Array): number | null {
  const { min, max } = reference;
  if (reference.count === 0 || !Number.isFinite(min) || !Number.isFinite(max)) return null;
  let present = 0;
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    present++;
    if (v < min || v > max) outside++;
  }
  return present === 0 ? null : outside / present;
}

/** Share of current (non-missing) categorical values whose category the reference never had. */
export function unseenCategoryShare(
  reference: CategoricalProfile,
  counts: ReadonlyMap<string, number>,
): number | null {
  const known = new Set<string>();
  for (const [category, count] of reference.categoryCounts) if (count > 0) known.add(category);
  let present = 0;
  let unseen = 0;
  for (const [category, count] of counts) {
    present += count;
    if (!known.has(category)) unseen += count;
  }
  return present === 0 ? null : unseen / present;
}

export function dataQuality(reference: ColumnProfile, current: CurrentColumn): DataQuality {
  const result: DataQuality = {
    missing_share: missingShare(current),
    out_of_range_share: null,
    unseen_category_share: null,
  };
  if (reference.type === 'numeric' && current.type === 'numeric') {
    result.out_of_range_share = outOfRangeShare(reference, current.values);
  } else if (reference.type === 'categorical' && current.type === 'categorical') {
    result.unseen_category_share = unseenCategoryShare(reference, current.counts);
  }
  return result;
}
