/**
 * The stack helper behind `npm run stack` and the end-to-end test (test/helpers/stack.ts):
 * the configurations it generates, then the real Prometheus and Alertmanager binaries running the
 * repository's rules, routes and inhibition against a stand-in exporter that serves every catalog
 * family (so this runs without the exporter's demo and independently of its statistics).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from './helpers/binaries';
import {
  dashboardQueries,
  loadDashboards,
  substituteVariables,
  variableQueryText,
} from './helpers/dashboards';
import { FAKE_MODEL, type FakeExporter, startFakeExporter } from './helpers/fake-exporter';
import {
  amAlerts,
  promLabelValues,
  promQueryRange,
  promRules,
  startWebhookReceiver,
  type WebhookPayload,
  type WebhookReceiver,
  waitFor,
} from './helpers/http';
import { loadRules, RULE_FILES } from './helpers/metrics';
import { variableQuery } from './helpers/promql';
import { renderStackConfigs, type Stack, type StackOptions, startStack } from './helpers/stack';

describe('stack configurations', () => {
  const ports = { exporter: 19801, prometheus: 19802, alertmanager: 19803 };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-stack-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const options: StackOptions = {
    notifications: { url: 'http://127.0.0.1:1/sink' },
    scrapeInterval: '2s',
    evaluationInterval: '2s',
    alertFor: (rule) => (rule.labels.severity === 'critical' ? '20s' : '2s'),
    alertmanagerTimings: { groupWait: '1s', groupInterval: '2s' },
  };

  it('Prometheus: every job and rule file kept, targets on 127.0.0.1, valid for promtool', () => {
    const configs = renderStackConfigs(options, ports, dir);
    const r = run('promtool', ['check', 'config', configs.prometheus]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${RULE_FILES.length} rule files found`);
    const p = parse(readFileSync(configs.prometheus, 'utf8')) as {
      global: Record<string, string>;
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: {
        job_name: string;
        scrape_interval?: string;
        static_configs: { targets: string[] }[];
      }[];
    };
    expect(
      Object.fromEntries(
        p.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((s) => s.targets)]),
      ),
    ).toEqual({
      modelwatch: ['127.0.0.1:19801'],
      prometheus: ['127.0.0.1:19802'],
      alertmanager: ['127.0.0.1:19803'],
    });
    expect(p.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['127.0.0.1:19803']);
    expect(p.global).toMatchObject({
      scrape_interval: '2s',
      scrape_timeout: '2s',
      evaluation_interval: '2s',
    });
    expect(p.scrape_configs.find((j) => j.job_name === 'modelwatch')?.scrape_interval).toBe('2s');
  });

  it('rules: the same rules, alert for: replaced by the override, group intervals shortened', () => {
    const configs = renderStackConfigs(options, ports, dir);
    const generated = configs.rules.flatMap(
      (f) => (parse(readFileSync(f, 'utf8')) as ReturnType<typeof loadRules>).groups,
    );
    const original = RULE_FILES.flatMap((f) => loadRules(f).groups);
    expect(generated.map((g) => g.rules.map((r) => r.expr))).toEqual(
      original.map((g) => g.rules.map((r) => r.expr)),
    );
    for (const rule of generated.flatMap((g) => g.rules).filter((r) => r.alert)) {
      expect(rule.for, rule.alert).toBe(rule.labels?.severity === 'critical' ? '20s' : '2s');
    }
    expect(generated.filter((g) => g.interval).map((g) => g.interval)).toEqual(['2s', '2s']);
  });

  it('Alertmanager: Slack and PagerDuty replaced by the local URL, the retraining webhook on the local exporter, valid for amtool', () => {
    const configs = renderStackConfigs(options, ports, dir);
    const r = run('amtool', ['check-config', configs.alertmanager]);
    expect(r.status, r.output).toBe(0);
    const am = parse(readFileSync(configs.alertmanager, 'utf8')) as {
      route: {
        group_wait: string;
        group_interval: string;
        routes: { receiver: string; group_wait?: string }[];
      };
      receivers: { name: string; webhook_configs?: { url: string }[]; slack_configs?: unknown[] }[];
    };
    expect(
      Object.fromEntries(am.receivers.map((x) => [x.name, x.webhook_configs?.map((w) => w.url)])),
    ).toEqual({
      'slack-warning': ['http://127.0.0.1:1/sink'],
      'slack-critical': ['http://127.0.0.1:1/sink'],
      'pagerduty-critical': ['http://127.0.0.1:1/sink'],
      'retrain-webhook': ['http://127.0.0.1:19801/api/v1/alerts/retrain'],
    });
    expect(am.route).toMatchObject({ group_wait: '1s', group_interval: '2s' });
    expect(am.route.routes.find((x) => x.receiver === 'retrain-webhook')?.group_wait).toBe('1s');
    const routes = run('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${configs.alertmanager}`,
      'severity=critical',
    ]);
    expect(routes.stdout.trim()).toBe('pagerduty-critical,slack-critical');
  });

  it('Alertmanager with real secrets: the secret files are those given', () => {
    const configs = renderStackConfigs(
      { notifications: { slackApiUrlFile: '/tmp/s', pagerdutyRoutingKeyFile: '/tmp/p' } },
      ports,
      join(dir, 'secrets'),
    );
    const text = readFileSync(configs.alertmanager, 'utf8');
    expect(text).toContain('slack_api_url_file: /tmp/s');
    expect(text).toContain('routing_key_file: /tmp/p');
    expect(run('amtool', ['check-config', configs.alertmanager]).status).toBe(0);
  });
});

describe('Prometheus and Alertmanager running the repository rules (stand-in exporter)', () => {
  let fake: FakeExporter;
  let receiver: WebhookReceiver;
  let stack: Stack;
  const startedAt = Date.now() / 1000;

  beforeAll(async () => {
    fake = await startFakeExporter();
    fake.set('modelwatch_feature_drifted', 1, { feature: 'age' });
    fake.set('modelwatch_evaluation_errors_total', 0);
    receiver = await startWebhookReceiver();
    stack = await startStack({
      exporter: 'external',
      ports: { exporter: fake.port },
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      // Warnings fire first; the critical follows later so the warning is delivered before it is inhibited.
      alertFor: (rule) => (rule.labels.severity === 'critical' ? '3s' : '1s'),
      notifications: { url: receiver.url },
      alertmanagerTimings: { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await fake?.close();
  });

  const delivered = (receiverName: string, alertname: string): WebhookPayload | undefined =>
    receiver.payloads.find(
      (p) =>
        p.receiver === receiverName &&
        p.alerts.some((a) => a.status === 'firing' && a.labels.alertname === alertname),
    );

  it('loads every recording and alerting rule and evaluates each without error', async () => {
    const byName = (a: readonly [string, number], b: readonly [string, number]) => a[0].localeCompare(b[0]);
    const expected = RULE_FILES.flatMap((f) =>
      loadRules(f).groups.map((g) => [g.name, g.rules.length] as const),
    ).sort(byName);
    const groups = await waitFor('every rule evaluated', 60_000, async () => {
      const g = await promRules(stack.urls.prometheus);
      return g.every((x) => x.rules.every((r) => r.health !== 'unknown')) ? g : undefined;
    });
    expect(groups.map((g) => [g.name, g.rules.length] as const).sort(byName)).toEqual(expected);
    const errors = groups.flatMap((g) =>
      g.rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`),
    );
    expect(errors).toEqual([]);
  });

  it('sends ModelFeatureDrift to the warning Slack receiver with its labels', async () => {
    const payload = await waitFor('ModelFeatureDrift notification', 60_000, () =>
      delivered('slack-warning', 'ModelFeatureDrift'),
    );
    expect(payload.groupLabels).toEqual({ model: FAKE_MODEL, alertname: 'ModelFeatureDrift' });
    const alert = payload.alerts.find((a) => a.labels.alertname === 'ModelFeatureDrift')!;
    expect(alert.labels).toMatchObject({
      severity: 'warning',
      category: 'drift',
      model: FAKE_MODEL,
      feature: 'age',
      job: 'modelwatch',
    });
    expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\.md#modelfeaturedrift$/);
    expect(payload.alerts.map((a) => a.labels.feature)).toEqual(['age']);
  });

  it('pages ModelDatasetDrift (critical) and inhibits the drift warnings of the same model with it', async () => {
    fake.set('modelwatch_dataset_drift', 1);
    await waitFor('ModelDatasetDrift on PagerDuty', 60_000, () =>
      delivered('pagerduty-critical', 'ModelDatasetDrift'),
    );
    await waitFor('ModelDatasetDrift on Slack critical', 60_000, () =>
      delivered('slack-critical', 'ModelDatasetDrift'),
    );
    const alerts = await waitFor('ModelFeatureDrift suppressed', 60_000, async () => {
      const all = await amAlerts(stack.urls.alertmanager);
      const warning = all.find((a) => a.labels.alertname === 'ModelFeatureDrift');
      return warning?.status.state === 'suppressed' ? all : undefined;
    });
    const critical = alerts.find((a) => a.labels.alertname === 'ModelDatasetDrift')!;
    const warning = alerts.find((a) => a.labels.alertname === 'ModelFeatureDrift')!;
    expect(critical.status.state).toBe('active');
    expect(warning.status.inhibitedBy).toEqual([critical.fingerprint]);
    // A warning of another category (evaluation errors would be "exporter") is not inhibited by it.
    for (const a of alerts.filter((x) => x.labels.severity === 'warning' && x.labels.category !== 'drift')) {
      expect(a.status.inhibitedBy, a.labels.alertname).not.toContain(critical.fingerprint);
    }
  });

  it('answers every dashboard query and variable with data', async () => {
    const model = await promLabelValues(stack.urls.prometheus, 'model', 'modelwatch_model_status');
    expect(model).toEqual([FAKE_MODEL]);
    const values = { model: FAKE_MODEL, feature: '.+', attribute: '.+', instance: '.+' };
    const durations = { rate: '4s', range: '1m', interval: '1s' };
    const empty: string[] = [];
    const end = Date.now() / 1000;
    for (const { dashboard } of loadDashboards()) {
      for (const q of dashboardQueries(dashboard)) {
        if (q.kind === 'variable') {
          const { expr, label } = variableQuery(q.expr);
          const got = await promLabelValues(
            stack.urls.prometheus,
            label!,
            substituteVariables(expr!, values, durations),
          );
          if (got.length === 0)
            empty.push(
              `${q.dashboard} ${q.where}: ${variableQueryText({ name: '', type: '', query: q.expr })}`,
            );
          continue;
        }
        const expr = substituteVariables(q.expr, values, durations);
        const result = await promQueryRange(
          stack.urls.prometheus,
          expr,
          Math.max(startedAt, end - 60),
          end,
          1,
        );
        // The stand-in serves this test process's own prom-client metrics; GC series exist only after a GC.
        if (result.length === 0 && !expr.includes('nodejs_gc_duration_seconds'))
          empty.push(`${q.dashboard} ${q.where}: ${expr}`);
      }
    }
    expect(empty).toEqual([]);
  });
});
