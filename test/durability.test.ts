/**
 * Nothing acknowledged is lost, no batch is half-written: the exporter is killed with SIGKILL in the
 * middle of sustained ingest (real process, real SQLite file), restarted, and the log is checked
 * against what the client was told. And a database locked by another writer gives a clear 503.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCli, waitFor } from './helpers/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelwatch-durability-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An hour ago: a spawned exporter takes `ts` only within [now - retention, now + 5 min]. */
const BASE_TS = Math.floor(Date.now() / 1000) - 3600;

function batch(id: number, size: number): string {
  return Array.from({ length: size }, (_, i) =>
    JSON.stringify({
      model: 'm',
      prediction_id: `b${id}-${i}`,
      ts: BASE_TS + id / 1000,
      features: { x: i, y: id % 7, c: `k${i % 5}` },
      prediction: i % 2,
      score: (i % 10) / 10,
    }),
  ).join('\n');
}

async function ready(base: string): Promise<void> {
  await waitFor(
    async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
    60,
    'the exporter to be ready',
  );
}

describe('durability', () => {
  it('keeps every acknowledged prediction and no partial batch across SIGKILL', async () => {
    const db = join(dir, 'crash.db');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = startCli(['serve', '--db', db, '--port', String(port)]);
    await ready(base);

    const size = 250;
    const acked = new Set<number>();
    const sent = new Set<number>();
    let next = 0;
    let stop = false;
    const client = async () => {
      while (!stop) {
        const id = next++;
        sent.add(id);
        try {
          const r = await fetch(`${base}/api/v1/predictions`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body: batch(id, size),
          });
          if (r.status === 202) acked.add(id);
          else throw new Error(`unexpected ${r.status}`);
        } catch {
          return; // the server died under us
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await waitFor(() => (acked.size >= 40 ? true : undefined), 60, '40 acknowledged batches');
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(clients);
    expect(acked.size).toBeGreaterThanOrEqual(40);

    // Restart on the same file: the exporter opens it (WAL recovery) and serves the rows.
    const port2 = await freePort();
    const again = startCli(['serve', '--db', db, '--port', String(port2)]);
    await ready(`http://127.0.0.1:${port2}`);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const check = new Database(db, { readonly: true });
    const perBatch = new Map<number, number>();
    for (const { pid } of check.prepare('SELECT prediction_id AS pid FROM predictions').all() as {
      pid: string;
    }[]) {
      const id = Number(pid.slice(1, pid.indexOf('-')));
      perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
    }
    check.close();
    for (const id of acked) expect(perBatch.get(id), `acknowledged batch ${id}`).toBe(size);
    for (const [id, n] of perBatch) {
      expect(sent.has(id)).toBe(true);
      expect(n, `batch ${id} is all or nothing`).toBe(size);
    }
  });

  it('answers 503 with Retry-After while another writer holds the lock, then accepts again', async () => {
    const db = join(dir, 'locked.db');
    const config = join(dir, 'busy.yaml');
    writeFileSync(config, 'database:\n  busy_timeout: 300ms\n');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = startCli(['serve', '--config', config, '--db', db, '--port', String(port)]);
    try {
      await ready(base);
      const post = (id: number) =>
        fetch(`${base}/api/v1/predictions`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: batch(id, 10),
        });
      expect((await post(1)).status).toBe(202);

      // A second process (the sqlite3 shell) takes the write lock and keeps it.
      const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'inherit'] });
      holder.stdin.write("BEGIN IMMEDIATE; SELECT 'locked';\n");
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const busy = await post(2);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toMatchObject({
        error: expect.stringMatching(/busy/),
        index: null,
        field: null,
      });
      holder.stdin.write('ROLLBACK;\n.quit\n');
      await new Promise((resolve) => holder.once('exit', resolve));

      expect((await post(2)).status).toBe(202);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^modelwatch_ingest_rejected_total\{reason="unavailable"\} 1$/m);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
