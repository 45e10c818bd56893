/**
 * docker-compose.yml, exporter/Dockerfile and the example exporter configuration, checked without a
 * Docker engine: services, commands, every mounted host path / build context / Dockerfile exists,
 * container paths line up with the configurations that refer to them, ports, healthchecks.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../exporter/src/config/load';
import { DEMO_MODEL } from '../exporter/src/demo/simulator';
import { REPO_ROOT } from './helpers/paths';

interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
  interval?: string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

/** Directories the build creates: mounted, but not in a fresh checkout. Maps to the workspace that builds them. */
const BUILD_OUTPUTS: Record<string, string> = { 'grafana-plugin/dist': 'grafana-plugin' };

interface Mount {
  service: string;
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}
const mounts: Mount[] = Object.entries(compose.services).flatMap(([name, s]) =>
  (s.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':') as [string, string, string | undefined];
    return {
      service: name,
      source,
      target,
      readOnly: mode === 'ro',
      bind: source.startsWith('.') || source.startsWith('/'),
    };
  }),
);

/** The repository path a container path of a service maps to through its bind mounts (longest target wins). */
function hostPath(serviceName: string, containerPath: string): string | null {
  const candidates = mounts
    .filter(
      (m) =>
        m.service === serviceName &&
        m.bind &&
        (containerPath === m.target || containerPath.startsWith(`${m.target}/`)),
    )
    .sort((a, b) => b.target.length - a.target.length);
  const m = candidates[0];
  if (!m) return null;
  return join(REPO_ROOT, m.source, containerPath.slice(m.target.length));
}

describe('docker-compose.yml', () => {
  it('has the exporter, the demo model, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'alertmanager',
      'demo-model',
      'exporter',
      'grafana',
      'prometheus',
    ]);
  });

  it('builds the exporter from exporter/Dockerfile at the workspace root and serves with the mounted config', () => {
    const e = service('exporter');
    expect(e.build).toEqual({ context: '.', dockerfile: 'exporter/Dockerfile' });
    expect(statSync(join(REPO_ROOT, e.build!.context)).isDirectory()).toBe(true);
    expect(existsSync(join(REPO_ROOT, e.build!.context, e.build!.dockerfile))).toBe(true);
    expect(e.command).toEqual([
      'modelwatch',
      'serve',
      '--config',
      '/etc/modelwatch/modelwatch.yaml',
      '--db',
      '/data/modelwatch.db',
    ]);
    expect(hostPath('exporter', '/etc/modelwatch/modelwatch.yaml')).toBe(
      join(REPO_ROOT, 'provisioning/modelwatch/modelwatch.yaml'),
    );
    // The SQLite file lives in a named volume.
    const data = mounts.find((m) => m.service === 'exporter' && m.target === '/data');
    expect(data?.bind).toBe(false);
    expect(Object.keys(compose.volumes)).toContain(data?.source);
  });

  it('runs the demo model from the same image against the exporter once it is healthy', () => {
    const d = service('demo-model');
    expect(d.image).toBe(service('exporter').image);
    expect(d.build).toBeUndefined();
    expect(d.command).toEqual([
      'modelwatch',
      'simulate',
      '--target',
      'http://exporter:9793',
      '--rate',
      '200/s',
      '--drift-after',
      '10m',
    ]);
    expect(d.depends_on).toEqual({ exporter: { condition: 'service_healthy' } });
  });

  it('mounts only host paths that exist (build outputs: their workspace and build script exist)', () => {
    const missing: string[] = [];
    for (const m of mounts.filter((x) => x.bind)) {
      const rel = relative(REPO_ROOT, join(REPO_ROOT, m.source));
      if (existsSync(join(REPO_ROOT, rel))) continue;
      const workspace = BUILD_OUTPUTS[rel];
      if (workspace) {
        const pkg = JSON.parse(readFileSync(join(REPO_ROOT, workspace, 'package.json'), 'utf8')) as {
          scripts?: Record<string, string>;
        };
        if (pkg.scripts?.build) continue;
      }
      missing.push(`${m.service}: ${m.source}`);
    }
    expect(missing).toEqual([]);
    for (const [name, s] of Object.entries(compose.secrets))
      expect(existsSync(join(REPO_ROOT, s.file)), name).toBe(true);
    for (const m of mounts.filter((x) => x.bind && x.service !== 'exporter'))
      expect(m.readOnly, `${m.service} ${m.source}`).toBe(true);
  });

  it('gives Prometheus its configuration with rule_files resolving to alert-rules/ inside the container', () => {
    const p = service('prometheus');
    const configArg = p.command!.find((a) => a.startsWith('--config.file='))!;
    const containerConfig = configArg.slice('--config.file='.length);
    expect(hostPath('prometheus', containerConfig)).toBe(
      join(REPO_ROOT, 'provisioning/prometheus/prometheus.yml'),
    );
    const config = parse(readFileSync(join(REPO_ROOT, 'provisioning/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    for (const f of config.rule_files) {
      const inContainer = posix.resolve(posix.dirname(containerConfig), f);
      const host = hostPath('prometheus', inContainer);
      expect(host, f).not.toBeNull();
      expect(existsSync(host!), `${f} -> ${inContainer} -> ${host}`).toBe(true);
    }
    // Scrape and alerting targets are compose services on their container ports.
    const targets = [
      ...config.scrape_configs
        .filter((j) => j.job_name !== 'prometheus')
        .flatMap((j) => j.static_configs.flatMap((s) => s.targets)),
      ...config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)),
    ];
    for (const t of targets) {
      const [host, port] = t.split(':') as [string, string];
      const s = service(host);
      expect(
        s.ports?.map((x) => x.split(':').at(-1)),
        t,
      ).toContain(port);
    }
  });

  it('gives Alertmanager its configuration, templates and secret files where alertmanager.yml expects them', () => {
    const a = service('alertmanager');
    const configArg = a.command!.find((x) => x.startsWith('--config.file='))!;
    const containerConfig = configArg.slice('--config.file='.length);
    expect(hostPath('alertmanager', containerConfig)).toBe(join(REPO_ROOT, 'alert-rules/alertmanager.yml'));
    const am = parse(readFileSync(join(REPO_ROOT, 'alert-rules/alertmanager.yml'), 'utf8')) as {
      templates: string[];
    };
    for (const t of am.templates) {
      expect(hostPath('alertmanager', posix.resolve(posix.dirname(containerConfig), posix.dirname(t)))).toBe(
        join(REPO_ROOT, 'alert-rules', posix.dirname(t)),
      );
    }
    const text = readFileSync(join(REPO_ROOT, 'alert-rules/alertmanager.yml'), 'utf8');
    const secretFiles = [...text.matchAll(/_file: (\/run\/secrets\/[\w-]+)/g)].map((m) =>
      m[1]!.slice('/run/secrets/'.length),
    );
    expect(secretFiles.sort()).toEqual([...(a.secrets ?? [])].sort());
    // Single instance: no gossip port.
    expect(a.command).toContain('--cluster.listen-address=');
  });

  it('runs Grafana OSS with the provisioning, the dashboards where the provider reads them, and the unsigned drift panel', () => {
    const g = service('grafana');
    expect(g.image).toMatch(/^grafana\/grafana-oss:\d+\.\d+\.\d+$/);
    expect(g.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe('modelwatch-drift-panel');
    expect(hostPath('grafana', '/etc/grafana/provisioning/datasources/modelwatch.yml')).toBe(
      join(REPO_ROOT, 'provisioning/grafana/datasources/modelwatch.yml'),
    );
    const provider = parse(
      readFileSync(join(REPO_ROOT, 'provisioning/grafana/dashboards/modelwatch.yml'), 'utf8'),
    ) as {
      providers: { options: { path: string } }[];
    };
    expect(hostPath('grafana', `${provider.providers[0]!.options.path}/drift.json`)).toBe(
      join(REPO_ROOT, 'provisioning/dashboards/drift.json'),
    );
    expect(hostPath('grafana', '/var/lib/grafana/plugins/modelwatch-drift-panel')).toBe(
      join(REPO_ROOT, 'grafana-plugin/dist'),
    );
    expect(
      existsSync(
        join(
          REPO_ROOT,
          g.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!.replace(
            '/var/lib/grafana/dashboards/modelwatch',
            'provisioning/dashboards',
          ),
        ),
      ),
    ).toBe(true);
  });

  it('publishes each service port on the host loopback only', () => {
    const expected: Record<string, string> = {
      exporter: '127.0.0.1:9793:9793',
      prometheus: '127.0.0.1:9090:9090',
      alertmanager: '127.0.0.1:9093:9093',
      grafana: '127.0.0.1:3000:3000',
    };
    for (const [name, s] of Object.entries(compose.services))
      expect(s.ports ?? [], name).toEqual(expected[name] ? [expected[name]] : []);
  });

  it('has healthchecks for every server and none inherited by the demo client', () => {
    for (const name of ['exporter', 'prometheus', 'alertmanager', 'grafana']) {
      const h = service(name).healthcheck;
      expect(Array.isArray(h?.test) && h.test.every((part) => typeof part === 'string'), name).toBe(true);
      expect((h!.test as string[]).join(' ')).toMatch(
        /127\.0\.0\.1:(9793\/readyz|9090\/-\/ready|9093\/-\/ready|3000\/api\/health)/,
      );
      expect(h?.interval, name).toBeDefined();
    }
    expect(service('demo-model').healthcheck).toEqual({ disable: true });
    // Dependants wait for health where it matters.
    expect(service('grafana').depends_on?.prometheus?.condition).toBe('service_healthy');
  });
});

describe('exporter/Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'exporter/Dockerfile'), 'utf8');
  it('builds on node:20-bookworm-slim with a toolchain for better-sqlite3 and npm ci at the workspace root', () => {
    // Every base image (a FROM that does not name an earlier stage) is node:20-bookworm-slim.
    const stagesSoFar = new Set<string>();
    for (const m of dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?/gm)) {
      if (!stagesSoFar.has(m[1]!)) expect(m[1]).toBe('node:20-bookworm-slim');
      if (m[2]) stagesSoFar.add(m[2]);
    }
    expect(dockerfile).toMatch(/apt-get install[^\n]*build-essential/);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/RUN npm ci /);
    expect(dockerfile).toMatch(/^CMD \["modelwatch", "serve"/m);
  });

  it('runs the compiled JavaScript as the unprivileged node user, with a HEALTHCHECK on /readyz', () => {
    const stages = dockerfile.split(/^FROM /m);
    const runtime = stages[stages.length - 1]!;
    // The build stage runs the same build as `npm ci`'s prepare script; the runtime copies its output.
    expect(dockerfile).toMatch(/^RUN node scripts\/build\.mjs$/m);
    expect(runtime).toMatch(/^COPY --from=build \/src\/exporter\/dist\/ \.\/exporter\/dist\/$/m);
    expect(runtime).not.toMatch(/tsx|typescript|exporter\/src/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK [^\n]*\n[^\n]*\/readyz/m);
    // The bin it links is the one that imports exporter/dist.
    expect(readFileSync(join(REPO_ROOT, 'exporter/bin/modelwatch.mjs'), 'utf8')).toMatch(
      /import\('\.\.\/dist\/cli\.js'\)/,
    );
    const build = readFileSync(join(REPO_ROOT, 'scripts/build.mjs'), 'utf8');
    expect(build).toMatch(/outdir = join\(root, 'exporter\/dist'\)/);
  });

  it('copies the lockfile and keeps node_modules and databases out of the build context', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('**/*.db');
    expect(existsSync(join(REPO_ROOT, 'package-lock.json'))).toBe(true);
    for (const dir of ['exporter', 'provisioning', 'alert-rules']) expect(ignore).not.toContain(dir);
  });
});

describe('provisioning/modelwatch/modelwatch.yaml', () => {
  it("is valid for the exporter's own config loader, listens on all interfaces in the container, and names the simulated model", () => {
    const config = loadConfig(join(REPO_ROOT, 'provisioning/modelwatch/modelwatch.yaml'));
    expect(config.listen).toMatchObject({ host: '0.0.0.0', port: 9793 });
    expect(config.models.map((m) => m.name)).toEqual([DEMO_MODEL]);
    const prometheus = parse(
      readFileSync(join(REPO_ROOT, 'provisioning/prometheus/prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'modelwatch');
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual([`exporter:${config.listen.port}`]);
  });
});
