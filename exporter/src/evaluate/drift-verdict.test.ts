import { describe, expect, it } from 'vitest';
import { emptyBins } from '../stats/drift';
import type { ColumnDriftResult } from '../stats/types';
import {
  columnRule,
  DriftVerdict,
  type FeatureRule,
  type VerdictSettings,
  verdictSettings,
} from './drift-verdict';

const QUALITY = { missing_share: 0, out_of_range_share: null, unseen_category_share: null };

/** A test's result with its own verdict at the threshold (p-value: drifted below it; distance: at or above). */
function result(score: number | null, direction: 'p_value' | 'distance' = 'p_value'): ColumnDriftResult {
  const threshold = direction === 'p_value' ? 0.05 : 0.1;
  const drifted = score === null ? null : direction === 'p_value' ? score < threshold : score >= threshold;
  return {
    type: 'numeric',
    test: direction === 'p_value' ? 'ks' : 'wasserstein',
    score,
    threshold,
    direction,
    drifted,
    stats: {},
    bins: emptyBins(),
    rows: { reference: 1000, current: 1000 },
  };
}

/** Features a, b, c, … with these scores. */
function tested(...scores: (number | null)[]) {
  return scores.map((s, i) => ({ name: String.fromCharCode(97 + i), result: result(s), quality: QUALITY }));
}

const settings = (over: Partial<VerdictSettings> = {}): VerdictSettings => ({
  fdrCorrection: false,
  confirmations: 1,
  datasetDriftShare: 0.5,
  ...over,
});

const DRIFT = 0.001;
const STABLE = 0.5;

describe('DriftVerdict.decide: feature confirmations', () => {
  it('confirms a feature after `confirmations` consecutive drifted evaluations, and starts over after a miss', () => {
    const v = new DriftVerdict();
    const s = settings({ confirmations: 3 });
    const drifted = (score: number | null) => v.decide(tested(score), null, s).features[0]!.drifted;
    expect([drifted(DRIFT), drifted(DRIFT), drifted(DRIFT), drifted(DRIFT)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    // a miss resets the streak: three more drifted evaluations are needed
    expect([drifted(STABLE), drifted(DRIFT), drifted(DRIFT), drifted(DRIFT)]).toEqual([
      false,
      false,
      false,
      true,
    ]);
    // no verdict (too few rows): null, and the streak starts over too
    expect([drifted(null), drifted(DRIFT), drifted(DRIFT)]).toEqual([null, false, false]);
  });

  it('keeps one streak per feature, and reports the raw test result beside the confirmed verdict', () => {
    const v = new DriftVerdict();
    const s = settings({ confirmations: 2 });
    v.decide(tested(DRIFT, STABLE), null, s);
    const second = v.decide(tested(DRIFT, DRIFT), null, s).features;
    expect(second.map((f) => [f.name, f.result.drifted, f.drifted])).toEqual([
      ['a', true, true],
      ['b', true, false],
    ]);
    expect(second[0]!.quality).toBe(QUALITY);
  });

  it('forgets every streak on reset (a new reference)', () => {
    const v = new DriftVerdict();
    const s = settings({ confirmations: 2 });
    v.decide(tested(DRIFT, DRIFT), result(DRIFT), s);
    v.reset();
    expect(v.datasetStreak).toBe(0);
    expect(v.predictionStreak).toBe(0);
    expect(v.decide(tested(DRIFT, DRIFT), null, s).features.map((f) => f.drifted)).toEqual([false, false]);
  });
});

describe('DriftVerdict.decide: dataset drift', () => {
  it('counts confirmed verdicts only, against the share, and leaves features without a verdict out', () => {
    const v = new DriftVerdict();
    const s = settings({ confirmations: 2, datasetDriftShare: 0.5 });
    const first = v.decide(tested(DRIFT, DRIFT, STABLE, null), null, s).dataset!;
    expect(first).toMatchObject({ featureCount: 3, driftedCount: 0, undeterminedCount: 1, drifted: false });
    expect(v.datasetStreak).toBe(0);
    const second = v.decide(tested(DRIFT, DRIFT, STABLE, null), null, s).dataset!;
    expect(second).toMatchObject({ featureCount: 3, driftedCount: 2, share: 2 / 3, drifted: true });
    expect(v.datasetStreak).toBe(1);
    v.decide(tested(DRIFT, DRIFT, STABLE, null), null, s);
    expect(v.datasetStreak).toBe(2);
    // one of three drifted: share 1/3 < 0.5, the dataset streak ends
    const third = v.decide(tested(DRIFT, STABLE, STABLE, null), null, s).dataset!;
    expect(third).toMatchObject({ driftedCount: 1, drifted: false });
    expect(v.datasetStreak).toBe(0);
  });

  it('drifts at exactly the share, and is null when no feature has a verdict', () => {
    const v = new DriftVerdict();
    expect(v.decide(tested(DRIFT, STABLE), null, settings()).dataset!.drifted).toBe(true);
    expect(v.decide(tested(null, null), null, settings()).dataset).toBeNull();
    expect(v.datasetStreak).toBe(0);
    expect(v.decide([], null, settings()).dataset).toBeNull();
  });
});

describe('DriftVerdict.decide: prediction drift', () => {
  it("reports the output test's result as is, and confirms it over `confirmations` evaluations like a feature", () => {
    const v = new DriftVerdict();
    const s = settings({ confirmations: 3 });
    const p = result(DRIFT);
    const first = v.decide([], p, s);
    expect(first.prediction).toBe(p);
    expect(first.predictionDrifted).toBe(false);
    expect(v.predictionStreak).toBe(1);
    expect(v.decide([], result(DRIFT), s).predictionDrifted).toBe(false);
    expect(v.decide([], result(DRIFT), s).predictionDrifted).toBe(true);
    expect(v.predictionStreak).toBe(3);
    // no output column, or no verdict on it: null, and the streak starts over
    expect(v.decide([], null, s).predictionDrifted).toBeNull();
    expect(v.predictionStreak).toBe(0);
    expect(v.decide([], result(null), s).predictionDrifted).toBeNull();
    v.decide([], result(DRIFT), s);
    expect(v.decide([], result(STABLE), s).predictionDrifted).toBe(false);
    expect(v.predictionStreak).toBe(0);
  });
});

describe('DriftVerdict.decide: FDR', () => {
  // BH on (0.01, 0.04, 0.03, 0.2), m = 4: sorted 0.01, 0.03, 0.04, 0.2 → 0.04, min(0.06, 0.0533) = 0.0533,
  // 0.0533, 0.2 — only the first stays below 0.05.
  const scores = [0.01, 0.04, 0.03, 0.2];

  it('without correction each test decides at its own threshold', () => {
    const f = new DriftVerdict().decide(tested(...scores), null, settings()).features;
    expect(f.map((x) => x.drifted)).toEqual([true, true, true, false]);
    expect(f.map((x) => x.result.score)).toEqual(scores);
  });

  it('with correction decides on Benjamini–Hochberg adjusted p-values and keeps the raw ones', () => {
    const f = new DriftVerdict().decide(tested(...scores), null, settings({ fdrCorrection: true })).features;
    expect(f.map((x) => x.drifted)).toEqual([true, false, false, false]);
    const adjusted = f.map((x) => x.result.score!);
    [0.04, 0.16 / 3, 0.16 / 3, 0.2].forEach((want, i) => {
      expect(adjusted[i]).toBeCloseTo(want, 12);
    });
    expect(f.map((x) => x.result.adjustment?.rawScore)).toEqual(scores);
  });

  it('leaves distance results and results without a score as they are, and is applied before confirmations', () => {
    const v = new DriftVerdict();
    const s = settings({ fdrCorrection: true, confirmations: 2 });
    const input = () => [
      ...tested(0.01, 0.04),
      { name: 'd', result: result(0.3, 'distance'), quality: QUALITY },
      { name: 'e', result: result(null), quality: QUALITY },
    ];
    const first = v.decide(input(), null, s).features;
    expect(first[2]!.result).toMatchObject({ score: 0.3, drifted: true });
    expect(first[2]!.result.adjustment).toBeUndefined();
    expect(first[3]!.result.adjustment).toBeUndefined();
    expect(first.map((x) => x.drifted)).toEqual([false, false, false, null]);
    // m = 2 p-values: 0.01 → 0.02, 0.04 → 0.04: both drift, confirmed at the second evaluation
    expect(v.decide(input(), null, s).features.map((x) => x.drifted)).toEqual([true, true, true, null]);
  });
});

describe('DriftVerdict: the per-feature rule', () => {
  it('is replaceable; confirmations and the dataset share apply after it', () => {
    const calls: string[] = [];
    // a stand-in rule: drifted when the score is below 0.3, whatever the test's threshold
    const rule: FeatureRule = (features, s) => {
      calls.push(`${features.map((f) => f.name).join('')}/${s.confirmations}`);
      return features.map(({ result: r }) => ({ ...r, drifted: r.score === null ? null : r.score < 0.3 }));
    };
    const v = new DriftVerdict(rule);
    const s = settings({ confirmations: 2 });
    v.decide(tested(0.2, 0.2), null, s);
    const d = v.decide(tested(0.2, 0.2), null, s);
    expect(d.features.map((f) => f.drifted)).toEqual([true, true]);
    expect(d.dataset!.drifted).toBe(true);
    expect(calls).toEqual(['ab/2', 'ab/2']);
    // the default rule sees no drift at 0.2
    expect(new DriftVerdict(columnRule).decide(tested(0.2), null, s).features[0]!.result.drifted).toBe(false);
  });
});

describe('verdictSettings', () => {
  it("takes the model's own drift config over the global settings", () => {
    const global = { fdrCorrection: false, confirmations: 1, datasetDriftShare: 0.5 };
    expect(verdictSettings({ drift: { fdr_correction: true, confirmations: 3 } } as never, global)).toEqual({
      fdrCorrection: true,
      confirmations: 3,
      datasetDriftShare: 0.5,
    });
    expect(verdictSettings({} as never, global)).toEqual(global);
  });
});
