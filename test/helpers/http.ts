/**
 * Small HTTP helpers for the stack tests: an Alertmanager webhook receiver on 127.0.0.1, the
 * Prometheus and Alertmanager APIs, and bounded polling.
 */
import { createServer, type Server } from 'node:http';

/** Alertmanager's webhook payload (version 4). */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}
export interface WebhookPayload {
  version: string;
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

export interface WebhookReceiver {
  url: string;
  payloads: WebhookPayload[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every POSTed webhook payload. */
export function startWebhookReceiver(): Promise<WebhookReceiver> {
  const payloads: WebhookPayload[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        payloads.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload);
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/alerts`,
        payloads,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  everyMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

async function promApi<T>(base: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
  return body.data;
}

export function promQuery(base: string, query: string): Promise<PromSeries[]> {
  return promApi<{ result: PromSeries[] }>(base, '/api/v1/query', { query }).then((d) => d.result);
}

export function promQueryRange(
  base: string,
  query: string,
  start: number,
  end: number,
  step: number,
): Promise<PromSeries[]> {
  return promApi<{ result: PromSeries[] }>(base, '/api/v1/query_range', {
    query,
    start: String(start),
    end: String(end),
    step: String(step),
  }).then((d) => d.result);
}

export async function promLabelValues(base: string, label: string, match: string): Promise<string[]> {
  const res = await fetch(
    `${base}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`,
  );
  const body = (await res.json()) as { status: string; data: string[]; error?: string };
  if (body.status !== 'success') throw new Error(`label values ${label} ${match}: ${body.error}`);
  return body.data;
}

export interface PromRuleGroup {
  name: string;
  rules: {
    name: string;
    type: 'recording' | 'alerting';
    health: string;
    lastError?: string;
    state?: string;
  }[];
}

export function promRules(base: string): Promise<PromRuleGroup[]> {
  return fetch(`${base}/api/v1/rules`)
    .then((r) => r.json() as Promise<{ data: { groups: PromRuleGroup[] } }>)
    .then((b) => b.data.groups);
}

/** Alertmanager API v2 alert. */
export interface AmAlert {
  labels: Record<string, string>;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export function amAlerts(base: string): Promise<AmAlert[]> {
  return fetch(`${base}/api/v2/alerts`).then((r) => r.json() as Promise<AmAlert[]>);
}
