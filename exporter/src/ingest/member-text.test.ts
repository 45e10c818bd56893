import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectMemberText, quoteCount, storedMemberText } from './member-text';

const key = fc.oneof(
  fc.constantFrom(
    'features',
    'model',
    'feature',
    'featuresX',
    '"features"',
    'fea\\tures',
    '}',
    '{"features":',
  ),
  fc.string({ maxLength: 12 }),
);
const space = fc.constantFrom('', ' ', '\n', '\t ', '\r\n  ');
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
    ),
  ),
);

/** An object's JSON text written member by member, so keys may repeat and whitespace varies. */
const objectText = fc
  .array(fc.tuple(key, value, space, space, fc.boolean()), { maxLength: 6 })
  .map(
    (members) =>
      `{${members
        .map(
          ([k, v, a, b, pretty]) =>
            `${a}${JSON.stringify(k)}${b}:${a}${JSON.stringify(v, null, pretty ? 2 : undefined)}${b}`,
        )
        .join(',')}}`,
  );

/** Strings without a quote or backslash but with JSON's structural characters: lines without escapes. */
const plain = fc.string({ unit: fc.constantFrom('a', 'b', '{', '}', '[', ']', ':', ',', ' '), maxLength: 6 });
const plainKey = fc.oneof(fc.constantFrom('features', 'model', 'x', 'y'), plain);
const plainValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  plain,
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(
    plainKey,
    fc.oneof(fc.integer(), plain, fc.dictionary(plainKey, fc.integer(), { maxKeys: 2 })),
    { maxKeys: 3 },
  ),
);
/**
 * A line without any backslash: members written one by one (repeated keys), flat or nested values,
 * `features` among them, sometimes with a space before its colon (then only a nested one is `"features":{`).
 */
const plainText = fc
  .tuple(
    fc.array(fc.tuple(plainKey, plainValue), { maxLength: 5 }),
    fc.array(fc.tuple(plainKey, fc.oneof(fc.integer(), plain, fc.constant(null))), { maxLength: 6 }),
    fc.array(fc.tuple(plainKey, plainValue), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([before, features, after, spaced]) => {
    const members = (m: [string, unknown][]) =>
      m.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    const object = `{${members(features).join(spaced ? ', ' : ',')}}`;
    const key = spaced ? '"features" :' : '"features":';
    return `{${[...members(before), `${key}${object}`, ...members(after)].join(',')}}`;
  });

/** Quotes validation counts for the parsed `features`: 2 × (keys + string values). */
function validatedQuotes(text: string): number | null {
  const v = (JSON.parse(text) as Record<string, unknown>).features;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const values = Object.values(v);
  return 2 * (values.length + values.filter((x) => typeof x === 'string').length);
}

describe('storedMemberText', () => {
  /** The slice-and-count answer the one-pass check must give. */
  const sliceAndCount = (text: string, quotes: number) => {
    const slice = objectMemberText(text, 'features');
    return slice !== null && slice.indexOf('\\"') === -1 && quoteCount(slice) === quotes ? slice : null;
  };

  it('gives the slice-and-count answer for lines with and without escapes, any count', () => {
    fc.assert(
      fc.property(fc.oneof(plainText, objectText), fc.integer({ min: -3, max: 3 }), (text, delta) => {
        const quotes = validatedQuotes(text);
        fc.pre(quotes !== null);
        const q = quotes + 2 * delta;
        expect(storedMemberText(text, 'features', q)).toBe(sliceAndCount(text, q));
      }),
      { numRuns: 5000 },
    );
  });

  it('stores the sent text when no key repeats, and nothing when one does', () => {
    const line = '{"model":"m","features":{"a":1,"b":"x}{[ ]"},"prediction":1}';
    expect(storedMemberText(line, 'features', 6)).toBe('{"a":1,"b":"x}{[ ]"}');
    // a repeated key: JSON.parse keeps {"a":2}, so 2 quotes were validated, the text has 4
    expect(storedMemberText('{"features":{"a":1,"a":2}}', 'features', 2)).toBeNull();
    // an escape anywhere: the slice-and-count path, same answers
    expect(storedMemberText(line.replace('"m"', '"\\u006d"'), 'features', 6)).toBe('{"a":1,"b":"x}{[ ]"}');
    expect(storedMemberText('{"features":{"a":"\\"","a":2}}', 'features', 2)).toBeNull();
  });
});

describe('objectMemberText', () => {
  it('returns exactly the text of the object JSON.parse takes for the key', () => {
    fc.assert(
      fc.property(objectText, (text) => {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const v = Object.hasOwn(parsed, 'features') ? parsed.features : undefined;
        // the precondition: the parsed member is an object
        fc.pre(typeof v === 'object' && v !== null && !Array.isArray(v));
        const slice = objectMemberText(text, 'features');
        // keys are written without escapes here, so the member is always found
        expect(slice).not.toBeNull();
        expect(JSON.parse(slice!)).toEqual(v);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the member on the fast path and the full scan alike', () => {
    const line = '{"model":"m","features":{"a":1.50,"b":"x}y\\"z"},"prediction":1}';
    expect(objectMemberText(line, 'features')).toBe('{"a":1.50,"b":"x}y\\"z"}');
    // a \u escape anywhere sends it through the full scan: same answer
    const escaped = line.replace('"m"', '"\\u006d"');
    expect(objectMemberText(escaped, 'features')).toBe('{"a":1.50,"b":"x}y\\"z"}');
  });

  it('takes the flat fast path only where it gives the same answer', () => {
    // the usual line: the first object-valued member, flat, the key not repeated
    const usual = '{"model":"m","ts":1.5,"features":{"a":1,"b":"}{[\\"","c":null},"prediction":1}';
    expect(objectMemberText(usual, 'features')).toBe('{"a":1,"b":"}{[\\"","c":null}');
    // an object-valued member before it, an escaped quote in front of the token, a later repeat:
    // the general path decides
    expect(objectMemberText('{"attributes":{"s":"x"},"features":{"a":1}}', 'features')).toBe('{"a":1}');
    expect(objectMemberText('{"m\\"features":{"a":1},"features":{"b":2}}', 'features')).toBe('{"b":2}');
    expect(objectMemberText('{"x":"\\"features\\":{","features":{"b":2}}', 'features')).toBe('{"b":2}');
    expect(
      objectMemberText('{"features":{"a":1},"x":{"features":{"b":2}},"features":{"c":3}}', 'features'),
    ).toBe('{"c":3}');
    // a value that is not flat
    expect(objectMemberText('{"features":{"a":{"b":1}}}', 'features')).toBe('{"a":{"b":1}}');
  });

  it('takes the last member of a repeated key, as JSON.parse does', () => {
    expect(
      objectMemberText('{"features":{"a":1},"x":{"features":{"b":2}},"features":{"c":"}"}}', 'features'),
    ).toBe('{"c":"}"}');
    expect(objectMemberText('{"features":{"a":1},"features":2}', 'features')).toBeNull();
  });

  it('ignores the key inside strings, nested objects and arrays; decodes escaped spellings (issue 14)', () => {
    expect(
      objectMemberText('{"model":"\\"features\\":{}","y":[{"features":{}}],"features":{"a":1}}', 'features'),
    ).toBe('{"a":1}');
    expect(objectMemberText('{"feat\\u0075res":{"a":1}}', 'features')).toBe('{"a":1}');
    // the later member wins, whatever its spelling (JSON.parse takes it)
    expect(objectMemberText('{"features":{"a":1},"feat\\u0075res":{"b":2}}', 'features')).toBe('{"b":2}');
    expect(objectMemberText('{"feat\\u0075res":{"b":2},"features":{"a":1}}', 'features')).toBe('{"a":1}');
    expect(objectMemberText('{ "features" :\n { "a" : [1, {"b": "]}"}] } }', 'features')).toBe(
      '{ "a" : [1, {"b": "]}"}] }',
    );
  });
});
