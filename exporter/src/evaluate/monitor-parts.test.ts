/**
 * The monitor's smaller parts, each alone: reference-bin counters, version labels and guard counts,
 * labels waiting for their prediction, the multivariate cache and runner, and the findings / retraining
 * assembly. (The drift verdict has its own file; the parts together are covered through the exporter.)
 */
import { describe, expect, it } from 'vitest';
import { profileCells } from '../reference/profile';
import type { MultivariateDriftReport } from '../stats/multivariate';
import { BinObservations } from './bins';
import type { DriftVerdictResult } from './drift-verdict';
import { driftFindings, retraining, staleFinding } from './findings';
import { MultivariateCheck } from './multivariate-check';
import { PendingLabels } from './pending-labels';
import type { Finding } from './report';
import type { ActiveReference } from './settings';
import { NO_TELEMETRY, type Telemetry } from './telemetry';
import { guardCounts, VersionLabels } from './versions';
import { ColumnarWindow, OTHER } from './window';

describe('BinObservations', () => {
  const colour = profileCells(['red', 'red', 'blue', 'green'], 'categorical', 100);
  const size = profileCells([1, 2, 3, 4, 5, 6, 7, 8], 'numeric', 100);

  it('counts values into the reference bins (others into __other__, missing values nowhere)', () => {
    const bins = new BinObservations(50);
    bins.setReference({ colour });
    for (const c of ['red', 'red', 'blue', 'purple', null]) bins.count({ colour: c });
    bins.count({});
    expect(bins.totals().get('colour')).toEqual(
      new Map([
        ['red', 2],
        ['blue', 1],
        ['green', 0],
        [OTHER, 1],
      ]),
    );
  });

  it('keeps the counts of an earlier reference when the reference changes, so counters never go down', () => {
    const bins = new BinObservations(50);
    bins.setReference({ colour, size });
    bins.count({ colour: 'red', size: 3 });
    bins.count({ colour: 'blue', size: 3 });
    const before = bins.totals();
    bins.setReference({ colour });
    bins.count({ colour: 'red', size: 3 });
    const after = bins.totals();
    expect(after.get('colour')!.get('red')).toBe(2);
    expect(after.get('colour')!.get('blue')).toBe(1);
    // size is no longer in the reference: its counts stay as they were
    expect(after.get('size')).toEqual(new Map([...before.get('size')!].filter(([, n]) => n > 0)));
    bins.setReference(null);
    bins.count({ colour: 'red' });
    expect(bins.totals().get('colour')!.get('red')).toBe(2);
  });
});

describe('VersionLabels and guard counts', () => {
  it('labels the first `max` versions as themselves and the rest as __other__, counting each fold', () => {
    const versions = new VersionLabels(2);
    expect(['v1', 'v2', 'v3', 'v1', null, 'v4', 'v3'].map((v) => versions.label(v))).toEqual([
      'v1',
      'v2',
      OTHER,
      'v1',
      null,
      OTHER,
      OTHER,
    ]);
    expect(versions.folded).toBe(3);
    const window = new ColumnarWindow(10, 100, 1);
    window.append(
      {
        id: 1,
        model: 'm',
        model_version: null,
        prediction_id: 'p1',
        ts: 1,
        features: { a: 1, b: 2 },
        prediction: 1,
        score: null,
        attributes: null,
        latency_seconds: null,
      },
      () => undefined,
    );
    expect(guardCounts(window, versions)).toEqual({
      feature: 1,
      attribute: 0,
      category: 0,
      model_version: 3,
    });
  });
});

describe('PendingLabels', () => {
  function telemetry() {
    const calls = { orphaned: 0, evicted: 0 };
    const t: Telemetry = {
      ...NO_TELEMETRY,
      feedbackOrphaned: () => {
        calls.orphaned++;
      },
      feedbackRejected: (_model, reason, n) => {
        if (reason === 'orphan_evicted') calls.evicted += n;
      },
    };
    return { t, calls };
  }

  it('holds at most `cap` labels, dropping the oldest (a replaced label counts as the newest)', () => {
    const { t, calls } = telemetry();
    const pending = new PendingLabels('m', t, 2);
    pending.hold('a', 1, false);
    pending.hold('b', 0, false);
    pending.hold('a', 0, false); // replaces a: now b is the oldest
    pending.hold('c', 1, false);
    expect(pending.size).toBe(2);
    expect(pending.take('b')).toBeUndefined();
    expect(pending.take('a')).toBe(0);
    expect(pending.take('a')).toBeUndefined();
    expect(pending.size).toBe(1);
    expect(calls).toEqual({ orphaned: 4, evicted: 1 });
  });

  it('does not count labels restored at start-up as orphaned again', () => {
    const { t, calls } = telemetry();
    const pending = new PendingLabels('m', t);
    pending.hold('a', 1, true);
    expect(calls.orphaned).toBe(0);
    expect(pending.take('a')).toBe(1);
  });
});

describe('MultivariateCheck', () => {
  function setup(rows: number) {
    const window = new ColumnarWindow(1000, 100);
    for (let i = 0; i < rows; i++)
      window.append(
        {
          id: i + 1,
          model: 'm',
          model_version: null,
          prediction_id: `p${i}`,
          ts: i,
          features: { x: (i * 7) % 11, y: (i * 3) % 5 },
          prediction: 0,
          score: null,
          attributes: null,
          latency_seconds: null,
        },
        () => 'numeric',
      );
    return { window, slots: window.select({}, rows) };
  }
  const reference = (id: number): ActiveReference =>
    ({
      id,
      rows: 40,
      profile: {
        numericRows: {
          features: ['x', 'y', 'missing'],
          rows: Array.from({ length: 40 }, (_, i) => [i % 11, i % 5, 0]),
        },
      },
    }) as unknown as ActiveReference;
  const report = (n: number) => ({ features: [`run ${n}`] }) as unknown as MultivariateDriftReport;

  it('runs inline at most once per interval and per reference', () => {
    const { window, slots } = setup(60);
    const check = new MultivariateCheck(window, undefined, () => 1);
    const first = check.evaluate(reference(1), slots, 100, 60);
    expect(first?.features).toEqual(['x', 'y']);
    expect(check.evaluate(reference(1), slots, 159, 60)).toBe(first);
    expect(check.evaluate(reference(1), slots, 160, 60)).not.toBe(first);
    expect(check.evaluate(reference(2), slots, 161, 60)).not.toBe(first);
  });

  it('with a runner reports the latest finished result, one run at a time, and drops one for a replaced reference', async () => {
    const { window, slots } = setup(60);
    let active = 1;
    const started: string[][] = [];
    const resolvers: ((r: MultivariateDriftReport) => void)[] = [];
    const runner = (features: { name: string }[]) => {
      started.push(features.map((f) => f.name));
      return new Promise<MultivariateDriftReport>((resolve) => resolvers.push(resolve));
    };
    const check = new MultivariateCheck(window, runner, () => active);
    expect(check.evaluate(reference(1), slots, 100, 60)).toBeNull();
    expect(check.evaluate(reference(1), slots, 101, 60)).toBeNull(); // still running: not started again
    expect(started).toEqual([['x', 'y']]);
    resolvers[0]!(report(1));
    await new Promise((r) => setTimeout(r, 0));
    expect(check.evaluate(reference(1), slots, 120, 60)).toEqual(report(1));
    // interval over: a new run starts, the previous result is reported meanwhile
    expect(check.evaluate(reference(1), slots, 200, 60)).toEqual(report(1));
    active = 2; // the reference is replaced before the run ends: its result is dropped
    resolvers[1]!(report(2));
    await new Promise((r) => setTimeout(r, 0));
    expect(check.evaluate(reference(2), slots, 201, 60)).toBeNull();
    expect(started).toHaveLength(3);
  });
});

describe('findings and retraining', () => {
  const quality = { missing_share: 0.5, out_of_range_share: null, unseen_category_share: 0 };
  const limits = {
    datasetDriftShare: 0.5,
    missingShare: 0.1,
    outOfRangeShare: 0.1,
    unseenCategoryShare: 0.1,
  };
  const drifted = { test: 'psi', score: 0.4, threshold: 0.1, direction: 'distance', drifted: true } as const;

  it('lists per feature its drift then its quality findings, then dataset drift, then confirmed prediction drift', () => {
    const decision = {
      features: [
        { name: 'a', result: drifted, drifted: true, quality },
        { name: 'b', result: drifted, drifted: false, quality },
      ],
      dataset: {
        featureCount: 2,
        driftedCount: 1,
        undeterminedCount: 0,
        share: 0.5,
        drifted: true,
        shareThreshold: 0.5,
      },
      prediction: { ...drifted, test: 'ks', score: 0.001, threshold: 0.05, direction: 'p_value' },
      predictionDrifted: true,
    } as unknown as DriftVerdictResult;
    const findings = driftFindings(decision, limits);
    expect(findings.map((f) => [f.type, f.feature ?? null, f.metric])).toEqual([
      ['data_drift', 'a', 'psi'],
      ['data_quality', 'a', 'missing_share'],
      ['data_quality', 'b', 'missing_share'],
      ['data_drift', null, 'drift_share'],
      ['prediction_drift', null, 'ks'],
    ]);
    expect(findings[0]!.description).toBe('feature "a" drifted: psi score 0.4000 ≥ 0.1');
    expect(findings[4]!.description).toBe('model output drifted: ks p-value 0.001000 < 0.05');
    // the output drifted but is not confirmed yet: no finding
    const unconfirmed = driftFindings({ ...decision, predictionDrifted: false }, limits);
    expect(unconfirmed.map((f) => f.type)).not.toContain('prediction_drift');
  });

  it('flags staleness only after the first prediction and past the limit', () => {
    expect(staleFinding(1000, 0, 10)).toBeNull();
    expect(staleFinding(1000, 990, 10)).toBeNull();
    expect(staleFinding(1000, 989.6, 10)).toMatchObject({ type: 'stale', value: 1000 - 989.6 });
  });

  it('recommends retraining after `sustained` evaluations, urgency by the number of problems and criticality', () => {
    const none = { dataset: 0, prediction: 0, performance: 0, estimated: 0 };
    expect(retraining({ ...none, dataset: 2 }, 3, [])).toEqual({
      recommended: false,
      urgency: 'low',
      reasons: [],
    });
    expect(retraining({ ...none, dataset: 3 }, 3, [])).toEqual({
      recommended: true,
      urgency: 'medium',
      reasons: ['dataset drift sustained over 3 evaluations'],
    });
    expect(retraining({ ...none, dataset: 3, estimated: 4 }, 3, []).urgency).toBe('high');
    const critical: Finding = {
      type: 'performance_degradation',
      severity: 'critical',
      metric: 'accuracy',
      value: 0.5,
      threshold: 0.8,
      description: '',
    };
    const r = retraining({ ...none, performance: 3 }, 3, [critical]);
    expect(r.urgency).toBe('high');
    expect(r.reasons).toEqual([
      'performance degraded from the reference baseline over 3 evaluations (accuracy)',
    ]);
  });
});
