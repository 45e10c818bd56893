/** Helpers shared by the exporter's tests (temp databases, exporters on ephemeral ports, items). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildConfig } from './config/load';
import type { Config } from './config/schema';
import { type Exporter, type StartOptions, startExporter } from './server';

export const silentLogger = pino({ level: 'silent' });

/** A fresh directory removed by the returned cleanup. */
export function tempDir(prefix = 'modelwatch-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(dbPath: string, raw: Record<string, unknown> = {}): Config {
  return buildConfig({ listen: { host: '127.0.0.1', port: 0 }, database: { path: dbPath }, ...raw });
}

/** Starts an exporter on 127.0.0.1 with an ephemeral port; evaluation is driven by the test. */
export async function startTestExporter(config: Config, options: StartOptions = {}): Promise<Exporter> {
  return startExporter(config, { log: silentLogger, schedule: false, statsThread: false, ...options });
}

/** A valid prediction item with 3 numeric features and one categorical one. */
export function item(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'm1',
    prediction_id: `p${i}`,
    ts: 1_700_000_000 + i,
    features: { x: i % 97, y: (i * 7) % 13, z: Math.sin(i), color: ['red', 'green', 'blue'][i % 3] },
    prediction: i % 2,
    score: (i % 100) / 100,
    ...overrides,
  };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  });
  const raw = await response.text();
  let json: unknown = raw;
  try {
    json = JSON.parse(raw);
  } catch {
    // not JSON
  }
  return { status: response.status, json };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples (name, labels, value); throws on a malformed line. */
export function parseExposition(exposition: string): Sample[] {
  const out: Sample[] = [];
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}
