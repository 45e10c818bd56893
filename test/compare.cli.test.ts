/**
 * `modelwatch compare` as users run it (the real bin, a child process): exit codes, stdout, and the
 * stderr message for every kind of bad input.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli';

let dir: string;
const file = (name: string): string => join(dir, name);

function csv(rows: (string | number)[][]): string {
  return `${rows.map((r) => r.join(',')).join('\n')}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelwatch-compare-'));
  const header = ['age', 'region', 'y', 'pred', 'score', 'sex'];
  const ref: (string | number)[][] = [header];
  const same: (string | number)[][] = [header];
  const cur: (string | number)[][] = [header];
  for (let i = 0; i < 60; i++) {
    const row = [
      20 + (i % 30),
      ['north', 'south', 'east'][i % 3]!,
      i % 3 === 0 ? 1 : 0,
      i % 4 === 0 ? 1 : 0,
      0.1 + (i % 9) / 10,
      i % 2 ? 'F' : 'M',
    ];
    ref.push(row);
    same.push(row);
  }
  for (let i = 0; i < 50; i++) {
    cur.push([
      40 + (i % 30),
      ['north', 'west', 'east'][i % 3]!,
      i % 2,
      i % 3 === 0 ? 1 : 0,
      0.05 + (i % 10) / 11,
      i % 3 ? 'F' : 'M',
    ]);
  }
  writeFileSync(file('ref.csv'), csv(ref));
  writeFileSync(file('same.csv'), csv(same));
  writeFileSync(file('cur.csv'), csv(cur));
  writeFileSync(file('header_only.csv'), csv([header]));
  writeFileSync(file('empty.csv'), '');
  writeFileSync(
    file('ragged.csv'),
    csv([header, [30, 'north', 1, 1, 0.5, 'F'], [31, 'south', 0, 0, 0.5], [32, 'east', 0, 0, 0.2, 'M']]),
  );
  writeFileSync(
    file('dup_header.csv'),
    csv([
      ['age', 'age'],
      [1, 2],
    ]),
  );
  writeFileSync(file('bad_quote.csv'), 'age,region\n1,"north\n2,south\n');
  writeFileSync(
    file('missing_tokens.csv'),
    csv([header, ['NA', '', 'null', 1, 'NaN', 'F'], [45, 'north', 1, 0, 0.3, 'M']]),
  );
  writeFileSync(
    file('pred_not_binary.csv'),
    csv([header, [30, 'north', 1, 2, 0.5, 'F'], [31, 'south', 0, 0, 0.5, 'M']]),
  );
  writeFileSync(
    file('score_out_of_range.csv'),
    csv([header, [30, 'north', 1, 1, 1.5, 'F'], [31, 'south', 0, 0, 0.5, 'M']]),
  );
  mkdirSync(file('a_directory'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compare(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCli(['compare', ...args]);
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process without blocking, so the bad-input cases of one test run side by side. */
function compareAsync(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'compare', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** Runs every case at once; each must exit 2 with no output, its message on stderr and no stack trace. */
async function expectInputErrors(cases: [string[], RegExp][]): Promise<void> {
  const runs = await Promise.all(cases.map(([args]) => compareAsync(...args)));
  runs.forEach((r, i) => {
    const [args, message] = cases[i]!;
    const what = `compare ${args.join(' ')}\n${r.stderr}`;
    expect(r.status, what).toBe(2);
    expect(r.stdout, what).toBe('');
    expect(r.stderr, what).toMatch(message);
    expect(r.stderr, what).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
}

describe('modelwatch compare: success', () => {
  it('prints the JSON report and exits 0 when the data drifted, with nothing on stderr', () => {
    const r = compare(
      '--reference',
      file('ref.csv'),
      '--current',
      file('cur.csv'),
      '--target',
      'y',
      '--prediction',
      'pred',
      '--score',
      'score',
      '--protected',
      'sex',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([
      'rows',
      'drift',
      'prediction_drift',
      'performance',
      'fairness',
      'data_quality',
    ]);
    expect(report.rows).toEqual({ reference: 60, current: 50 });
    expect(report.drift.features.age).toMatchObject({ type: 'numeric', test: 'ks', drifted: true });
    expect(Number.isFinite(report.drift.features.region.stats.chisquare_statistic)).toBe(true); // contingency test: finite
    expect(report.drift.dataset_drift).toBe(true);
    expect(report.prediction_drift.column).toBe('score');
    expect(report.performance.task).toBe('binary');
    expect(Object.keys(report.fairness.sex.groups)).toEqual(['F', 'M']);
  });

  it('exits 0 without drift too', () => {
    const r = compare('--reference', file('ref.csv'), '--current', file('same.csv'));
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.drift).toMatchObject({ drifted_count: 0, dataset_drift: false });
  });

  it('treats a header-only current file as a defined result: null statistics with reasons', () => {
    const r = compare(
      '--reference',
      file('ref.csv'),
      '--current',
      file('header_only.csv'),
      '--target',
      'y',
      '--prediction',
      'pred',
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.rows).toEqual({ reference: 60, current: 0 });
    expect(report.drift.features.age).toMatchObject({
      score: null,
      drifted: null,
      reason: 'current window has no values',
    });
    expect(report.drift).toMatchObject({ feature_count: 0, dataset_drift: false, undetermined_count: 4 }); // age, region, score, sex
    expect(report.performance.current.accuracy).toBeNull();
  });

  it('reads the missing tokens of docs/compare.md as missing', () => {
    const r = compare(
      '--reference',
      file('ref.csv'),
      '--current',
      file('missing_tokens.csv'),
      '--features',
      'age,region,score',
    );
    expect(r.status, r.stderr).toBe(0);
    const q = JSON.parse(r.stdout).data_quality;
    expect(q.age.missing_share).toBe(0.5);
    expect(q.region.missing_share).toBe(0.5);
    expect(q.score.missing_share).toBe(0.5);
  });

  it('prints a readable text report within 100 columns', () => {
    const r = compare(
      '--reference',
      file('ref.csv'),
      '--current',
      file('cur.csv'),
      '--target',
      'y',
      '--prediction',
      'pred',
      '--protected',
      'sex',
      '--format',
      'text',
    );
    expect(r.status, r.stderr).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(
      /Data drift \(method auto, calibrated, false-alarm budget 10000 turnovers\): DATASET DRIFT/,
    );
    // the calibrated default: the threshold in force is the level the budget gives (docs/detection.md)
    expect(r.stdout).toMatch(/^ {2}age\s+numeric\s+ks\s+\S+\s+1\.\d+e-6\s+DRIFT$/m);
    expect(r.stdout).toContain('Performance (binary)');
    expect(r.stdout).toContain('Fairness: sex (current data)');
    expect(r.stdout).toContain('Data quality (current data)');
  });
});

describe('modelwatch compare: unreadable input exits 2', () => {
  it('a missing file, a directory, an empty file', async () => {
    await expectInputErrors([
      [
        ['--reference', file('nope.csv'), '--current', file('cur.csv')],
        /reference file .*nope\.csv does not exist/,
      ],
      [
        ['--reference', file('ref.csv'), '--current', file('nope.csv')],
        /current file .*nope\.csv does not exist/,
      ],
      [
        ['--reference', file('a_directory'), '--current', file('cur.csv')],
        /reference file .*a_directory is not a regular file/,
      ],
      [
        ['--reference', file('ref.csv'), '--current', file('empty.csv')],
        /current file .*empty\.csv: CSV input is empty: expected a header row/,
      ],
    ]);
  });

  it('a ragged row (names the line), a duplicate header, an unclosed quote', async () => {
    await expectInputErrors([
      [
        ['--reference', file('ref.csv'), '--current', file('ragged.csv')],
        /current file .*ragged\.csv: malformed CSV \(line 3\): expected 6 fields, found 5/,
      ],
      [
        ['--reference', file('dup_header.csv'), '--current', file('cur.csv')],
        /reference file .*dup_header\.csv: CSV header: duplicate column "age"/,
      ],
      [
        ['--reference', file('ref.csv'), '--current', file('bad_quote.csv')],
        /current file .*bad_quote\.csv: malformed CSV \(line \d+\): a quoted field is not closed/,
      ],
    ]);
  });
});

describe('modelwatch compare: bad options exit 2 with the reason', () => {
  const base = (...more: string[]): string[] => [
    '--reference',
    file('ref.csv'),
    '--current',
    file('cur.csv'),
    ...more,
  ];

  it('unknown columns are named', async () => {
    await expectInputErrors([
      [
        base('--features', 'age,income'),
        /--features: column "income" is not in the reference file .*ref\.csv \(columns: age, region, y, pred, score, sex\)/,
      ],
      [
        base('--target', 'label', '--prediction', 'pred'),
        /--target: column "label" is not in the reference file/,
      ],
      [base('--prediction', 'p'), /--prediction: column "p" is not in the reference file/],
      [base('--score', 'proba'), /--score: column "proba" is not in the reference file/],
      [
        base('--prediction', 'pred', '--protected', 'sex,race'),
        /--protected: column "race" is not in the reference file/,
      ],
      [
        base('--features', 'age,,region'),
        /argument 'age,,region' is invalid\. expected comma-separated column names/,
      ],
    ]);
  });

  it('an invalid threshold, drift method, format or task', async () => {
    await expectInputErrors([
      [
        base('--threshold', 'abc'),
        /option '--threshold <x>' argument 'abc' is invalid\. expected a finite number/,
      ],
      [base('--threshold', '1.5'), /invalid --threshold 1\.5: expected a number in \[0, 1\]/],
      [base('--drift-method', 'psi', '--threshold', '-1'), /invalid --threshold -1/],
      [
        base('--drift-method', 'magic'),
        /unknown drift method "magic" \(choose from auto, ks, wasserstein, psi, kl, jensenshannon, hellinger, chisquare, ztest\)/,
      ],
      [base('--format', 'xml'), /argument 'xml' is invalid\. Allowed choices are json, text/],
      [
        base('--task', 'ranking'),
        /argument 'ranking' is invalid\. Allowed choices are classification, regression/,
      ],
      [['--current', file('cur.csv')], /required option '--reference <file>' not specified/],
      [
        base('--decision', 'bayes'),
        /argument 'bayes' is invalid\. Allowed choices are calibrated, threshold/,
      ],
      [
        base('--decision', 'calibrated', '--threshold', '0.1'),
        /--threshold applies to --decision threshold; calibrated verdicts use --min-effect/,
      ],
      [
        base('--false-alarm-run-length', '0.5'),
        /invalid --false-alarm-run-length 0\.5: expected a number ≥ 1/,
      ],
      [
        base('--false-alarm-run-length', 'Infinity'),
        /argument 'Infinity' is invalid\. expected a finite number/,
      ],
      [base('--min-effect', '-0.1'), /invalid --min-effect -0\.1: expected a number ≥ 0/],
    ]);
  });

  it('options that need other options, and values that do not fit their role', async () => {
    await expectInputErrors([
      [base('--protected', 'sex'), /--protected needs --prediction/],
      [base('--target', 'y'), /--target needs --prediction or --score/],
      [
        base('--score', 'region'),
        /--score: column "region" must be numeric, but the reference file .*ref\.csv has "north" in data row 1/,
      ],
      [
        [
          '--reference',
          file('ref.csv'),
          '--current',
          file('pred_not_binary.csv'),
          '--prediction',
          'pred',
          '--protected',
          'sex',
        ],
        /--prediction column "pred", current file .*pred_not_binary\.csv, data row 1: value "2" — fairness expects 0\/1 predictions/,
      ],
      [
        [
          '--reference',
          file('ref.csv'),
          '--current',
          file('score_out_of_range.csv'),
          '--target',
          'y',
          '--score',
          'score',
        ],
        /--score column "score", current file .*score_out_of_range\.csv, data row 1: value "1\.5" — scores must be probabilities in \[0, 1\]/,
      ],
      [
        base('--target', 'y', '--prediction', 'region', '--task', 'regression'),
        /--prediction column "region", reference file .*data row 1: value "north" — regression expects a finite number/,
      ],
    ]);
  });
});
