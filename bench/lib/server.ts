/**
 * `modelwatch serve` as its own process, as deployed: spawned straight from node (so the pid is the
 * exporter's, not a wrapper's), bound to 127.0.0.1 on a free port, stopped with SIGTERM.
 * BENCH_CPU_PROFILE=<dir>: every exporter started here writes V8 CPU profiles of its threads there.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'exporter/bin/modelwatch.mjs');

let built = false;
/** Builds exporter/dist from the current sources once per bench run (BIN runs the compiled code). */
export function buildOnce(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building exporter/dist failed: ${r.stdout}${r.stderr}`);
  built = true;
}

export interface Served {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  /** Milliseconds from spawn to the first /readyz 200 (start-up evaluation done). */
  readyMs: number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (bound and released on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Child processes still running (servers, load generators), for `killChildren`. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM to every child process still running (the benchmark is being interrupted). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGTERM');
}

export interface ServeOptions {
  db: string;
  config?: string;
  port?: number;
  /** Give up after this long without a ready answer. */
  timeoutMs?: number;
  /** Interval between /readyz polls. */
  pollMs?: number;
}

export async function startServe(opts: ServeOptions): Promise<Served> {
  buildOnce();
  const port = opts.port ?? (await freePort());
  const args = [
    ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE] : []),
    BIN,
    'serve',
    '--db',
    opts.db,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    ...(opts.config ? ['--config', opts.config] : []),
  ];
  const started = performance.now();
  const child = track(
    spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, MODELWATCH_LOG_LEVEL: 'warn' },
    }),
  );
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      await exit;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (opts.timeoutMs ?? 60_000);
  while (performance.now() < deadline) {
    if (exited !== undefined) throw new Error(`modelwatch serve exited with ${exited} before it was ready`);
    try {
      const r = await fetch(`${url}/readyz`);
      await r.arrayBuffer();
      if (r.ok) {
        const readyMs = performance.now() - started;
        return { child, pid: child.pid!, port, url, spawnedAt: started, readyMs, stop };
      }
    } catch {
      // not listening yet
    }
    await sleep(opts.pollMs ?? 20);
  }
  await stop();
  throw new Error(`modelwatch serve was not ready within ${opts.timeoutMs ?? 60_000} ms`);
}

/** Runs the CLI to completion (e.g. `reference import`); throws with its stderr when it fails. */
export function runCli(args: string[]): { ms: number; stdout: string } {
  buildOnce();
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MODELWATCH_LOG_LEVEL: 'warn' },
    timeout: 300_000,
  });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`modelwatch ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** Resident set size now and its peak (VmRSS, VmHWM) of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(m[1]) / 1024;
  };
  return { rssMiB: kib('VmRSS'), hwmMiB: kib('VmHWM') };
}

/** Sum of the samples of a metric family in a Prometheus text exposition (optionally one label match). */
export function metricSum(text: string, name: string, labelMatch?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labelMatch !== undefined && !rest.includes(labelMatch)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export async function getText(url: string): Promise<string> {
  const r = await fetch(url);
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${text}`);
  return text;
}

/** evaluated_at of the model's latest report, or null before its first evaluation. */
export async function evaluatedAt(url: string, model: string): Promise<number | null> {
  const r = await fetch(`${url}/api/v1/models/${encodeURIComponent(model)}/status`);
  const body = (await r.json()) as { evaluated_at?: number };
  return r.ok && typeof body.evaluated_at === 'number' ? body.evaluated_at : null;
}

/** Waits until every model has a report evaluated after `after` (Unix seconds); returns the wait in ms. */
export async function waitEvaluated(
  url: string,
  models: readonly string[],
  after: number,
  timeoutMs = 120_000,
): Promise<number> {
  const started = performance.now();
  const pending = new Set(models);
  while (pending.size > 0) {
    for (const m of [...pending]) {
      const at = await evaluatedAt(url, m);
      if (at !== null && at > after) pending.delete(m);
    }
    if (pending.size === 0) break;
    if (performance.now() - started > timeoutMs)
      throw new Error(`no evaluation of ${[...pending].join(', ')} within ${timeoutMs} ms`);
    await sleep(100);
  }
  return performance.now() - started;
}
