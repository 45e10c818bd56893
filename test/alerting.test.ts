/**
 * Alert and recording rules (alert-rules/*.yml), their promtool unit tests, the Prometheus
 * configuration, the Alertmanager configuration and templates, and the runbooks, checked with the
 * real promtool and amtool.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from './helpers/binaries';
import { type KnownMetric, knownMetrics, loadRules, RULE_FILES, type RuleDef } from './helpers/metrics';
import { REPO_ROOT } from './helpers/paths';
import { metricNames, selectors } from './helpers/promql';

const RULES = join(REPO_ROOT, 'alert-rules');
const TESTS = join(RULES, 'tests');
const PROMETHEUS_YML = join(REPO_ROOT, 'provisioning/prometheus/prometheus.yml');
const ALERTMANAGER_YML = join(RULES, 'alertmanager.yml');
const RUNBOOKS = join(REPO_ROOT, 'docs/runbooks.md');

const alerts: RuleDef[] = loadRules('alert-rules/modelwatch.alerts.yml').groups.flatMap((g) => g.rules);
const allRules: RuleDef[] = RULE_FILES.flatMap((f) => loadRules(f).groups.flatMap((g) => g.rules));
const alertNames = [...new Set(alerts.map((a) => a.alert!))];
const testFiles = readdirSync(TESTS)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((f) => join(TESTS, f));

const RUNBOOK = 'https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md#modelfeaturedrift';
/** Alertmanager's notification data (template.Data) for a group with one firing and one resolved alert. */
const NOTIFICATION = {
  receiver: 'slack-warning',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'ModelFeatureDrift',
        severity: 'warning',
        category: 'drift',
        model: 'credit-risk',
        feature: 'age',
        job: 'modelwatch',
      },
      annotations: {
        summary: 'Feature age of model credit-risk has drifted',
        description: 'The distribution of feature age …',
        runbook_url: RUNBOOK,
      },
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=modelwatch_feature_drifted',
      fingerprint: 'a1',
    },
    {
      status: 'resolved',
      labels: {
        alertname: 'ModelFeatureDrift',
        severity: 'warning',
        category: 'drift',
        model: 'credit-risk',
        feature: 'income',
      },
      annotations: {
        summary: 'Feature income of model credit-risk has drifted',
        description: 'The distribution of feature income …',
        runbook_url: RUNBOOK,
      },
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: '2026-11-23T11:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=modelwatch_feature_drifted',
      fingerprint: 'a2',
    },
  ],
  groupLabels: { model: 'credit-risk', alertname: 'ModelFeatureDrift' },
  commonLabels: {
    alertname: 'ModelFeatureDrift',
    severity: 'warning',
    category: 'drift',
    model: 'credit-risk',
  },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
};

/** GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('promtool', () => {
  it('check rules: both rule files are valid', () => {
    const r = run('promtool', ['check', 'rules', ...RULE_FILES]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(
      `SUCCESS: ${loadRules(RULE_FILES[0]).groups.flatMap((g) => g.rules).length} rules found`,
    );
    expect(r.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('test rules: every unit test file in alert-rules/tests passes', () => {
    expect(testFiles.length).toBeGreaterThanOrEqual(8);
    const r = run('promtool', ['test', 'rules', ...testFiles]);
    expect(r.status, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  });

  it('check config: prometheus.yml is valid and its rule_files resolve to alert-rules/ in the repository', () => {
    const r = run('promtool', ['check', 'config', PROMETHEUS_YML]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${RULE_FILES.length} rule files found`);
    const config = parse(readFileSync(PROMETHEUS_YML, 'utf8')) as { rule_files: string[] };
    expect(config.rule_files.map((f) => resolve(dirname(PROMETHEUS_YML), f))).toEqual(
      RULE_FILES.map((f) => join(REPO_ROOT, f)),
    );
  });

  it('prometheus.yml scrapes the exporter every 15 s as job modelwatch and alerts to alertmanager:9093', () => {
    const config = parse(readFileSync(PROMETHEUS_YML, 'utf8')) as {
      global: { scrape_interval: string };
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: {
        job_name: string;
        scrape_interval?: string;
        static_configs: { targets: string[] }[];
      }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'modelwatch');
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(['exporter:9793']);
    expect(job?.scrape_interval ?? config.global.scrape_interval).toBe('15s');
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual([
      'alertmanager:9093',
    ]);
  });
});

/**
 * prom-client default metrics that rules may use: the replica's start time, which tells the fleet PSI
 * rule whether a replica's counters count from within the hour (exact counts instead of increase()).
 */
const RULE_PROCESS_METRICS: ReadonlySet<string> = new Set(['process_start_time_seconds']);

describe('alert rules', () => {
  let known: Map<string, KnownMetric>;
  beforeAll(async () => {
    known = await knownMetrics();
  });

  it('name only catalog metrics, Prometheus built-ins and recording rules, with the labels they carry', () => {
    const problems: string[] = [];
    for (const rule of allRules) {
      const what = rule.alert ?? rule.record;
      for (const s of selectors(rule.expr)) {
        if (s.metric === null) {
          problems.push(`${what}: selector without a metric name`);
          continue;
        }
        const k = known.get(s.metric);
        if (!k || (k.source === 'prom-client' && !RULE_PROCESS_METRICS.has(s.metric))) {
          problems.push(`${what}: ${s.metric}`);
          continue;
        }
        for (const m of s.matchers)
          if (k.labels && !k.labels.has(m.label)) problems.push(`${what}: ${s.metric}{${m.label}}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('carry severity, category, summary, description and a runbook_url into docs/runbooks.md', () => {
    const runbooks = readFileSync(RUNBOOKS, 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (.+)$/gm)].map((m) => githubAnchor(m[1]!)));
    const problems: string[] = [];
    for (const a of alerts) {
      const labels = a.labels ?? {};
      if (!['warning', 'critical'].includes(labels.severity ?? ''))
        problems.push(`${a.alert}: severity ${labels.severity}`);
      if (
        ![
          'drift',
          'performance',
          'fairness',
          'data_quality',
          'availability',
          'exporter',
          'retraining',
        ].includes(labels.category ?? '')
      ) {
        problems.push(`${a.alert}: category ${labels.category}`);
      }
      for (const key of ['summary', 'description', 'runbook_url'])
        if (!a.annotations?.[key]) problems.push(`${a.alert}: no ${key}`);
      const anchor = /\/docs\/runbooks\.md#([a-z0-9_-]+)$/.exec(a.annotations?.runbook_url ?? '')?.[1];
      if (anchor !== a.alert!.toLowerCase())
        problems.push(`${a.alert}: runbook_url ${a.annotations?.runbook_url}`);
      if (anchor && !anchors.has(anchor))
        problems.push(`${a.alert}: no section #${anchor} in docs/runbooks.md`);
      if (!a.for) problems.push(`${a.alert}: no for:`);
    }
    expect(problems).toEqual([]);
  });

  it('have a runbook section per alert with meaning, impact, diagnosis (PromQL) and mitigation, and no other sections', () => {
    const runbooks = readFileSync(RUNBOOKS, 'utf8');
    const sections = runbooks.split(/^## /m).slice(1);
    expect(sections.map((s) => s.split('\n')[0]!.trim()).sort()).toEqual([...alertNames].sort());
    for (const s of sections) {
      const title = s.split('\n')[0];
      for (const part of ['**Meaning.**', '**Impact.**', '**Diagnosis.**', '**Mitigation.**'])
        expect(s, `${title} ${part}`).toContain(part);
      expect(s, `${title} PromQL`).toMatch(/`[^`]*(modelwatch_|up\{|model:|model_feature)[^`]*`/);
    }
  });

  it('cover the required conditions', () => {
    const exprOf = (name: string) =>
      alerts
        .filter((a) => a.alert === name)
        .map((a) => a.expr)
        .join('\n');
    expect(exprOf('ModelFeatureDrift')).toContain('modelwatch_feature_drifted');
    expect(exprOf('ModelDatasetDrift')).toContain('modelwatch_dataset_drift');
    expect(exprOf('ModelPredictionDrift')).toContain('modelwatch_prediction_drift_score');
    expect(exprOf('ModelFleetFeaturePSIHigh')).toContain('model_feature:modelwatch_feature_psi:fleet1h');
    expect(exprOf('ModelPerformanceDegraded')).toContain(':baseline7d');
    expect(exprOf('ModelEstimatedPerformanceDegraded')).toMatch(
      /bound="estimate"\}[\s\S]*<[\s\S]*bound="lower"/,
    );
    expect(exprOf('ModelFairnessViolation')).toContain('modelwatch_fairness_demographic_parity_ratio < 0.8');
    expect(exprOf('ModelDataQualityDegraded')).toMatch(/missing[\s\S]*out_of_range[\s\S]*unseen_category/);
    expect(exprOf('ModelPredictionsStale')).toContain('modelwatch_last_prediction_timestamp_seconds');
    expect(exprOf('ModelNoPredictions')).toContain('model:modelwatch_predictions:rate5m');
    expect(exprOf('ModelwatchExporterDown')).toContain('up{job="modelwatch"} == 0');
    expect(exprOf('ModelwatchExporterAbsent')).toContain('absent(up{job="modelwatch"})');
    expect(exprOf('ModelwatchEvaluationFailing')).toContain('modelwatch_evaluation_errors_total');
    expect(exprOf('ModelwatchEvaluationStalled')).toContain('modelwatch_last_evaluation_timestamp_seconds');
    expect(exprOf('ModelRetrainingRecommended')).toContain('modelwatch_retraining_recommended');
    expect(alerts.find((a) => a.alert === 'ModelRetrainingRecommended')?.labels?.action).toBe('retrain');
  });

  it('the fleet PSI is computed from counters summed over replicas against the reference ratios', () => {
    const rule = (name: string) => allRules.find((r) => r.record === name)!.expr.replace(/\s+/g, ' ');
    // Exact per-replica counts where the samples allow (the same process as an hour ago, or a replica
    // started within the hour), increase() only as the fallback (docs/multi-replica.md).
    const observations = rule('model_feature_bin:modelwatch_feature_bin_observations:increase1h');
    expect(observations).toMatch(/^sum by \(model, feature, bin\) \(/);
    expect(metricNames(observations)).toEqual([
      'modelwatch_feature_bin_observations_total',
      'process_start_time_seconds',
    ]);
    expect(observations).toContain(
      'and on (job, instance) (process_start_time_seconds == process_start_time_seconds offset 1h)',
    );
    expect(observations).toContain('and on (job, instance) (process_start_time_seconds > time() - 3600)');
    expect(observations).toContain('or increase(modelwatch_feature_bin_observations_total[1h]) )');
    expect(rule('model_feature_bin:modelwatch_feature_bin_reference:ratio')).toBe(
      'max by (model, feature, bin) (modelwatch_feature_bin_ratio{dataset="reference"})',
    );
    // Zeros are replaced (x > 0 or x * 0 + 1e-4), not clamped.
    expect(rule('model_feature_bin:modelwatch_feature_bin_current:ratio1h_nonzero')).toContain(
      '(model_feature_bin:modelwatch_feature_bin_current:ratio1h > 0) or (model_feature_bin:modelwatch_feature_bin_current:ratio1h * 0 + 1e-4)',
    );
    expect(allRules.map((r) => r.expr).join('\n')).not.toMatch(/clamp_min/);
  });

  it('every alert (and each severity tier) has promtool tests where it fires and where it does not', () => {
    type AlertTest = { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] };
    const cases = testFiles.flatMap((f) => {
      const doc = parse(readFileSync(f, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] };
      return doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    });
    const problems: string[] = [];
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      const fired = mine.some((c) =>
        c.exp_alerts?.some((e) => e.exp_labels?.severity === a.labels?.severity),
      );
      const quiet = mine.some((c) => (c.exp_alerts ?? []).length === 0);
      if (!fired) problems.push(`${a.alert} (${a.labels?.severity}): no test where it fires`);
      if (!quiet) problems.push(`${a.alert}: no test where it does not fire`);
    }
    expect(problems).toEqual([]);
  });
});

describe('Alertmanager configuration', () => {
  it('amtool check-config accepts it and finds its templates', () => {
    const r = run('amtool', ['check-config', ALERTMANAGER_YML]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('1 templates');
    expect(r.output).toMatch(/SUCCESS/);
  });

  const routes = (labels: Record<string, string>): string => {
    const args = [
      'config',
      'routes',
      'test',
      `--config.file=${ALERTMANAGER_YML}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ];
    const r = run('amtool', args);
    expect(r.status, r.output).toBe(0);
    return r.stdout.trim();
  };

  it('routes critical alerts to PagerDuty and the critical Slack channel', () => {
    expect(
      routes({
        alertname: 'ModelDatasetDrift',
        severity: 'critical',
        category: 'drift',
        model: 'credit-risk',
      }),
    ).toBe('pagerduty-critical,slack-critical');
  });

  it('routes warnings to the warning Slack channel', () => {
    expect(
      routes({
        alertname: 'ModelFeatureDrift',
        severity: 'warning',
        category: 'drift',
        model: 'credit-risk',
        feature: 'age',
      }),
    ).toBe('slack-warning');
  });

  it('routes retraining recommendations to the retraining webhook, and to Slack', () => {
    expect(
      routes({
        alertname: 'ModelRetrainingRecommended',
        severity: 'warning',
        category: 'retraining',
        action: 'retrain',
        model: 'credit-risk',
      }),
    ).toBe('retrain-webhook,slack-warning');
  });

  it('routes an alert without severity to the default warning channel', () => {
    expect(routes({ alertname: 'Watchdog' })).toBe('slack-warning');
  });

  it('routes every alert of the rules by its labels', () => {
    for (const a of alerts) {
      const labels: Record<string, string> = { alertname: a.alert!, model: 'm', ...a.labels };
      const expected = [
        ...(labels.action === 'retrain' ? ['retrain-webhook'] : []),
        ...(labels.severity === 'critical' ? ['pagerduty-critical', 'slack-critical'] : ['slack-warning']),
      ].join(',');
      expect(routes(labels), a.alert).toBe(expected);
    }
  });

  it('groups by model and alertname, inhibits warnings by a critical of the same model and category, and sends the retraining webhook to the exporter', () => {
    const config = parse(readFileSync(ALERTMANAGER_YML, 'utf8')) as {
      route: { group_by: string[] };
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
      receivers: {
        name: string;
        webhook_configs?: { url: string; send_resolved: boolean }[];
        slack_configs?: { channel: string }[];
      }[];
    };
    expect(config.route.group_by).toEqual(['model', 'alertname']);
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['model', 'category'],
      },
    ]);
    const receiver = (name: string) => config.receivers.find((r) => r.name === name);
    expect(receiver('retrain-webhook')?.webhook_configs).toEqual([
      { url: 'http://exporter:9793/api/v1/alerts/retrain', send_resolved: false, max_alerts: 0 },
    ]);
    expect(receiver('slack-critical')?.slack_configs?.[0]?.channel).toBe('#ml-alerts-critical');
    expect(receiver('slack-warning')?.slack_configs?.[0]?.channel).toBe('#ml-alerts-warning');
    // No retraining alert is critical, so nothing can inhibit the retraining webhook.
    expect(
      alerts.filter((a) => a.labels?.category === 'retraining' && a.labels.severity === 'critical'),
    ).toEqual([]);
    // Secrets come from files, not from the configuration.
    const text = readFileSync(ALERTMANAGER_YML, 'utf8');
    expect(text).toContain('slack_api_url_file: /run/secrets/slack_api_url');
    expect(text).toContain('routing_key_file: /run/secrets/pagerduty_routing_key');
    expect(text).not.toMatch(/hooks\.slack\.com|routing_key:\s/);
  });

  it('templates render a readable title, text with summary, labels and runbook link, and a colour', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelwatch-template-'));
    const data = join(dir, 'data.json');
    writeFileSync(data, JSON.stringify(NOTIFICATION));
    const render = (text: string) => {
      const r = run('amtool', [
        'template',
        'render',
        `--template.glob=${join(RULES, 'templates', '*.tmpl')}`,
        `--template.data=${data}`,
        `--template.text=${text}`,
      ]);
      expect(r.status, r.output).toBe(0);
      return r.stdout;
    };
    expect(render('{{ template "modelwatch.title" . }}').trim()).toBe(
      '[FIRING:1] ModelFeatureDrift · credit-risk',
    );
    const body = render('{{ template "modelwatch.text" . }}');
    expect(body).toContain('*Feature age of model credit-risk has drifted* (warning)');
    expect(body).toContain('`feature=age`');
    expect(body).toContain(
      '<https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md#modelfeaturedrift|Runbook>',
    );
    expect(body).toContain('✅ *Feature income of model credit-risk has drifted*');
    expect(body).not.toContain('`alertname=');
    expect(render('{{ template "modelwatch.slack.color" . }}').trim()).toBe('warning');
    expect(render('{{ template "modelwatch.runbook" . }}').trim()).toBe(
      'https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md#modelfeaturedrift',
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('metric names in alert rules', () => {
  it('recording rules follow level:metric:operations', () => {
    for (const r of allRules.filter((x) => x.record))
      expect(r.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    expect(
      metricNames(allRules.find((r) => r.record === 'model_feature:modelwatch_feature_psi:fleet1h')!.expr),
    ).toEqual([
      'model_feature_bin:modelwatch_feature_bin_current:ratio1h_nonzero',
      'model_feature_bin:modelwatch_feature_bin_reference:ratio_nonzero',
    ]);
  });
});
