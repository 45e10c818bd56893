/**
 * Runs the modelwatch stack without Docker: `modelwatch demo` (an exporter with simulated traffic),
 * Debian's `prometheus` and `prometheus-alertmanager` with the repository's rules and
 * configurations. The configurations are temporary copies with the compose host names rewritten to
 * 127.0.0.1 ports and data directories in a temporary directory; everything binds 127.0.0.1.
 *
 * Used by `npm run stack` (scripts/stack.mjs), the end-to-end test (test/e2e.test.ts), and, with
 * several external exporters (`replicaPorts`), the multi-replica test (test/multireplica.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from './paths';

export const PROMETHEUS_CONFIG = join(REPO_ROOT, 'provisioning/prometheus/prometheus.yml');
export const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'alert-rules/alertmanager.yml');

export interface AlertRuleInfo {
  alert: string;
  for?: string;
  labels: Record<string, string>;
}

/** Where Alertmanager's external notifications (Slack, PagerDuty) go. */
export type Notifications =
  /** Every receiver that would leave the machine becomes a webhook to this URL (the retraining webhook stays on the exporter). */
  | { url: string }
  /** Real Slack and PagerDuty, with the secrets read from these files. */
  | { slackApiUrlFile: string; pagerdutyRoutingKeyFile: string };

export interface StackPorts {
  exporter: number;
  prometheus: number;
  alertmanager: number;
}

export interface StackOptions {
  /** Ports to bind on 127.0.0.1; 0 or absent picks a free port. */
  ports?: Partial<StackPorts>;
  /** `modelwatch demo --drift-after` (default 30s). */
  driftAfter?: string;
  /** Extra arguments for `modelwatch demo`, e.g. ['--eval-interval', '2s']. */
  demoArgs?: readonly string[];
  /** 'demo' runs `npx modelwatch demo`; 'external' expects an exporter already listening on ports.exporter. */
  exporter?: 'demo' | 'external';
  /**
   * Ports of further exporters (replicas) already listening on 127.0.0.1, scraped in job `modelwatch`
   * next to ports.exporter (for the fleet-wide recording rules). The Alertmanager webhook stays on
   * ports.exporter.
   */
  replicaPorts?: readonly number[];
  /** Overrides the scrape interval of every job (and the scrape timeout). */
  scrapeInterval?: string;
  /** Overrides the rule evaluation interval: the global one and every group's own `interval`. */
  evaluationInterval?: string;
  /** Returns a replacement `for:` duration for an alerting rule, or undefined to keep it. */
  alertFor?: (rule: AlertRuleInfo) => string | undefined;
  notifications: Notifications;
  /** Overrides Alertmanager's grouping timings on every route that sets them. */
  alertmanagerTimings?: { groupWait?: string; groupInterval?: string; repeatInterval?: string };
  /** Working directory for configurations, data and logs (default: a new temporary directory). */
  dir?: string;
  /** Keep the working directory on stop (default: remove it unless it was given). */
  keepDir?: boolean;
  /** How long each process may take to become ready (default 90 s). */
  readyTimeoutMs?: number;
}

export interface StackConfigs {
  prometheus: string;
  alertmanager: string;
  rules: string[];
}

export interface ProcessExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Stack {
  dir: string;
  ports: StackPorts;
  urls: { exporter: string; prometheus: string; alertmanager: string };
  configs: StackConfigs;
  /** Log file per started process. */
  logs: Record<string, string>;
  /** Settles when one of the processes exits before stop() is called. */
  exited: Promise<ProcessExit>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released before returning; good enough for tests and the CLI). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

type Yaml = Record<string, unknown>;

function readYaml(path: string): Yaml {
  return parse(readFileSync(path, 'utf8')) as Yaml;
}

/** The exporter's docker-compose address in prometheus.yml and alertmanager.yml. */
const EXPORTER_TARGET = 'exporter:9793';

/** Maps the docker-compose host:port of each service to its 127.0.0.1 port. */
function hostMap(ports: StackPorts): Record<string, string> {
  return {
    [EXPORTER_TARGET]: `127.0.0.1:${ports.exporter}`,
    'alertmanager:9093': `127.0.0.1:${ports.alertmanager}`,
    'localhost:9090': `127.0.0.1:${ports.prometheus}`,
  };
}

function rewriteTarget(target: string, ports: StackPorts): string {
  const mapped = hostMap(ports)[target];
  if (!mapped) throw new Error(`prometheus.yml: no local equivalent for target ${target}`);
  return mapped;
}

function rewriteUrl(url: string, ports: StackPorts): string {
  const u = new URL(url);
  const mapped = hostMap(ports)[u.host];
  if (!mapped) return url;
  u.host = mapped;
  return u.toString();
}

interface RuleFileYaml {
  groups: {
    name: string;
    interval?: string;
    rules: { alert?: string; record?: string; for?: string; labels?: Record<string, string> }[];
  }[];
}

/** Writes the stack's configurations into `dir` and returns their paths. */
export function renderStackConfigs(options: StackOptions, ports: StackPorts, dir: string): StackConfigs {
  mkdirSync(dir, { recursive: true });

  // Rules: copies of the repository's rule files, alert `for:` optionally replaced.
  const promConfig = readYaml(PROMETHEUS_CONFIG) as {
    global: Yaml;
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: {
      job_name: string;
      scrape_interval?: string;
      scrape_timeout?: string;
      static_configs: { targets: string[] }[];
    }[];
  };
  const rules = promConfig.rule_files.map((f) => {
    const source = resolve(REPO_ROOT, 'provisioning/prometheus', f);
    const target = join(dir, 'rules', f.split('/').at(-1)!);
    mkdirSync(join(dir, 'rules'), { recursive: true });
    const doc = readYaml(source) as unknown as RuleFileYaml;
    for (const group of doc.groups) {
      if (options.evaluationInterval && group.interval) group.interval = options.evaluationInterval;
      for (const rule of group.rules) {
        if (!rule.alert || !options.alertFor) continue;
        const replacement = options.alertFor({ alert: rule.alert, for: rule.for, labels: rule.labels ?? {} });
        if (replacement !== undefined) rule.for = replacement;
      }
    }
    writeFileSync(target, stringify(doc, { lineWidth: 0 }));
    return target;
  });

  // Prometheus: same jobs, local targets, absolute rule paths.
  promConfig.rule_files = rules;
  if (options.scrapeInterval) {
    promConfig.global.scrape_interval = options.scrapeInterval;
    promConfig.global.scrape_timeout = options.scrapeInterval;
  }
  if (options.evaluationInterval) promConfig.global.evaluation_interval = options.evaluationInterval;
  for (const job of promConfig.scrape_configs) {
    if (options.scrapeInterval) {
      if (job.scrape_interval) job.scrape_interval = options.scrapeInterval;
      if (job.scrape_timeout) job.scrape_timeout = options.scrapeInterval;
    }
    for (const sc of job.static_configs) {
      sc.targets = sc.targets.flatMap((t) => [
        rewriteTarget(t, ports),
        ...(t === EXPORTER_TARGET ? (options.replicaPorts ?? []).map((p) => `127.0.0.1:${p}`) : []),
      ]);
    }
  }
  for (const am of promConfig.alerting.alertmanagers) {
    for (const sc of am.static_configs) sc.targets = sc.targets.map((t) => rewriteTarget(t, ports));
  }
  const prometheus = join(dir, 'prometheus.yml');
  writeFileSync(prometheus, stringify(promConfig, { lineWidth: 0 }));

  // Alertmanager: absolute template paths, local URLs, secrets or a local notification URL.
  const am = readYaml(ALERTMANAGER_CONFIG) as {
    global: Yaml;
    templates: string[];
    route: Route;
    receivers: ({ name: string } & Record<string, unknown>)[];
  };
  am.templates = am.templates.map((t) => resolve(REPO_ROOT, 'alert-rules', t));
  const n = options.notifications;
  if ('url' in n) {
    delete am.global.slack_api_url_file;
    for (const receiver of am.receivers) {
      const webhooks = (receiver.webhook_configs ?? []) as { url: string }[];
      const local = webhooks.length > 0 && webhooks.every((w) => new URL(w.url).host in hostMap(ports));
      if (local) continue;
      for (const key of Object.keys(receiver)) if (key.endsWith('_configs')) delete receiver[key];
      receiver.webhook_configs = [{ url: n.url, send_resolved: true }];
    }
  } else {
    am.global.slack_api_url_file = resolve(n.slackApiUrlFile);
    for (const receiver of am.receivers) {
      for (const pd of (receiver.pagerduty_configs ?? []) as { routing_key_file?: string }[]) {
        if (pd.routing_key_file) pd.routing_key_file = resolve(n.pagerdutyRoutingKeyFile);
      }
    }
  }
  for (const receiver of am.receivers) {
    for (const w of (receiver.webhook_configs ?? []) as { url: string }[]) w.url = rewriteUrl(w.url, ports);
  }
  if (options.alertmanagerTimings) applyTimings(am.route, options.alertmanagerTimings, true);
  const alertmanager = join(dir, 'alertmanager.yml');
  writeFileSync(alertmanager, stringify(am, { lineWidth: 0 }));

  return { prometheus, alertmanager, rules };
}

interface Route {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

function applyTimings(
  route: Route,
  t: NonNullable<StackOptions['alertmanagerTimings']>,
  root: boolean,
): void {
  if (t.groupWait && (root || route.group_wait)) route.group_wait = t.groupWait;
  if (t.groupInterval && (root || route.group_interval)) route.group_interval = t.groupInterval;
  if (t.repeatInterval && (root || route.repeat_interval)) route.repeat_interval = t.repeatInterval;
  for (const child of route.routes ?? []) applyTimings(child, t, false);
}

interface Started {
  name: string;
  child: ChildProcess;
  log: string;
  exit: Promise<ProcessExit>;
}

function startProcess(name: string, command: string, args: readonly string[], logDir: string): Started {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  // Own process group, so stop() can end the process and whatever it started (npx → node) by group id.
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exit = new Promise<ProcessExit>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ name, code, signal }));
    child.on('error', () => resolveExit({ name, code: null, signal: null }));
  });
  return { name, child, log, exit };
}

function signalGroup(p: Started, signal: NodeJS.Signals): void {
  if (p.child.pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    // already gone
  }
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

async function waitReady(p: Started, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: ProcessExit | null = null;
  void p.exit.then((e) => {
    exited = e;
  });
  for (;;) {
    if (exited)
      throw new Error(`${p.name} exited (${JSON.stringify(exited)}) before it was ready:\n${tail(p.log)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${p.name} not ready at ${url} after ${timeoutMs} ms:\n${tail(p.log)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const ports: StackPorts = {
    exporter: options.ports?.exporter || (await freePort()),
    prometheus: options.ports?.prometheus || (await freePort()),
    alertmanager: options.ports?.alertmanager || (await freePort()),
  };
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'modelwatch-stack-'));
  const configs = renderStackConfigs(options, ports, dir);
  const urls = {
    exporter: `http://127.0.0.1:${ports.exporter}`,
    prometheus: `http://127.0.0.1:${ports.prometheus}`,
    alertmanager: `http://127.0.0.1:${ports.alertmanager}`,
  };
  const timeout = options.readyTimeoutMs ?? 90_000;
  const started: Started[] = [];
  let stopping = false;
  const killAll = () => {
    for (const p of started) signalGroup(p, 'SIGKILL');
  };
  process.on('exit', killAll);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const p of [...started].reverse()) signalGroup(p, 'SIGTERM');
    await Promise.all(
      started.map(async (p) => {
        const timer = setTimeout(() => signalGroup(p, 'SIGKILL'), 10_000);
        await p.exit;
        clearTimeout(timer);
      }),
    );
    process.off('exit', killAll);
    if (ownDir && !options.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    if ((options.exporter ?? 'demo') === 'demo') {
      const demo = startProcess(
        'demo',
        'npx',
        [
          '--no-install',
          'modelwatch',
          'demo',
          '--host',
          '127.0.0.1',
          '--port',
          String(ports.exporter),
          '--drift-after',
          options.driftAfter ?? '30s',
          '--db',
          join(dir, 'modelwatch.db'),
          ...(options.demoArgs ?? []),
        ],
        dir,
      );
      started.push(demo);
      await waitReady(demo, `${urls.exporter}/readyz`, timeout);
    }
    const alertmanager = startProcess(
      'alertmanager',
      'prometheus-alertmanager',
      [
        `--config.file=${configs.alertmanager}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        `--web.external-url=${urls.alertmanager}`,
        // No gossip listener (it would bind 0.0.0.0:9094).
        '--cluster.listen-address=',
      ],
      dir,
    );
    started.push(alertmanager);
    const prometheus = startProcess(
      'prometheus',
      'prometheus',
      [
        `--config.file=${configs.prometheus}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        `--web.external-url=${urls.prometheus}`,
      ],
      dir,
    );
    started.push(prometheus);
    await waitReady(alertmanager, `${urls.alertmanager}/-/ready`, timeout);
    await waitReady(prometheus, `${urls.prometheus}/-/ready`, timeout);
  } catch (err) {
    await stop();
    throw err;
  }

  const exited = Promise.race(started.map((p) => p.exit)).then(
    (e) =>
      new Promise<ProcessExit>((resolveExit) => {
        if (!stopping) resolveExit(e);
      }),
  );
  return {
    dir,
    ports,
    urls,
    configs,
    logs: Object.fromEntries(started.map((p) => [p.name, p.log])),
    exited,
    stop,
  };
}
