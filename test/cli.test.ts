/** The CLI as users run it: exit codes, messages, serve lifecycle, reference import across restarts. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_DRIFT_METHODS } from '../exporter/src/stats/registry';
import { freePort, runCli, startCli, waitFor } from './helpers/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelwatch-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('modelwatch CLI errors', () => {
  it('prints help and version with exit 0, and exits 2 on an unknown command or flag', () => {
    expect(runCli(['--help'])).toMatchObject({ status: 0, stdout: expect.stringContaining('serve') });
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // Help lists the registry's drift tests (loaded for help only), however it is asked for.
    for (const args of [
      ['compare', '--help'],
      ['help', 'compare'],
      ['compare', '-h'],
    ]) {
      const words = runCli(args).stdout.replace(/\s+/g, ' ');
      expect(words, args.join(' ')).toContain(
        `--drift-method <method> ${['auto', ...BUILTIN_DRIFT_METHODS].join(', ')}`,
      );
    }
    expect(runCli(['frobnicate'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("unknown command 'frobnicate'"),
    });
    expect(runCli(['serve', '--port', 'abc'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('expected a port number'),
    });
    expect(runCli(['demo', '--drift-after', 'soon'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('expected a duration'),
    });
  });

  it('exits 2 with the zod path and message for a bad config', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'evaluation:\n  interval: often\nmodels:\n  - name: m\n    features:\n      age: {type: number}\n',
    );
    const r = runCli(['serve', '--config', config, '--db', join(dir, 'x.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('evaluation.interval: expected a duration');
    expect(r.stderr).toContain('models[0].features.age.type');
    const missing = runCli(['serve', '--config', join(dir, 'nope.yaml')]);
    expect(missing).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('cannot read config file (ENOENT)'),
    });
    const method = join(dir, 'method.yaml');
    writeFileSync(method, 'drift:\n  method: magic\n');
    expect(runCli(['serve', '--config', method, '--db', join(dir, 'y.db'), '--port', '0'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('drift.method: expected one of auto, ks'),
    });
  });

  it('exits 1 with a clear message for a corrupt database', () => {
    const db = join(dir, 'corrupt.db');
    writeFileSync(db, 'not a database '.repeat(500));
    const r = runCli(['serve', '--db', db, '--port', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /cannot open database .*corrupt\.db.*not a modelwatch SQLite database or is corrupt/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('exits 1 with a clear message for a database locked by another process', async () => {
    const db = join(dir, 'locked.db');
    new Database(db).close();
    const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'inherit'] });
    holder.stdin.write("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT 'locked';\n");
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    try {
      const config = join(dir, 'fast-busy.yaml');
      writeFileSync(config, 'database:\n  busy_timeout: 200ms\n');
      const r = runCli(['serve', '--config', config, '--db', db, '--port', '0']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/locked by another process/);
    } finally {
      holder.kill();
    }
  });

  it('exits 2 when a reference file is unreadable or malformed', () => {
    const db = join(dir, 'ref-err.db');
    expect(
      runCli(['reference', 'import', join(dir, 'missing.csv'), '--model', 'm', '--db', db]),
    ).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('cannot read'),
    });
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    expect(runCli(['reference', 'import', ragged, '--model', 'm', '--db', db])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/malformed CSV \(line 3\)/),
    });
    const header = join(dir, 'header.csv');
    writeFileSync(header, 'a,b\n');
    expect(runCli(['reference', 'import', header, '--model', 'm', '--db', db])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('no rows'),
    });
  });
});

describe('serve, reference import and restart', () => {
  it('imports a reference, serves it, keeps it across a restart and stops cleanly on SIGTERM', async () => {
    const db = join(dir, 'serve.db');
    const csv = join(dir, 'reference.csv');
    const rows = Array.from(
      { length: 500 },
      (_, i) => `${(i * 37) % 101},${['a', 'b', 'c'][i % 3]},${i % 2}`,
    );
    writeFileSync(csv, `amount,kind,label\n${rows.join('\n')}\n`);
    const imported = runCli([
      'reference',
      'import',
      csv,
      '--model',
      'shop',
      '--db',
      db,
      '--name',
      'training',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(
      'reference "training" for model "shop": 500 rows, 2 features: amount (numeric), kind (categorical)',
    );

    for (let round = 0; round < 2; round++) {
      const port = await freePort();
      const server = startCli(['serve', '--db', db, '--port', String(port)]);
      const base = `http://127.0.0.1:${port}`;
      const ref = await waitFor(
        async () => {
          const r = await fetch(`${base}/api/v1/models/shop/reference`);
          return r.ok ? ((await r.json()) as Record<string, unknown>) : undefined;
        },
        30,
        'the exporter to serve the reference',
      );
      expect(ref).toMatchObject({
        name: 'training',
        rows: 500,
        features: { amount: 'numeric', kind: 'categorical' },
        labelled_rows: 500,
      });
      if (round === 0) {
        const ingest = await fetch(`${base}/api/v1/predictions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([
            { model: 'shop', prediction_id: 'x1', features: { amount: 5, kind: 'a' }, prediction: 1 },
          ]),
        });
        expect(ingest.status).toBe(202);
      } else {
        const models = (await (await fetch(`${base}/api/v1/models`)).json()) as {
          models: { model: string; window_rows: number }[];
        };
        expect(models.models).toEqual([expect.objectContaining({ model: 'shop', window_rows: 1 })]);
      }
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toContain('"msg":"stopped"');
    }
    // The database was closed cleanly: no WAL left behind with unsynced frames blocking a reader.
    const check = new Database(db, { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM predictions').get() as { n: number }).n).toBe(1);
    check.close();
  });
});
