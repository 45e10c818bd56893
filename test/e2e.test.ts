/**
 * End to end, without Docker: the exporter's demo (`npx modelwatch demo`, simulated credit-scoring
 * traffic with drift injected after 20 s), Prometheus with the repository's rules and Alertmanager
 * with its routes, all started by the same code as `npm run stack` (test/helpers/stack.ts), with
 * short intervals. Alertmanager's Slack/PagerDuty receivers post to a webhook receiver in this test.
 *
 * Checks that (1) every dashboard query returns data from the real Prometheus, except the few
 * listed below that cannot have data in the demo (and, for now, those that need metric families the
 * exporter does not export yet: AWAITING_EXPORTER); (2) the feature drift alert fires and reaches the
 * receiver with the right labels; (3) the critical dataset drift alert inhibits the feature drift
 * warnings of the same model; (4) the retraining alert reaches the exporter's retraining webhook; and
 * that `npm run stack` stops all its processes on SIGINT. Bounded: each wait has a deadline (the
 * demo needs about a minute after drift injection for drift to be confirmed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries, loadDashboards, type Query, substituteVariables } from './helpers/dashboards';
import {
  amAlerts,
  promLabelValues,
  promQuery,
  promQueryRange,
  startWebhookReceiver,
  type WebhookPayload,
  type WebhookReceiver,
  waitFor,
} from './helpers/http';
import { REPO_ROOT } from './helpers/paths';
import { metricNames, variableQuery } from './helpers/promql';
import { type Stack, startStack } from './helpers/stack';

const MODEL = 'credit-risk';
const DRIFT_DEADLINE = 180_000;

/**
 * Dashboard queries that legitimately return nothing in the demo, keyed by a substring of the
 * expression, with the reason. Everything else must return data.
 */
const EMPTY_IN_DEMO: Record<string, string> = {
  modelwatch_model_mae: 'regression metric; the demo model is a binary classifier',
  modelwatch_model_rmse: 'regression metric; the demo model is a binary classifier',
  modelwatch_model_r2: 'regression metric; the demo model is a binary classifier',
  modelwatch_model_mape_ratio: 'regression metric; the demo model is a binary classifier',
  modelwatch_cardinality_limited_total: 'the demo stays within every cardinality cap',
  modelwatch_write_errors_total: 'no write fails in the demo (a series appears with the first failure)',
  modelwatch_webhook_alerts_ignored_total:
    'every alert the demo routes to the webhook names the demo model (a series appears with the first ignored one)',
  modelwatch_feature_drift_p_value:
    'the demo reference has 5000 rows, so the auto method picks Wasserstein and Jensen-Shannon, which have no p-value',
  'modelwatch_feature_drift_threshold{model="credit-risk", feature=~".+", method=~"ks|chisquare|ztest"}':
    'the level in force of the p-value tests, which the demo does not use (see modelwatch_feature_drift_p_value)',
};

/**
 * Catalog families the exporter does not export yet. Queries made only of these are reported as
 * pending instead of failing, and the test fails as soon as one of them appears on the demo's
 * /metrics, so entries are deleted as the exporter catches up. Empty: every query is checked strictly.
 */
const AWAITING_EXPORTER: readonly string[] = [];

function emptyReason(expr: string): string | undefined {
  return Object.entries(EMPTY_IN_DEMO).find(([needle]) => expr.includes(needle))?.[1];
}

describe('end to end: demo exporter, Prometheus, Alertmanager', () => {
  let receiver: WebhookReceiver;
  let stack: Stack;
  let startedAt: number;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    startedAt = Date.now() / 1000;
    stack = await startStack({
      driftAfter: '20s',
      demoArgs: ['--eval-interval', '2s', '--label-delay', '3s'],
      scrapeInterval: '2s',
      evaluationInterval: '2s',
      // Warnings fire quickly; criticals 30 s later, so a warning is delivered before its critical inhibits it.
      alertFor: (rule) => (rule.labels.severity === 'critical' ? '30s' : '4s'),
      notifications: { url: receiver.url },
      alertmanagerTimings: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  const delivered = (receiverName: string, alertname: string): WebhookPayload | undefined =>
    receiver.payloads.find(
      (p) =>
        p.receiver === receiverName &&
        p.alerts.some((a) => a.status === 'firing' && a.labels.alertname === alertname),
    );

  it('(2) fires ModelFeatureDrift after the injected drift and delivers it to the warning receiver with its labels', async () => {
    const payload = await waitFor(
      'ModelFeatureDrift at the warning receiver',
      DRIFT_DEADLINE,
      () => delivered('slack-warning', 'ModelFeatureDrift'),
      2000,
    );
    const drifted = (
      await promQuery(stack.urls.prometheus, `modelwatch_feature_drifted{model="${MODEL}"} == 1`)
    ).map((s) => s.metric.feature);
    expect(payload.groupLabels).toEqual({ model: MODEL, alertname: 'ModelFeatureDrift' });
    expect(payload.alerts.length).toBeGreaterThan(0);
    for (const alert of payload.alerts) {
      expect(alert.labels).toMatchObject({
        alertname: 'ModelFeatureDrift',
        severity: 'warning',
        category: 'drift',
        model: MODEL,
        job: 'modelwatch',
        instance: `127.0.0.1:${stack.ports.exporter}`,
      });
      expect(drifted).toContain(alert.labels.feature);
      expect(alert.annotations.summary).toBe(`Feature ${alert.labels.feature} of model ${MODEL} has drifted`);
      expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\.md#modelfeaturedrift$/);
    }
  });

  it('(3) pages ModelDatasetDrift (critical) and inhibits the drift warnings of the same model', async () => {
    await waitFor(
      'ModelDatasetDrift on PagerDuty',
      DRIFT_DEADLINE,
      () => delivered('pagerduty-critical', 'ModelDatasetDrift'),
      2000,
    );
    await waitFor('ModelDatasetDrift on Slack critical', 30_000, () =>
      delivered('slack-critical', 'ModelDatasetDrift'),
    );
    const alerts = await waitFor('every ModelFeatureDrift suppressed', 60_000, async () => {
      const all = await amAlerts(stack.urls.alertmanager);
      const warnings = all.filter((a) => a.labels.alertname === 'ModelFeatureDrift');
      return warnings.length > 0 && warnings.every((a) => a.status.state === 'suppressed') ? all : undefined;
    });
    const critical = alerts.find(
      (a) => a.labels.alertname === 'ModelDatasetDrift' && a.labels.model === MODEL,
    )!;
    expect(critical.status.state).toBe('active');
    for (const w of alerts.filter((a) => a.labels.alertname === 'ModelFeatureDrift')) {
      expect(w.status.inhibitedBy, w.labels.feature).toContain(critical.fingerprint);
    }
    // The retraining alert (category retraining) is never inhibited by it.
    for (const r of alerts.filter((a) => a.labels.alertname === 'ModelRetrainingRecommended')) {
      expect(r.status.state).toBe('active');
    }
  });

  it('(4) sends ModelRetrainingRecommended to the exporter, which records the retraining request', async () => {
    await waitFor('ModelRetrainingRecommended firing in Alertmanager', DRIFT_DEADLINE, async () =>
      (await amAlerts(stack.urls.alertmanager)).find(
        (a) => a.labels.alertname === 'ModelRetrainingRecommended',
      ),
    );
    // One request from the exporter's own recommendation, one per Alertmanager webhook call.
    await waitFor('a retraining request from Alertmanager', 60_000, async () => {
      const [s] = await promQuery(
        stack.urls.prometheus,
        `modelwatch_retraining_requests_total{model="${MODEL}"}`,
      );
      return s && Number(s.value![1]) >= 2 ? s : undefined;
    });
    const failed = await promQuery(stack.urls.prometheus, 'sum(alertmanager_notifications_failed_total)');
    expect(Number(failed[0]?.value?.[1])).toBe(0);
  });

  it('(1) every dashboard query and variable returns data, except the ones the demo cannot have', async () => {
    // After the drift: alert panels (ALERTS) and drift panels have something to show. Waited for
    // through the same range query the annotations make (below, at a 2 s step): an alert that started
    // firing less than a step ago is not yet at any of its evaluation points.
    let end = 0;
    await waitFor(
      'a firing critical alert at a range query step',
      DRIFT_DEADLINE,
      async () => {
        end = Date.now() / 1000;
        const firing = await promQueryRange(
          stack.urls.prometheus,
          'ALERTS{alertstate="firing", severity="critical"}',
          startedAt,
          end,
          2,
        );
        return firing.length > 0 ? firing : undefined;
      },
      2000,
    );
    const models = await promLabelValues(stack.urls.prometheus, 'model', 'modelwatch_model_status');
    expect(models).toEqual([MODEL]);
    const values = { model: MODEL, feature: '.+', attribute: '.+', instance: '.+' };
    const durations = { rate: '8s', range: '5m', interval: '2s' };
    const exposition = await (await fetch(`${stack.urls.exporter}/metrics`)).text();
    const exported = new Set(
      exposition
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/[{ ]/)[0]),
    );
    expect(
      AWAITING_EXPORTER.filter((n) => exported.has(n)),
      'exported now: delete from AWAITING_EXPORTER',
    ).toEqual([]);

    const empty: string[] = [];
    const allowedEmpty: string[] = [];
    const pending: string[] = [];
    const record = (q: Query, expr: string) => {
      const names = metricNames(expr);
      if (emptyReason(expr)) allowedEmpty.push(expr);
      else if (names.length > 0 && names.every((n) => AWAITING_EXPORTER.includes(n)))
        pending.push(`${q.dashboard} ${q.where}`);
      else empty.push(`${q.dashboard} ${q.where}: ${expr}`);
    };
    const check = async (q: Query) => {
      if (q.kind === 'variable') {
        const { expr, label } = variableQuery(q.expr);
        const selector = substituteVariables(expr!, values, durations);
        const got = await promLabelValues(stack.urls.prometheus, label!, selector);
        if (got.length === 0) record(q, selector);
        return;
      }
      const expr = substituteVariables(q.expr, values, durations);
      const result = await promQueryRange(stack.urls.prometheus, expr, startedAt, end, 2);
      if (result.length === 0) record(q, expr);
    };
    for (const { dashboard } of loadDashboards()) for (const q of dashboardQueries(dashboard)) await check(q);
    expect(empty).toEqual([]);
    if (pending.length > 0)
      console.info(`${pending.length} dashboard queries await exporter metrics:\n  ${pending.join('\n  ')}`);
    // The allow-list is not a blanket: each entry matched a query that really was empty.
    for (const needle of Object.keys(EMPTY_IN_DEMO))
      expect(
        allowedEmpty.some((e) => e.includes(needle)),
        needle,
      ).toBe(true);
  });
});

describe('npm run stack', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  });

  it('prints the URLs, serves them, and stops every process and removes its directory on SIGINT', async () => {
    child = spawn(
      process.execPath,
      [
        'scripts/stack.mjs',
        '--exporter-port',
        '0',
        '--prometheus-port',
        '0',
        '--alertmanager-port',
        '0',
        '--drift-after',
        '60s',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exit = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    await waitFor(
      'the stack banner',
      120_000,
      () => (out.includes('Press Ctrl+C to stop.') ? true : undefined),
      500,
    );
    const url = (label: string) => new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(out)?.[1];
    const urls = {
      exporter: url('exporter \\(demo\\)'),
      prometheus: url('Prometheus'),
      alertmanager: url('Alertmanager'),
    };
    const dir = /working directory (\S+)/.exec(out)?.[1];
    expect(urls.exporter && urls.prometheus && urls.alertmanager && dir, out).toBeTruthy();
    expect((await fetch(`${urls.exporter}/readyz`)).ok).toBe(true);
    expect((await fetch(`${urls.prometheus}/-/ready`)).ok).toBe(true);
    expect((await fetch(`${urls.alertmanager}/-/ready`)).ok).toBe(true);
    expect(existsSync(join(dir!, 'prometheus.yml'))).toBe(true);

    child.kill('SIGINT');
    expect(await exit).toBe(0);
    for (const u of Object.values(urls)) await expect(fetch(`${u}/`), u).rejects.toThrow();
    expect(existsSync(dir!)).toBe(false);
  });
});
