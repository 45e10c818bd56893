import { describe, expect, it } from 'vitest';
import { item } from '../testing';
import { parseItems } from './body';
import { IngestError } from './errors';
import { validateFeedback, validatePredictions } from './validate';

function rejection(fn: () => unknown): {
  status: number;
  error: string;
  index: number | null;
  field: string | null;
  reason: string;
} {
  try {
    fn();
  } catch (err) {
    if (err instanceof IngestError) return { status: err.status, ...err.toJSON(), reason: err.reason };
    throw err;
  }
  throw new Error('expected a rejection');
}

const NOW = 1_700_000_000;

describe('parsing request bodies', () => {
  it('accepts a JSON array, a single object and NDJSON', () => {
    expect(parseItems('[{"a":1},{"a":2}]', 'application/json', 10)).toHaveLength(2);
    expect(parseItems('{"a":1}', 'application/json', 10)).toEqual([{ a: 1 }]);
    expect(parseItems('{"a":1}\n\n{"a":2}\n', 'application/x-ndjson', 10)).toEqual([{ a: 1 }, { a: 2 }]);
    // NDJSON sent with a JSON content type is still understood.
    expect(parseItems('{"a":1}\n{"a":2}', 'application/json', 10)).toHaveLength(2);
    // NDJSON records where each item's line is (trimmed); a JSON body records none
    const body = ' {"a":1}\r\n\n\t{"a":2}  \n';
    const lines = { start: [] as number[], end: [] as number[] };
    expect(parseItems(body, 'application/x-ndjson', 10, lines)).toHaveLength(2);
    expect(lines.start.map((s, i) => body.slice(s, lines.end[i]))).toEqual(['{"a":1}', '{"a":2}']);
    const none = { start: [] as number[], end: [] as number[] };
    parseItems('[{"a":1}]', 'application/json', 10, none);
    expect(none.start).toEqual([]);
  });

  it('rejects invalid JSON with the NDJSON line index, empty bodies and oversized batches', () => {
    expect(rejection(() => parseItems('{"a":1}\n{oops}\n', 'application/x-ndjson', 10))).toMatchObject({
      status: 400,
      index: 1,
      reason: 'invalid_json',
    });
    expect(rejection(() => parseItems('[1, 2', 'application/json', 10))).toMatchObject({
      status: 400,
      index: null,
      reason: 'invalid_json',
    });
    expect(rejection(() => parseItems('   ', 'application/json', 10))).toMatchObject({ status: 400 });
    expect(rejection(() => parseItems('[]', 'application/json', 10))).toMatchObject({
      status: 400,
      error: 'batch is empty',
    });
    expect(rejection(() => parseItems('[1,2,3]', 'application/json', 2))).toMatchObject({
      status: 413,
      reason: 'too_large',
    });
    expect(rejection(() => parseItems('{}\n{}\n{}', 'application/x-ndjson', 2))).toMatchObject({
      status: 413,
    });
  });
});

describe('validating predictions', () => {
  it('accepts valid items and serialises their JSON columns', () => {
    const [r] = validatePredictions(
      [item(1, { ts: undefined, attributes: { sex: 'F' }, model_version: 'v2', latency_seconds: 0.01 })],
      NOW,
      100,
    );
    expect(r).toMatchObject({
      model: 'm1',
      prediction_id: 'p1',
      ts: NOW,
      tsProvided: false,
      model_version: 'v2',
      score: 0.01,
      latency_seconds: 0.01,
    });
    expect(JSON.parse(r!.featuresJson!)).toEqual({ x: 1, y: 7, z: Math.sin(1), color: 'green' });
    expect(r!.attributesJson).toBe('{"sex":"F"}');
    expect(validatePredictions([item(2, { prediction_id: 42 })], NOW, 100)[0]!.prediction_id).toBe('42');
    expect(
      validatePredictions([item(3, { score: null, features: { a: null, b: true } })], NOW, 100)[0]!.score,
    ).toBeNull();
  });

  const bad: [string, unknown, string | null, RegExp][] = [
    ['not an object', 5, null, /expected a prediction object/],
    ['an array item', [1], null, /expected a prediction object/],
    ['missing model', item(0, { model: undefined }), 'model', /missing required field "model"/],
    ['model not a string', item(0, { model: 7 }), 'model', /model name/],
    ['model with spaces', item(0, { model: 'a b' }), 'model', /without spaces/],
    [
      'missing prediction_id',
      item(0, { prediction_id: undefined }),
      'prediction_id',
      /missing required field/,
    ],
    ['empty prediction_id', item(0, { prediction_id: '' }), 'prediction_id', /non-empty string/],
    ['fractional prediction_id', item(0, { prediction_id: 1.5 }), 'prediction_id', /integer/],
    ['missing features', item(0, { features: undefined }), 'features', /missing required field "features"/],
    ['features an array', item(0, { features: [1, 2] }), 'features', /object of features values/],
    ['nested feature', item(0, { features: { a: { b: 1 } } }), 'features.a', /finite number/],
    [
      'infinite feature',
      item(0, { features: { a: Number.POSITIVE_INFINITY } }),
      'features.a',
      /finite number/,
    ],
    ['NaN feature', item(0, { features: { a: Number.NaN } }), 'features.a', /finite number/],
    ['huge string feature', item(0, { features: { a: 'x'.repeat(2000) } }), 'features.a', /1024 characters/],
    [
      '__proto__ feature',
      item(0, { features: JSON.parse('{"__proto__": 1}') }),
      'features.__proto__',
      /reserved/,
    ],
    [
      'constructor attribute',
      item(0, { attributes: { constructor: 'x' } }),
      'attributes.constructor',
      /reserved/,
    ],
    ['missing prediction', item(0, { prediction: undefined }), 'prediction', /missing required field/],
    ['object prediction', item(0, { prediction: { a: 1 } }), 'prediction', /finite number/],
    ['score above 1', item(0, { score: 1.5 }), 'score', /\[0, 1\]/],
    ['negative score', item(0, { score: -0.1 }), 'score', /\[0, 1\]/],
    ['string score', item(0, { score: '0.5' }), 'score', /\[0, 1\]/],
    ['ts in milliseconds', item(0, { ts: 1_700_000_000_000 }), 'ts', /milliseconds/],
    ['negative ts', item(0, { ts: -5 }), 'ts', /Unix time/],
    ['negative latency', item(0, { latency_seconds: -1 }), 'latency_seconds', /non-negative/],
    ['unknown field', item(0, { feature: {} }), 'feature', /unknown field "feature"/],
    ['empty model_version', item(0, { model_version: '' }), 'model_version', /1-128/],
  ];
  it.each(bad)('rejects %s with the field named', (_name, value, field, message) => {
    const r = rejection(() => validatePredictions([item(1), value], NOW, 100));
    expect(r.status).toBe(400);
    expect(r.index).toBe(1);
    expect(r.field).toBe(field);
    expect(r.error).toMatch(message);
  });

  it('rejects more features than the limit', () => {
    const features = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, i]));
    expect(rejection(() => validatePredictions([item(0, { features })], NOW, 10))).toMatchObject({
      field: 'features',
      index: 0,
    });
  });

  it('rejects a feature of the wrong type when the type is known', () => {
    const types = new Map([
      ['x', 'numeric' as const],
      ['color', 'categorical' as const],
    ]);
    const lookup = (m: string) => (m === 'm1' ? types : undefined);
    expect(
      rejection(() => validatePredictions([item(0, { features: { x: 'high' } })], NOW, 10, lookup)),
    ).toMatchObject({
      status: 400,
      field: 'features.x',
      reason: 'type_mismatch',
    });
    expect(
      rejection(() => validatePredictions([item(0, { features: { color: 3 } })], NOW, 10, lookup)),
    ).toMatchObject({ field: 'features.color' });
    // null is a missing value, not a type violation; other models are unaffected.
    expect(
      validatePredictions(
        [item(0, { features: { x: null } }), item(1, { model: 'other', features: { x: 'a' } })],
        NOW,
        10,
        lookup,
      ),
    ).toHaveLength(2);
  });
});

describe('validating feedback', () => {
  it('accepts labels and rejects bad items with index and field', () => {
    expect(validateFeedback([{ model: 'm', prediction_id: 'a', label: 1 }], NOW)[0]).toEqual({
      model: 'm',
      prediction_id: 'a',
      labelJson: '1',
      ts: NOW,
    });
    expect(
      rejection(() =>
        validateFeedback(
          [
            { model: 'm', prediction_id: 'a', label: 1 },
            { model: 'm', prediction_id: 'b' },
          ],
          NOW,
        ),
      ),
    ).toMatchObject({
      index: 1,
      field: 'label',
    });
    expect(
      rejection(() => validateFeedback([{ model: 'm', prediction_id: 'a', label: [1] }], NOW)),
    ).toMatchObject({ field: 'label' });
    expect(
      rejection(() => validateFeedback([{ model: 'm', prediction_id: 'a', label: 1, extra: 1 }], NOW)),
    ).toMatchObject({ field: 'extra' });
  });
});
