/** Fuzzing the readers users feed files and YAML to: a result or our own error type, nothing else. */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../config/load';
import { InputError, readCsv, readNdjson } from './table';

describe('fuzzing the CSV and NDJSON readers', () => {
  it('readCsv returns aligned columns or throws InputError', async () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.array(fc.oneof(fc.string(), fc.double().map(String)), { maxLength: 4 }).map((r) => r.join(',')),
          { maxLength: 10 },
        )
        .map((l) => l.join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        try {
          const table = await readCsv(Readable.from([t]));
          for (const name of table.names) expect(table.columns.get(name)!.length).toBe(table.rows);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('readNdjson returns aligned columns or throws InputError', async () => {
    const line = fc.oneof(fc.json(), fc.string(), fc.constant('{"__proto__": {"x": 1}, "a": 1}'));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 10 }), async (lines) => {
        try {
          const table = await readNdjson(Readable.from([lines.join('\n')]));
          for (const name of table.names) expect(table.columns.get(name)!.length).toBe(table.rows);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
    expect(Object.prototype).not.toHaveProperty('x');
  });
});

describe('fuzzing the config loader', () => {
  it('buildConfig returns a complete config or throws ConfigError naming a path', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('15s', '1h', 'auto', 'ks', '16mb'),
    );
    const known = [
      'listen',
      'database',
      'auth',
      'evaluation',
      'window',
      'drift',
      'thresholds',
      'limits',
      'models',
      'retention',
      'reference',
      'retraining',
    ];
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(...known, 'name', 'port', 'interval', 'rows', 'method', 'features'),
            fc.string(),
          ),
          tie('node'),
          { maxKeys: 4 },
        ),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (raw) => {
        // Only what YAML can express (plain JSON-compatible data).
        const parsed = JSON.parse(JSON.stringify(raw ?? null)) as unknown;
        try {
          const config = buildConfig(parsed);
          expect(config.listen.port).toBeTypeOf('number');
          expect(config.evaluation.interval).toBeGreaterThanOrEqual(0);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 500 },
    );
  });
});
