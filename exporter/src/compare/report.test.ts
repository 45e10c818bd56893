import { describe, expect, it } from 'vitest';
import { type Cell, cellText, InputError, type Table, tableFromCells } from '../reference/table';
import { buildCompareReport, type CompareOptions, type CompareReport, checkDriftOptions } from './report';
import { formatCompareText, formatNumber, TEXT_WIDTH } from './text';

/** A table as readTableFile returns it from CSV text cells (typed by docs/compare.md's rule). */
function table(names: string[], rows: readonly (readonly Cell[])[]): Table {
  const columns = new Map<string, Cell[]>(names.map((n) => [n, []]));
  for (const row of rows) {
    names.forEach((n, i) => {
      const v = row[i];
      columns.get(n)!.push(v === null || v === undefined ? null : String(v));
    });
  }
  return tableFromCells(columns);
}

/** The cells of one column as text (null = missing). */
const cells = (t: Table, name: string): (string | null)[] =>
  Array.from({ length: t.rows }, (_, i) => cellText(t.columns.get(name)!, i));

/** n rows of generated columns. */
function generate(n: number, columns: Record<string, (i: number) => string | number | null>): Table {
  const names = Object.keys(columns);
  const rows = Array.from({ length: n }, (_, i) => names.map((k) => columns[k]!(i)));
  return table(names, rows);
}

// Evidently's rule unless a test asks for the calibrated decision (the default of buildCompareReport).
const build = (ref: Table, cur: Table, opts: CompareOptions = {}): CompareReport =>
  buildCompareReport(ref, cur, {
    referenceName: 'ref.csv',
    currentName: 'cur.csv',
    decision: 'threshold',
    ...opts,
  });

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

// A small credit-like pair: reference 40 rows, current 30 rows.
const ref = generate(40, {
  age: (i) => 20 + i,
  region: (i) => ['north', 'south', 'east'][i % 3]!,
  plan: (i) => (i % 4 === 0 ? 'premium' : 'basic'),
  sex: (i) => (i % 2 === 0 ? 'F' : 'M'),
  y: (i) => (i % 3 === 0 ? 1 : 0),
  pred: (i) => (i % 3 === 0 || i % 5 === 0 ? 1 : 0),
  score: (i) => (i % 3 === 0 ? 0.8 : 0.2) + (i % 7) / 100,
});
const cur = generate(30, {
  age: (i) => 40 + i,
  region: (i) => ['north', 'west', 'east'][i % 3]!,
  plan: (i) => (i % 2 === 0 ? 'premium' : 'basic'),
  sex: (i) => (i % 3 === 0 ? 'F' : 'M'),
  y: (i) => (i % 2 === 0 ? 1 : 0),
  pred: (i) => (i % 3 === 0 ? 1 : 0),
  score: (i) => (i % 3 === 0 ? 0.7 : 0.4),
});

describe('buildCompareReport: drift', () => {
  it('has the docs/compare.md fields in order and uses every column without a role as a feature', () => {
    const r = build(ref, cur, { target: 'y', prediction: 'pred', score: 'score', protected: ['sex'] });
    expect(Object.keys(r)).toEqual([
      'rows',
      'drift',
      'prediction_drift',
      'performance',
      'fairness',
      'data_quality',
    ]);
    expect(r.rows).toEqual({ reference: 40, current: 30 });
    expect(Object.keys(r.drift.features)).toEqual(['age', 'region', 'plan']);
    expect(Object.keys(r.data_quality)).toEqual(['age', 'region', 'plan']);
    expect(Object.keys(r.drift)).toEqual([
      'method',
      'decision',
      'feature_count',
      'drifted_count',
      'share',
      'dataset_drift',
      'features',
      'multivariate',
    ]);
    expect(Object.keys(r.drift.features.age!)).toEqual([
      'type',
      'test',
      'score',
      'threshold',
      'drifted',
      'stats',
    ]);
  });

  it('leaves out the optional sections when their options are absent', () => {
    const r = build(ref, cur);
    expect(Object.keys(r)).toEqual(['rows', 'drift', 'data_quality']);
    // Without roles every column is a feature.
    expect(Object.keys(r.drift.features)).toEqual(['age', 'region', 'plan', 'sex', 'y', 'pred', 'score']);
  });

  it('picks tests as Evidently does for a small reference and aggregates the dataset drift', () => {
    const r = build(ref, cur, { features: ['age', 'region', 'plan', 'y'] });
    const f = r.drift.features;
    expect(f.age).toMatchObject({ type: 'numeric', test: 'ks', threshold: 0.05, drifted: true });
    expect(f.age!.score).toBe(f.age!.stats.ks_p_value);
    expect(Object.keys(f.age!.stats)).toEqual([
      'ks_statistic',
      'ks_p_value',
      'wasserstein_normed',
      'psi',
      'kl',
      'jensenshannon',
      'hellinger',
    ]);
    expect(f.region).toMatchObject({ type: 'categorical', test: 'chisquare', drifted: true });
    expect(f.region!.score).toBeLessThan(0.05);
    expect(f.plan).toMatchObject({ type: 'categorical', test: 'ztest' });
    expect(f.y).toMatchObject({ type: 'numeric', test: 'ztest' });
    expect(f.y!.stats).toHaveProperty('chisquare_p_value');
    const drifted = Object.values(f).filter((x) => x.drifted).length;
    expect(r.drift).toMatchObject({
      method: 'auto',
      feature_count: 4,
      drifted_count: drifted,
      share: drifted / 4,
    });
    expect(r.drift.dataset_drift).toBe(drifted / 4 >= 0.5);
  });

  it('uses distances for a reference above 1000 rows', () => {
    const big = generate(1001, { x: (i) => (i * 7919) % 1000, c: (i) => ['a', 'b', 'c'][i % 3]! });
    const small = generate(200, { x: (i) => ((i * 31) % 1000) + 50, c: (i) => ['a', 'b'][i % 2]! });
    const r = build(big, small);
    expect(r.drift.features.x).toMatchObject({ test: 'wasserstein', threshold: 0.1 });
    expect(r.drift.features.c).toMatchObject({ test: 'jensenshannon', threshold: 0.1 });
    expect(r.drift.features.x!.score).toBe(r.drift.features.x!.stats.wasserstein_normed);
  });

  it('a value absent from the reference: the contingency chi-square stays finite, no note', () => {
    const r = build(ref, cur, { features: ['region'] });
    const region = r.drift.features.region!;
    expect(Number.isFinite(region.stats.chisquare_statistic)).toBe(true);
    expect(region.stats.chisquare_p_value).toBeGreaterThan(0);
    expect(region.notes ?? []).toEqual([]);
    const json = JSON.stringify(r);
    expect(json).not.toMatch(/NaN|:Infinity/);
  });

  it('applies an explicit method and threshold; a method that does not fit the type gives no verdict', () => {
    const psi = build(ref, cur, { features: ['age', 'region'], driftMethod: 'psi', threshold: 0.3 });
    expect(psi.drift.method).toBe('psi');
    expect(psi.drift.features.age).toMatchObject({ test: 'psi', threshold: 0.3 });
    expect(psi.drift.features.age!.score).toBe(psi.drift.features.age!.stats.psi);
    const ks = build(ref, cur, { features: ['age', 'region'], driftMethod: 'ks' });
    expect(ks.drift.features.region).toMatchObject({ test: 'ks', score: null, drifted: null });
    expect(ks.drift.features.region!.reason).toMatch(/ks does not apply to categorical/);
    expect(ks.drift).toMatchObject({ feature_count: 1, undetermined_count: 1 });
  });

  it('decides the type from both files and notes a numeric reference column with text in the current file', () => {
    const a = table(['code'], [[1], [2], [3], [null]]);
    const b = table(['code'], [[1], ['unknown'], [2]]);
    const r = build(a, b);
    expect(r.drift.features.code!.type).toBe('categorical');
    expect(r.drift.features.code!.notes?.join(' ')).toMatch(
      /"unknown" \(data row 2\); compared as categorical/,
    );
    expect(r.data_quality.code).toEqual({
      missing_share: 0,
      out_of_range_share: null,
      unseen_category_share: 1 / 3,
    });
  });

  it('reports a default feature present in only one file without a verdict', () => {
    const a = table(
      ['x', 'gone'],
      [
        [1, 5],
        [2, 6],
        [3, 7],
      ],
    );
    const b = table(
      ['new', 'x'],
      [
        ['p', 2],
        ['q', 3],
      ],
    );
    const r = build(a, b);
    expect(Object.keys(r.drift.features)).toEqual(['x', 'gone', 'new']);
    expect(r.drift.features.gone).toMatchObject({ drifted: null, score: null });
    expect(r.drift.features.gone!.reason).toBe('column "gone" is not in the current file cur.csv');
    expect(r.drift.features.new!.reason).toBe('column "new" is not in the reference file ref.csv');
    expect(r.data_quality.gone!.missing_share).toBe(1);
    expect(r.data_quality.new!.unseen_category_share).toBe(1);
    expect(r.drift.undetermined_count).toBe(2);
  });

  it('gives a defined result for a header-only current file', () => {
    const empty = table(ref.names, []);
    const r = build(ref, empty, { target: 'y', prediction: 'pred', score: 'score', protected: ['sex'] });
    expect(r.rows).toEqual({ reference: 40, current: 0 });
    for (const f of Object.values(r.drift.features)) {
      expect(f.drifted).toBeNull();
      expect(f.score).toBeNull();
      expect(f.reason).toBe('current window has no values');
      expect(Object.values(f.stats).every((v) => v === null)).toBe(true);
    }
    expect(r.drift).toMatchObject({
      feature_count: 0,
      drifted_count: 0,
      share: 0,
      dataset_drift: false,
      undetermined_count: 3,
    });
    expect(r.prediction_drift).toMatchObject({ column: 'score', drifted: null });
    expect(r.performance!.task).toBe('binary');
    expect(Object.values(r.performance!.current!).every((v) => v === null)).toBe(true);
    expect(r.performance!.reference).toHaveProperty('accuracy', expect.any(Number));
    expect(r.fairness!.sex).toMatchObject({
      groups: {},
      demographic_parity_difference: null,
      disparate_impact_passes: null,
    });
    expect(r.data_quality.age).toEqual({
      missing_share: null,
      out_of_range_share: null,
      unseen_category_share: null,
    });
  });

  it('gives a defined result for a header-only reference file', () => {
    const r = build(table(cur.names, []), cur, { features: ['age', 'region'] });
    expect(r.drift.features.age).toMatchObject({ drifted: null, reason: 'reference has no values' });
    expect(r.drift.features.region!.notes).toBeUndefined();
    expect(r.data_quality.age).toEqual({
      missing_share: 0,
      out_of_range_share: null,
      unseen_category_share: null,
    });
  });
});

describe('buildCompareReport: prediction drift, performance, fairness', () => {
  it('compares the score column when given, else the prediction column', () => {
    expect(build(ref, cur, { prediction: 'pred', score: 'score' }).prediction_drift).toMatchObject({
      column: 'score',
      type: 'numeric',
      test: 'ks',
    });
    expect(build(ref, cur, { prediction: 'pred' }).prediction_drift).toMatchObject({
      column: 'pred',
      test: 'ztest',
    });
  });

  it('computes binary metrics on the rows where the target and outputs are present', () => {
    const a = table(
      ['y', 'p', 's'],
      [
        [1, 1, 0.9],
        [0, 1, 0.6],
        [1, 0, 0.4],
        [0, 0, 0.1],
        [null, 1, 0.8], // no label yet: left out
      ],
    );
    const r = build(a, a, { features: [], target: 'y', prediction: 'p', score: 's' });
    expect(r.performance!.task).toBe('binary');
    const m = r.performance!.current as unknown as Record<string, number>;
    expect(m.accuracy).toBe(0.5);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBe(0.5);
    expect(m.roc_auc).toBe(0.75);
    expect(m.brier).toBeCloseTo((0.01 + 0.36 + 0.36 + 0.01) / 4, 15);
    expect(m.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.9)) / 4, 15);
  });

  it('reports score metrics alone without --prediction', () => {
    const r = build(ref, cur, { features: [], target: 'y', score: 'score' });
    expect(r.performance!.current).toMatchObject({ accuracy: null, precision: null, recall: null, f1: null });
    expect(r.performance!.current).toHaveProperty('roc_auc', expect.any(Number));
  });

  it('infers multiclass and regression tasks', () => {
    const mc = table(
      ['y', 'p'],
      [
        ['cat', 'cat'],
        ['dog', 'cat'],
        ['bird', 'bird'],
        ['dog', 'dog'],
      ],
    );
    expect(build(mc, mc, { target: 'y', prediction: 'p' }).performance).toMatchObject({
      task: 'multiclass',
      current: { accuracy: 0.75 },
    });
    const reg = table(
      ['y', 'p'],
      [
        [1.5, 2],
        [2.5, 2],
        [10, 9],
      ],
    );
    const r = build(reg, reg, { target: 'y', prediction: 'p' });
    expect(r.performance!.task).toBe('regression');
    expect(r.performance!.current).toMatchObject({ mae: 2 / 3, mse: 0.5 });
    expect(Object.keys(r.performance!.current!)).toEqual(['mae', 'mse', 'rmse', 'r2', 'mape']);
  });

  it('names the column, file and row of a value that does not fit the task', () => {
    const a = table(
      ['y', 'p'],
      [
        [1.5, 2],
        [2.5, 'n/a'],
      ],
    );
    const msg = inputError(() => build(a, a, { target: 'y', prediction: 'p', task: 'regression' }));
    expect(msg).toMatch(/--prediction column "p", reference file ref\.csv, data row 2: value "n\/a"/);
    const s = table(
      ['y', 's'],
      [
        [1, 0.5],
        [0, 1.5],
      ],
    );
    expect(inputError(() => build(s, s, { target: 'y', score: 's' }))).toMatch(
      /--score column "s", reference file ref\.csv, data row 2/,
    );
  });

  it('computes fairness on the current data with Fairlearn definitions', () => {
    const c = table(
      ['g', 'y', 'p'],
      [
        ['F', 1, 1],
        ['F', 0, 1],
        ['F', 1, 0],
        ['M', 1, 1],
        ['M', 0, 0],
        ['M', 0, 0],
        ['M', null, 1], // unlabelled: selection rate only
        [null, 1, 1], // missing attribute: its own group
      ],
    );
    const r = build(c, c, { features: [], target: 'y', prediction: 'p', protected: ['g'] });
    const f = r.fairness!.g!;
    expect(f.groups).toEqual({
      '(missing)': { count: 1, selection_rate: 1, tpr: 1, fpr: 0 },
      F: { count: 3, selection_rate: 2 / 3, tpr: 0.5, fpr: 1 },
      M: { count: 4, selection_rate: 0.5, tpr: 1, fpr: 0 },
    });
    expect(f.demographic_parity_difference).toBe(0.5);
    expect(f.demographic_parity_ratio).toBe(0.5);
    expect(f.equal_opportunity_difference).toBe(0.5);
    expect(f.equalized_odds_difference).toBe(1);
    expect(f.equalized_odds_ratio).toBe(0);
    expect(f.disparate_impact_passes).toBe(false);
    expect(Object.keys(f)).not.toContain('excluded_groups');
  });

  it('rejects predictions that are not 0/1 for fairness, naming the row', () => {
    const c = table(
      ['g', 'p'],
      [
        ['F', 1],
        ['M', 2],
      ],
    );
    expect(inputError(() => build(c, c, { prediction: 'p', protected: ['g'] }))).toMatch(
      /--prediction column "p", current file cur\.csv, data row 2: value "2"/,
    );
  });
});

describe('buildCompareReport: bad options', () => {
  it('names an unknown column and the file that lacks it', () => {
    expect(inputError(() => build(ref, cur, { features: ['age', 'nope'] }))).toBe(
      '--features: column "nope" is not in the reference file ref.csv (columns: age, region, plan, sex, y, pred, score)',
    );
    const noTarget = table(['age', 'pred'], [[1, 0]]);
    expect(inputError(() => build(ref, noTarget, { target: 'y', prediction: 'pred' }))).toMatch(
      /^--target: column "y" is not in the current file cur\.csv/,
    );
    expect(inputError(() => build(ref, cur, { prediction: 'p' }))).toMatch(/^--prediction: column "p"/);
    expect(inputError(() => build(ref, cur, { score: 's' }))).toMatch(/^--score: column "s"/);
    expect(inputError(() => build(ref, cur, { prediction: 'pred', protected: ['race'] }))).toMatch(
      /^--protected: column "race"/,
    );
  });

  it('rejects inconsistent roles', () => {
    expect(inputError(() => build(ref, cur, { features: ['age', 'age'] }))).toMatch(/listed twice/);
    expect(inputError(() => build(ref, cur, { prediction: 'pred', score: 'pred' }))).toMatch(
      /both --prediction and --score/,
    );
    expect(inputError(() => build(ref, cur, { protected: ['sex'] }))).toMatch(
      /--protected needs --prediction/,
    );
    expect(inputError(() => build(ref, cur, { target: 'y' }))).toMatch(
      /--target needs --prediction or --score/,
    );
    expect(inputError(() => build(ref, cur, { score: 'region' }))).toMatch(
      /--score: column "region" must be numeric.*"north" in data row 1/,
    );
    const strings = table(['y', 's'], [['yes', 0.5]]);
    expect(inputError(() => build(strings, strings, { target: 'y', score: 's' }))).toMatch(
      /multiclass task needs --prediction/,
    );
  });

  it('checks the drift method and threshold', () => {
    expect(inputError(() => checkDriftOptions('magic', undefined))).toMatch(
      /unknown drift method "magic" \(choose from auto, ks, wasserstein, psi/,
    );
    expect(inputError(() => checkDriftOptions('auto', 1.5))).toMatch(
      /invalid --threshold 1\.5: expected a number in \[0, 1\]/,
    );
    expect(inputError(() => checkDriftOptions('ks', -0.1))).toMatch(/invalid --threshold/);
    expect(inputError(() => checkDriftOptions('psi', Number.NaN))).toMatch(/invalid --threshold NaN/);
    expect(() => checkDriftOptions('psi', 2)).not.toThrow();
    expect(inputError(() => build(ref, cur, { driftMethod: 'magic' }))).toMatch(/unknown drift method/);
  });
});

describe('formatCompareText', () => {
  it('prints aligned tables within 100 columns, even with long names', () => {
    const long =
      'a_feature_name_that_is_far_too_long_to_fit_in_any_sensible_table_column_of_a_terminal_window';
    const a = table(
      [long, 'y', 'p', 's', 'g'],
      cells(ref, 'age').map((v, i) => [v, i % 2, i % 3 === 0 ? 1 : 0, 0.5, i % 2 ? 'x' : 'z']),
    );
    const b = table(
      [long, 'y', 'p', 's', 'g'],
      cells(cur, 'age').map((v, i) => [v, i % 2, i % 2, 0.25, i % 3 ? 'x' : 'z']),
    );
    const text = formatCompareText(
      build(a, b, { target: 'y', prediction: 'p', score: 's', protected: ['g'] }),
    );
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(TEXT_WIDTH);
    expect(text).toMatch(/^Rows: reference 40, current 30$/m);
    expect(text).toMatch(/feature\s+type\s+test\s+score\s+threshold\s+drifted/);
    expect(text).toMatch(/a_feature_name.*…\s+numeric\s+ks\s+\S+\s+0\.05\s+DRIFT/);
    expect(text).toContain('Prediction drift (column s)');
    expect(text).toContain('Performance (binary)');
    expect(text).toContain('Fairness: g (current data)');
    expect(text).toContain('Data quality (current data)');
    // Columns line up: "threshold" values end where the header ends.
    const header = lines.find((l) => /feature\s+type\s+test/.test(l))!;
    const row = lines[lines.indexOf(header) + 1]!;
    expect(row.indexOf('0.05') + 4).toBe(header.indexOf('threshold') + 'threshold'.length);
  });

  it('formats numbers for reading', () => {
    expect(formatNumber(null)).toBe('-');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1.2e-8)).toBe('1.20e-8');
    expect(formatNumber(0)).toBe('0');
  });
});

describe('buildCompareReport: multivariate drift', () => {
  /** Seeded standard normals (Box–Muller over mulberry32). */
  function normals(seed: number, n: number): number[] {
    let a = seed >>> 0;
    const u = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
    };
    return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  }
  const n = 400;
  const reference = (() => {
    const x = normals(1, n);
    const y = normals(2, n);
    return table(
      ['x', 'y', 'kind'],
      x.map((v, i) => [v, y[i]!, i % 2 ? 'a' : 'b']),
    );
  })();

  it('stays quiet when both sides come from the same distribution', () => {
    const x = normals(3, n);
    const y = normals(4, n);
    const current = table(
      ['x', 'y', 'kind'],
      x.map((v, i) => [v, y[i]!, i % 2 ? 'a' : 'b']),
    );
    const mv = buildCompareReport(reference, current).drift.multivariate!;
    expect(mv.features).toEqual(['x', 'y']);
    expect(mv.mmd!.p_value).toBeGreaterThan(0.05);
    expect(Math.abs(mv.classifier!.score - 0.5)).toBeLessThan(0.1);
  });

  it('sees a change of correlation that no single feature shows', () => {
    // Current: y = x exactly, so both marginals are still standard normal.
    const x = normals(5, n);
    const current = table(
      ['x', 'y', 'kind'],
      x.map((v, i) => [v, v, i % 2 ? 'a' : 'b']),
    );
    const report = buildCompareReport(reference, current, { driftMethod: 'ks' });
    expect(report.drift.features.x!.drifted).toBe(false);
    expect(report.drift.features.y!.drifted).toBe(false);
    const mv = report.drift.multivariate!;
    expect(mv.mmd!.p_value).toBeLessThan(0.05);
    expect(mv.mmd!.score).toBeGreaterThan(0);
  });

  it('names the features that separate the windows when one shifts', () => {
    const x = normals(6, n).map((v) => v + 1);
    const y = normals(7, n);
    const current = table(
      ['x', 'y', 'kind'],
      x.map((v, i) => [v, y[i]!, i % 2 ? 'a' : 'b']),
    );
    const mv = buildCompareReport(reference, current).drift.multivariate!;
    expect(mv.classifier!.score).toBeGreaterThan(0.7);
    expect(mv.classifier!.importance.x!).toBeGreaterThan(mv.classifier!.importance.y!);
  });

  it('is null without numeric features and gives a reason with too few rows', () => {
    const cat = table(['kind'], [['a'], ['b']]);
    expect(buildCompareReport(cat, cat).drift.multivariate).toBeNull();
    const tiny = table(['x'], [[1], [2], [3]]);
    const mv = buildCompareReport(tiny, tiny).drift.multivariate!;
    expect(mv.classifier).toBeNull();
    expect(mv.reason).toMatch(/classifier: .*rows/);
  });
});
