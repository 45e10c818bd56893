/**
 * Issue 14, defect 3: what the log stores as `features` is exactly what validation saw, whatever the
 * spelling of the keys (escapes such as `feat\u0075res`) and however often they repeat, at any level.
 * Property-tested against JSON.parse (what validation reads) and SQLite's own JSON reader (json_each,
 * which sees every member of the stored text, duplicates included).
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseItems } from '../ingest/body';
import { validatePredictions } from '../ingest/validate';
import { type RowBatch, resolveFeatures, toRowBatch } from './predictions';

/** A key written with some characters as `\uXXXX` escapes (the same key once decoded). */
function spell(key: string, escapes: boolean[]): string {
  let out = '"';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (escapes[i % escapes.length]) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(c).slice(1, -1);
  }
  return `${out}"`;
}

type Json = null | boolean | number | string | Json[] | { members: [string, boolean[], Json][] };

/** JSON text of a value whose objects are written member by member: keys repeat and are spelled variously. */
function write(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${v.members.map(([k, e, x]) => `${spell(k, e)}:${write(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

const KEYS = ['features', 'x', 'y', 'color', 'attributes', '__proto__', 'model', 'score'];
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 4 }));
const escapes = fc.array(fc.boolean(), { minLength: 1, maxLength: 3 });
const scalar = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec<{ value: Json; object: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('object'),
    fc.array(tie('value'), { maxLength: 2 }),
  ),
  object: fc.record({ members: fc.array(fc.tuple(key, escapes, tie('value')), { maxLength: 4 }) }),
}));
/** A flat features object (what validation accepts), with repeated and escaped keys. */
const flatFeatures = fc.record({
  members: fc.array(fc.tuple(fc.constantFrom('x', 'y', 'color', 'z'), escapes, scalar), { maxLength: 5 }),
});
/** A prediction line: the required members plus noise members (duplicated `features`, `attributes`). */
const line = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('features', 'attributes', 'score', 'prediction'), escapes, value), {
      maxLength: 3,
    }),
    escapes,
    flatFeatures,
    fc.array(fc.tuple(fc.constantFrom('features', 'attributes'), escapes, value), { maxLength: 2 }),
    fc.boolean(),
  )
  .map(([before, featuresSpelling, features, after, last]) => {
    const members: [string, boolean[], Json][] = [
      ['model', [false], 'm1'],
      ['prediction_id', [false], 'p1'],
      ['prediction', [false], 1],
      ...before,
      ['features', featuresSpelling, features],
      ...after,
    ];
    // sometimes the valid features member comes last, so the line is accepted more often
    if (last) members.push(['features', featuresSpelling, features]);
    return write({ members });
  });

const sqlite = new Database(':memory:');
const eachMember = sqlite.prepare<[string], { key: string; value: unknown; type: string }>(
  'SELECT key, value, type FROM json_each(?)',
);

/** The features text the log writer stores for a one-line NDJSON body. */
function stored(text: string): string {
  const lines = { start: [] as number[], end: [] as number[] };
  const records = validatePredictions(
    parseItems(text, 'application/x-ndjson', 10, lines),
    1,
    500,
    undefined,
    true,
  );
  const batch = toRowBatch(records, { text, lines });
  resolveFeatures(batch);
  return batch.features[0]!;
}

describe('stored features (issue 14, defect 3)', () => {
  it('are the validated object for every key spelling and repetition, as JSON.parse and SQLite read them', () => {
    let accepted = 0;
    fc.assert(
      fc.property(line, (text) => {
        let records: ReturnType<typeof validatePredictions>;
        const lines = { start: [] as number[], end: [] as number[] };
        try {
          const items = parseItems(text, 'application/x-ndjson', 10, lines);
          records = validatePredictions(items, 1_700_000_000, 500, undefined, true);
        } catch {
          return; // rejected: nothing is stored
        }
        accepted++;
        const batch: RowBatch = toRowBatch(records, { text, lines });
        resolveFeatures(batch);
        const stored = batch.features[0]!;
        const validated = records[0]!.features;
        expect(JSON.parse(stored)).toEqual(JSON.parse(JSON.stringify(validated)));
        // no repeated member: a first-wins reader (SQLite) sees the same values
        const members = eachMember.all(stored);
        expect(members.length).toBe(Object.keys(validated).length);
        for (const m of members) {
          const v = validated[m.key];
          const expected = typeof v === 'boolean' ? (v ? 1 : 0) : v;
          expect(m.value).toEqual(expected);
        }
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(200);
  });

  it("stores the later, escaped `features` member that validation saw (the issue's line)", () => {
    const text =
      '{"model":"m1","prediction_id":"p1","prediction":1,"features":{"__proto__":{"a":[1]},"x":"str"},"feat\\u0075res":{"x":1.5}}';
    expect(JSON.parse(stored(text))).toEqual({ x: 1.5 });
  });

  it('does not take `features` from inside a discarded duplicate member', () => {
    const text =
      '{"model":"m1","prediction_id":"p1","prediction":1,"features":{"x":1},"attributes":{"features":{"evil":[1,2]}},"attributes":null}';
    expect(JSON.parse(stored(text))).toEqual({ x: 1 });
  });
});
