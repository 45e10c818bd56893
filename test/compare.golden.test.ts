/**
 * End to end: `modelwatch compare --format json` on the CSV pairs of test/golden/compare/ against the
 * reports computed independently in Python (test/golden/generate_compare.py: scipy, scikit-learn,
 * numpy). Every field of the expected report is compared: numbers to 1e-9 relative (KS p-values 1e-6,
 * docs/statistics.md), everything else exactly. The CLI may add only `reason` (required where there is no
 * verdict) and `notes`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';
import { REPO_ROOT } from './helpers/paths';

const DIR = join(REPO_ROOT, 'test/golden/compare');

interface GoldenCase {
  reference: string;
  current: string;
  args: string;
  note: string;
}

const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Record<
  string,
  GoldenCase | string
>;
const cases = Object.entries(manifest).filter((e): e is [string, GoldenCase] => typeof e[1] === 'object');

const REL = 1e-9;
const KS_REL = 1e-6;
/** Absolute slack for expected values of exactly 0 (sums of terms that cancel). */
const ZERO_ABS = 1e-14;
/** Fields the CLI may add beyond the Python report. */
const EXTRA_FIELDS = new Set(['reason', 'notes']);

const worst = { rel: 0, where: '', ksRel: 0, ksWhere: '' };

function isKsPValue(path: string[], parent: Record<string, unknown>): boolean {
  const key = path[path.length - 1];
  return key === 'ks_p_value' || (key === 'score' && parent.test === 'ks');
}

/** Every difference between expected and actual, as readable lines. */
function compare(
  expected: unknown,
  actual: unknown,
  path: string[],
  parent: Record<string, unknown>,
  out: string[],
): void {
  const where = path.join('.');
  if (expected === null || typeof expected !== 'object') {
    if (typeof expected === 'number' && typeof actual === 'number') {
      const ks = isKsPValue(path, parent);
      const tol = ks ? KS_REL : REL;
      const diff = Math.abs(actual - expected);
      const rel = expected === 0 ? diff : diff / Math.abs(expected);
      const ok = expected === 0 ? diff <= ZERO_ABS : ks && expected < 1e-12 ? diff <= 1e-12 : rel <= tol;
      if (!ok)
        out.push(`${where}: expected ${expected}, got ${actual} (relative error ${rel.toExponential(2)})`);
      else if (expected !== 0) {
        if (ks && rel > worst.ksRel) Object.assign(worst, { ksRel: rel, ksWhere: where });
        if (!ks && rel > worst.rel) Object.assign(worst, { rel, where });
      }
      return;
    }
    if (expected !== actual)
      out.push(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (actual === null || typeof actual !== 'object') {
    out.push(`${where}: expected an object, got ${JSON.stringify(actual)}`);
    return;
  }
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!(key in a)) out.push(`${where}.${key}: missing`);
    else compare(e[key], a[key], [...path, key], a, out);
  }
  for (const key of Object.keys(a)) {
    if (!(key in e) && !EXTRA_FIELDS.has(key)) out.push(`${where}.${key}: unexpected field`);
  }
  if ('drifted' in e && e.drifted === null && typeof a.reason !== 'string') {
    out.push(`${where}: no verdict but no reason`);
  }
}

describe('compare golden reports (Python: scipy, scikit-learn, numpy)', () => {
  afterAll(() => {
    // The largest deviations, for the record (visible with --reporter=verbose).
    console.log(
      `compare golden: max relative error ${worst.rel.toExponential(2)} (${worst.where}); ` +
        `KS p-values ${worst.ksRel.toExponential(2)} (${worst.ksWhere})`,
    );
  });

  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', (name, c) => {
    const args = [
      'compare',
      '--reference',
      join(DIR, c.reference),
      '--current',
      join(DIR, c.current),
      ...c.args.split(' ').filter((s) => s !== ''),
      '--format',
      'json',
    ];
    const r = runCli(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const actual = JSON.parse(r.stdout) as { drift: { multivariate?: unknown } }; // strict JSON: a NaN or Infinity token would throw
    // drift.multivariate (MMD, domain classifier) runs on a seeded subsample of our own PRNG, which the
    // Python generator cannot reproduce row for row: its values are covered by exporter/src/compare/report.test.ts
    // and stats/multivariate.test.ts; here only its presence and shape.
    const multivariate = actual.drift.multivariate as {
      features: string[];
      mmd: unknown;
      classifier: unknown;
    } | null;
    expect(multivariate === null || Array.isArray(multivariate.features)).toBe(true);
    delete actual.drift.multivariate;
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as unknown;
    const problems: string[] = [];
    compare(expected, actual, [name], {}, problems);
    expect(problems, `${c.note}\n${problems.join('\n')}`).toEqual([]);
  });
});
