/** Fuzzing the readers users feed files and YAML to: a result or our own error type, nothing else. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../config/load';
import { readTableFile } from './read';
import { InputError, type Table } from './table';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function expectAligned(table: Table): void {
  for (const name of table.names) {
    const c = table.columns.get(name)!;
    expect(c.type === 'numeric' ? c.values.length : c.codes.length).toBe(table.rows);
    if (c.type === 'categorical') for (const code of c.codes) expect(code).toBeLessThan(c.categories.length);
  }
}

describe('fuzzing the CSV and NDJSON readers', () => {
  it('CSV: aligned columns or InputError', async () => {
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
        const path = join(dir, `f${++n}.csv`);
        writeFileSync(path, t);
        try {
          expectAligned(await readTableFile(path));
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('NDJSON: aligned columns or InputError', async () => {
    const line = fc.oneof(fc.json(), fc.string(), fc.constant('{"__proto__": {"x": 1}, "a": 1}'));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 10 }), async (lines) => {
        const path = join(dir, `f${++n}.ndjson`);
        writeFileSync(path, lines.join('\n'));
        try {
          expectAligned(await readTableFile(path));
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 120 },
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
