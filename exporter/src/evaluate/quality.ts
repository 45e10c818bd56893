/** Data-quality findings of one feature: missing values, values outside the reference range, unseen categories. */
import type { DataQuality } from '../stats/quality';
import type { Finding } from './report';
import type { EvaluationSettings } from './settings';

export type QualityLimits = Pick<
  EvaluationSettings,
  'missingShare' | 'outOfRangeShare' | 'unseenCategoryShare'
>;

/** A `data_quality` warning per share of the feature's window values above its limit. */
export function qualityFindings(feature: string, quality: DataQuality, limits: QualityLimits): Finding[] {
  const checks: [keyof DataQuality, number, string][] = [
    ['missing_share', limits.missingShare, 'missing'],
    ['out_of_range_share', limits.outOfRangeShare, 'outside the reference range'],
    ['unseen_category_share', limits.unseenCategoryShare, 'categories unseen in the reference'],
  ];
  const findings: Finding[] = [];
  for (const [metric, threshold, what] of checks) {
    const value = quality[metric];
    if (value !== null && value > threshold) {
      findings.push({
        type: 'data_quality',
        severity: 'warning',
        feature,
        metric,
        value,
        threshold,
        description: `feature "${feature}": ${(value * 100).toFixed(1)}% of values ${what} (limit ${(threshold * 100).toFixed(1)}%)`,
      });
    }
  }
  return findings;
}
