/**
 * deploy/kubernetes: the generated parts are fresh; every overlay renders with the real
 * `kubectl kustomize`; each rendered object has the fields it needs; the rules taken out of the rendered
 * PrometheusRule pass `promtool check rules` and the repository's rule unit tests; the dashboard
 * ConfigMaps hold exactly the provisioned JSON.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildConfig } from '../exporter/src/config/load';
import type { Config } from '../exporter/src/config/schema';
import {
  dashboardFiles,
  generatedFiles,
  MONITORING_DIR,
  OBJECT_LIMIT,
  ruleFiles,
} from '../scripts/k8s-generate';
import { haveCommand, run } from './helpers/binaries';
import { REPO_ROOT } from './helpers/paths';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked field by field
type Any = any;

const KUBE = join(REPO_ROOT, 'deploy/kubernetes');
const OVERLAYS = readdirSync(join(KUBE, 'overlays')).sort();
const rendered = new Map<string, Obj[]>();
let tmp: string;

function render(dir: string): Obj[] {
  const r = run('kubectl', ['kustomize', dir]);
  expect(r.status, r.output).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj);
}

beforeAll(() => {
  expect(haveCommand('kubectl'), 'kubectl (with kustomize) is needed: Debian package kubernetes-client').toBe(
    true,
  );
  tmp = mkdtempSync(join(tmpdir(), 'modelwatch-k8s-'));
  rendered.set('base', render(join(KUBE, 'base')));
  for (const overlay of OVERLAYS) rendered.set(overlay, render(join(KUBE, 'overlays', overlay)));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const of = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const one = (objs: Obj[], kind: string, name?: string): Any => {
  const found = of(objs, kind).filter((o) => name === undefined || o.metadata.name === name);
  expect(
    found.map((o) => o.metadata.name),
    `${kind} ${name ?? ''}`,
  ).toHaveLength(1);
  return found[0];
};

describe('generated manifests', () => {
  it('are what `npm run k8s:generate` writes now', () => {
    for (const [path, content] of generatedFiles()) {
      expect(readFileSync(join(REPO_ROOT, path), 'utf8'), `${path} is stale: run npm run k8s:generate`).toBe(
        content,
      );
    }
    expect(readdirSync(join(REPO_ROOT, MONITORING_DIR)).sort()).toEqual([
      'dashboards.yaml',
      'kustomization.yaml',
      'prometheusrule.yaml',
      'servicemonitor.yaml',
    ]);
  });
});

describe('every object of every overlay', () => {
  it('renders with apiVersion, kind, name and (in overlays) its namespace', () => {
    expect(OVERLAYS).toEqual(['kserve', 'sidecar']);
    for (const [name, objs] of rendered) {
      expect(objs.length, name).toBeGreaterThan(3);
      for (const o of objs) {
        expect(
          o.apiVersion && o.kind && o.metadata?.name,
          `${name}: ${stringify(o).slice(0, 200)}`,
        ).toBeTruthy();
        if (name !== 'base' && o.kind !== 'Namespace') {
          const ns = one(objs, 'Namespace').metadata.name;
          expect(o.metadata.namespace, `${name} ${o.kind}/${o.metadata.name}`).toBe(ns);
        }
      }
    }
  });
});

/** The modelwatch container and its pod spec, from a Deployment or an InferenceService predictor. */
function modelwatchPod(objs: Obj[]): { pod: Any; container: Any; labels: Record<string, string> } {
  const isvc = of(objs, 'InferenceService')[0] as Any;
  if (isvc) {
    const pod = isvc.spec.predictor;
    return {
      pod,
      container: pod.containers.find((c: Any) => c.name === 'modelwatch'),
      labels: { 'serving.kserve.io/inferenceservice': isvc.metadata.name },
    };
  }
  const deployment = one(objs, 'Deployment');
  const pod = deployment.spec.template.spec;
  return {
    pod,
    container: pod.containers.find((c: Any) => c.name === 'modelwatch'),
    labels: deployment.spec.template.metadata.labels,
  };
}

function modelwatchConfig(objs: Obj[], pod: Any, container: Any): Config {
  const mount = container.volumeMounts.find((m: Any) => m.mountPath === '/etc/modelwatch');
  const volume = pod.volumes.find((v: Any) => v.name === mount.name);
  const configMap: Any = one(objs, 'ConfigMap', volume.configMap.name);
  return buildConfig(parse(configMap.data['modelwatch.yaml']));
}

describe.each(['base', 'sidecar', 'kserve'])('%s: the modelwatch container', (name) => {
  it('runs `modelwatch serve` from the image, with probes, resources and a locked-down security context', () => {
    const objs = rendered.get(name)!;
    const { pod, container } = modelwatchPod(objs);
    expect(container.image).toBe('modelwatch:latest');
    expect(container.command.slice(0, 2)).toEqual(['modelwatch', 'serve']);
    const port = container.ports.find((p: Any) => p.name === 'metrics');
    expect(port.containerPort).toBe(9793);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    // Requests cover the measured peak RSS (316 MiB), limits leave headroom.
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(316);
    expect(mib(container.resources.limits.memory)).toBeGreaterThan(mib(container.resources.requests.memory));
    const security = { ...pod.securityContext, ...container.securityContext };
    expect(security).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(security.runAsUser).toBeGreaterThan(0);
    // Writable paths are volumes: the log under /data, /tmp; every mount names a defined volume.
    const volumes = new Set(pod.volumes.map((v: Any) => v.name));
    for (const m of container.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);
    const writable = container.volumeMounts.filter((m: Any) => !m.readOnly).map((m: Any) => m.mountPath);
    expect(writable.sort()).toEqual(['/data', '/tmp']);
    // The exporter's own loader accepts the config; the database is on the data volume and the listen
    // port is the container port.
    const config = modelwatchConfig(objs, pod, container);
    expect(config.listen).toMatchObject({ host: '0.0.0.0', port: 9793 });
    expect(container.command).toContain('/data/modelwatch.db');
  });

  it('is scraped: the Service selects the pod, job="modelwatch"', () => {
    const objs = rendered.get(name)!;
    const { labels } = modelwatchPod(objs);
    const service = one(objs, 'Service', 'modelwatch');
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k], k).toBe(v);
    const port = service.spec.ports.find((p: Any) => p.name === 'metrics');
    expect([9793, 'metrics']).toContain(port.targetPort);
    if (name === 'base') return;
    const monitor = one(objs, 'ServiceMonitor', 'modelwatch');
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
      expect(service.metadata.labels[k], k).toBe(v);
    expect(monitor.spec.endpoints.map((e: Any) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
    // The job label the rules and dashboards use (up{job="modelwatch"}).
    expect(service.metadata.labels[monitor.spec.jobLabel]).toBe('modelwatch');
  });
});

describe('kserve overlay', () => {
  it("points the InferenceService's logger at the sidecar's CloudEvents sink, with a mapping for it", () => {
    const objs = rendered.get('kserve')!;
    const isvc = one(objs, 'InferenceService');
    expect(isvc.apiVersion).toBe('serving.kserve.io/v1beta1');
    expect(isvc.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('RawDeployment');
    expect(isvc.spec.predictor.logger).toEqual({
      mode: 'all',
      url: 'http://127.0.0.1:9793/api/v1/cloudevents',
    });
    const { pod, container } = modelwatchPod(objs);
    const config = modelwatchConfig(objs, pod, container);
    expect(config.kserve.require_token).toBe(false);
    const service = config.kserve.services.find((s) => s.inference_service === isvc.metadata.name);
    expect(service?.columns).toHaveLength(4);
    expect(config.models.map((m) => m.name)).toContain(service?.model);
  });
});

describe('PrometheusRule', () => {
  it('holds exactly the groups of alert-rules/*.yml, which pass promtool check rules and the rule tests', () => {
    const expected = ruleFiles().flatMap((f) => parse(readFileSync(join(REPO_ROOT, f), 'utf8')).groups);
    expect(ruleFiles()).toEqual(['alert-rules/modelwatch.alerts.yml', 'alert-rules/modelwatch.rules.yml']);
    for (const overlay of OVERLAYS) {
      const rule = one(rendered.get(overlay)!, 'PrometheusRule', 'modelwatch');
      expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(rule.spec.groups).toEqual(expected);
      expect(Buffer.byteLength(stringify(rule))).toBeLessThan(OBJECT_LIMIT);
    }
    const groups = one(rendered.get('sidecar')!, 'PrometheusRule').spec.groups as Any[];
    const extracted = join(tmp, 'extracted.rules.yml');
    writeFileSync(extracted, stringify({ groups }));
    const rules = groups.flatMap((g) => g.rules).length;
    const check = run('promtool', ['check', 'rules', extracted]);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toContain(`SUCCESS: ${rules} rules found`);
    expect(groups.some((g) => g.rules.some((r: Any) => r.record))).toBe(true);
    expect(groups.some((g) => g.rules.some((r: Any) => r.alert))).toBe(true);

    // The repository's rule unit tests, with their rule_files pointed at the extracted rules.
    const testDir = join(REPO_ROOT, 'alert-rules/tests');
    const tests = readdirSync(testDir).filter((f) => f.endsWith('.yml'));
    expect(tests.length).toBeGreaterThanOrEqual(8);
    const copies = tests.map((f) => {
      const doc = parse(readFileSync(join(testDir, f), 'utf8'));
      doc.rule_files = [extracted];
      const copy = join(tmp, f);
      writeFileSync(copy, stringify(doc));
      return copy;
    });
    const r = run('promtool', ['test', 'rules', ...copies], tmp);
    expect(r.status, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length).toBe(tests.length);
  });
});

describe('dashboard ConfigMaps', () => {
  it('hold exactly the provisioned JSON, one per dashboard, labelled for the Grafana sidecar, each < 1 MiB', () => {
    const files = dashboardFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const overlay of OVERLAYS) {
      const maps = of(rendered.get(overlay)!, 'ConfigMap').filter(
        (c) => c.metadata.labels?.grafana_dashboard === '1',
      ) as Any[];
      expect(maps).toHaveLength(files.length);
      for (const file of files) {
        const key = file.replace(/^.*\//, '');
        const holders = maps.filter((m) => key in m.data);
        expect(holders, key).toHaveLength(1);
        expect(Object.keys(holders[0].data)).toEqual([key]);
        expect(holders[0].data[key]).toBe(readFileSync(join(REPO_ROOT, file), 'utf8'));
        expect(Buffer.byteLength(stringify(holders[0])), key).toBeLessThan(OBJECT_LIMIT);
      }
    }
  });
});
