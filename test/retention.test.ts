/**
 * Retention soak: `modelwatch serve` under sustained ingest with a short horizon. Old predictions are
 * pruned in small transactions on the writer thread while ingest goes on; the log's size (database
 * plus WAL) levels off instead of growing with the traffic, and no acknowledged row inside the horizon
 * is missing.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type Running, startCli, waitFor } from './helpers/cli';

const HORIZON = 4; // seconds
const SOAK = 30; // seconds of ingest
const BATCH = 500;

let dir: string;
let serve: Running | undefined;

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function logBytes(db: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(db + suffix).size;
    } catch {
      // no WAL yet
    }
  }
  return total;
}

describe('retention under sustained ingest', () => {
  it('keeps the database bounded and every acknowledged row inside the horizon', async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-soak-'));
    const db = join(dir, 'soak.db');
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `listen: {host: 127.0.0.1, port: ${port}}\ndatabase: {path: ${db}}\nretention: {predictions: ${HORIZON}s, interval: 1s}\nevaluation: {interval: 5s}\n`,
    );
    serve = startCli(['serve', '--config', config], { MODELWATCH_LOG_LEVEL: 'warn' });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 30, 'readyz');

    const started = Date.now();
    const sizes: { at: number; bytes: number }[] = [];
    const acked: { id: string; ts: number }[] = [];
    let sent = 0;
    while (Date.now() - started < SOAK * 1000) {
      const ts = Date.now() / 1000;
      const lines = Array.from({ length: BATCH }, (_, k) =>
        JSON.stringify({
          model: 'soak',
          prediction_id: `p${sent + k}`,
          ts,
          features: { x: (sent + k) % 97, pad: 'x'.repeat(200), c: ['a', 'b', 'c'][k % 3] },
          prediction: k % 2,
          score: (k % 100) / 100,
        }),
      );
      const res = await fetch(`${url}/api/v1/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      });
      expect(res.status).toBe(202);
      acked.push({ id: `p${sent + BATCH - 1}`, ts });
      sent += BATCH;
      sizes.push({ at: (Date.now() - started) / 1000, bytes: logBytes(db) });
    }
    const end = Date.now() / 1000;

    const check = new Database(db, { readonly: true });
    const rows = (check.prepare('SELECT count(*) AS n FROM predictions').get() as { n: number }).n;
    const oldest = (check.prepare('SELECT min(ts) AS t FROM predictions').get() as { t: number }).t;
    // the last batch of every second still inside the horizon (minus a pass of slack) is all there
    const recent = acked.filter((a) => a.ts > end - HORIZON + 1.5);
    const has = check.prepare('SELECT 1 FROM predictions WHERE model = ? AND prediction_id = ?');
    const missing = recent.filter((a) => has.get('soak', a.id) === undefined);
    check.close();

    const firstHalf = Math.max(...sizes.filter((s) => s.at < SOAK / 2).map((s) => s.bytes));
    const secondHalf = Math.max(...sizes.filter((s) => s.at >= SOAK / 2).map((s) => s.bytes));
    console.log(
      `soak: ${sent} predictions in ${SOAK}s, ${rows} kept (horizon ${HORIZON}s), ` +
        `log ${(firstHalf / 1e6).toFixed(1)} MB max in the first half, ${(secondHalf / 1e6).toFixed(1)} MB in the second`,
    );
    expect(missing).toEqual([]);
    // pruning keeps up: what is left is a few horizons' worth of traffic, not the whole soak
    expect(rows).toBeLessThan(sent * 0.5);
    expect(oldest).toBeGreaterThan(end - HORIZON - 10);
    // the file levels off: freed pages are reused and the WAL is checkpointed
    expect(secondHalf).toBeLessThan(firstHalf * 1.5);
  }, 120_000);
});
