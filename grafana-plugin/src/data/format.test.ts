import { describe, expect, it } from 'vitest';

import type { FeatureDrift } from './drift';
import { formatDelta, formatPercent, formatScore, methodName, ruleText, scoreSummary } from './format';

const feature = (over: Partial<FeatureDrift>): FeatureDrift => ({
  name: 'x',
  kind: 'quantile',
  bins: [],
  thresholdDefaulted: false,
  direction: 'higher',
  verdict: 'ok',
  intensity: 0,
  ...over,
});

describe('format', () => {
  it('scores', () => {
    expect(formatScore(0.23456)).toBe('0.235');
    expect(formatScore(0.0031)).toBe('0.0031');
    expect(formatScore(3.1e-5)).toBe('3.1e-5');
    expect(formatScore(2e-7)).toBe('2e-7');
    expect(formatScore(12.345)).toBe('12.3');
    expect(formatScore(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatScore(undefined)).toBe('—');
  });
  it('percentages and deltas', () => {
    expect(formatPercent(0.123)).toBe('12.3%');
    expect(formatPercent(0.0004)).toBe('0.04%');
    expect(formatPercent(null)).toBe('—');
    expect(formatDelta(0.1, 0.173)).toBe('+7.3 pp');
    expect(formatDelta(0.2, 0.15)).toBe('−5.0 pp');
    expect(formatDelta(0.2, null)).toBe('—');
  });
  it('shows the comparison in the direction of the test', () => {
    expect(scoreSummary(feature({ method: 'psi', score: 0.234, threshold: 0.1, exceeded: true }))).toBe(
      'PSI 0.234 ≥ 0.1',
    );
    expect(scoreSummary(feature({ method: 'psi', score: 0.04, threshold: 0.1, exceeded: false }))).toBe(
      'PSI 0.04 < 0.1',
    );
    expect(
      scoreSummary(
        feature({ method: 'ks', direction: 'lower', score: 0.0031, threshold: 0.05, exceeded: true }),
      ),
    ).toBe('KS p = 0.0031 < 0.05');
    expect(
      scoreSummary(
        feature({ method: 'chisquare', direction: 'lower', score: 0.41, threshold: 0.05, exceeded: false }),
      ),
    ).toBe('χ² p = 0.41 ≥ 0.05');
    expect(scoreSummary(feature({}))).toBeUndefined();
    expect(ruleText({ direction: 'lower', threshold: 0.05, thresholdDefaulted: false })).toBe(
      'drift when p < 0.05',
    );
    expect(ruleText({ direction: 'higher', threshold: 0.1, thresholdDefaulted: true })).toBe(
      'drift when score ≥ 0.1 (default)',
    );
    expect(methodName('jensenshannon')).toBe('Jensen–Shannon');
    expect(methodName('custom_test')).toBe('custom_test');
  });
});
