/**
 * The provisioned Grafana dashboards (provisioning/dashboards/*.json): structure, data source refs,
 * and that every PromQL query names only metrics the exporter exports (its catalog), Prometheus
 * built-ins, recording rules of alert-rules/ or prom-client default metrics, with labels those
 * metrics carry, and parses with promtool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CATALOG } from '../exporter/src/metrics/catalog';
import { run } from './helpers/binaries';
import {
  allPanels,
  DATASOURCE_UID,
  type Dashboard,
  dashboardQueries,
  loadDashboards,
  type Query,
  substituteVariables,
} from './helpers/dashboards';
import { type KnownMetric, knownMetrics, loadRules, RULE_FILES } from './helpers/metrics';
import { REPO_ROOT } from './helpers/paths';
import { metricNames, PromqlTokenError, selectors, tokenize, variableQuery } from './helpers/promql';

describe('PromQL selector extraction', () => {
  const cases: [string, string[]][] = [
    ['up{job="modelwatch"} == 0', ['up']],
    [
      'histogram_quantile(0.95, sum by (le, route) (rate(modelwatch_http_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
      ['modelwatch_http_request_duration_seconds_bucket'],
    ],
    [
      'a_total / on (model, feature) group_left () (sum by (model, feature) (b:c:d) > 0)',
      ['a_total', 'b:c:d'],
    ],
    ['label_replace(x_ratio > 0.1, "check", "missing", "", "")', ['x_ratio']],
    ['count(s == 2) or vector(0)', ['s']],
    ['avg_over_time(y:avg1h[7d] offset 1d)', ['y:avg1h']],
    ['max_over_time(rate(z_total[5m])[1h:1m])', ['z_total']],
    ['{__name__="w", job="a"}', ['w']],
    ['time() - foo_seconds', ['foo_seconds']],
    ['1e-4 + 0x1F * Inf - NaN / 2.5', []],
    ['x AND ON(model) y unless ignoring(bound) z', ['x', 'y', 'z']],
    ['sum(x) without (instance) # a comment naming not_a_metric\n+ sum(q) by (job)', ['x', 'q']],
    ['sum by (le) (rate(h_bucket[5m])) / count without (a, b) (c)', ['h_bucket', 'c']],
    ['(x > 0) or (x * 0 + 1e-4)', ['x']],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a JS template
    ['sum(rate(m{a="b", c!~"d|e"}[${__rate_interval}])) by (a) * [[scale]]', ['m']],
    ['topk(5, count_values("value", v)) @ end()', ['v']],
  ];
  it.each(cases)('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });

  it('returns label matchers with their operators and unquoted values', () => {
    expect(selectors('m{model="$model", feature=~"a|b", bin!="+Inf", w!~\'x\'}')).toEqual([
      {
        metric: 'm',
        pos: 0,
        matchers: [
          { label: 'model', op: '=', value: '$model' },
          { label: 'feature', op: '=~', value: 'a|b' },
          { label: 'bin', op: '!=', value: '+Inf' },
          { label: 'w', op: '!~', value: 'x' },
        ],
      },
    ]);
  });

  it('tells durations from numbers and identifiers', () => {
    expect(tokenize('x[1h30m] offset 5m > 10').map((t) => `${t.kind}:${t.text}`)).toEqual([
      'ident:x',
      'punct:[',
      'duration:1h30m',
      'punct:]',
      'ident:offset',
      'duration:5m',
      'op:>',
      'number:10',
    ]);
  });

  it('rejects unknown functions, broken matchers and unterminated strings', () => {
    expect(() => metricNames('rat(x[5m])')).toThrow(PromqlTokenError);
    expect(() => metricNames('x{model}')).toThrow(PromqlTokenError);
    expect(() => metricNames('x{model="a}')).toThrow(PromqlTokenError);
  });

  it('reads Grafana variable queries', () => {
    expect(variableQuery('label_values(m{model="$model"}, feature)')).toEqual({
      expr: 'm{model="$model"}',
      label: 'feature',
    });
    expect(variableQuery('label_values(model)')).toEqual({ expr: null, label: 'model' });
    expect(variableQuery('query_result(topk(3, x))')).toEqual({ expr: 'topk(3, x)', label: null });
  });
});

const EXPECTED = {
  'overview.json': 'modelwatch-overview',
  'drift.json': 'modelwatch-drift',
  'performance.json': 'modelwatch-performance',
  'fairness.json': 'modelwatch-fairness',
  'data-quality.json': 'modelwatch-data-quality',
  'exporter.json': 'modelwatch-exporter',
};

describe('provisioned dashboards', () => {
  const files = loadDashboards();
  const byUid = new Map(files.map((f) => [f.dashboard.uid, f.dashboard]));
  const dash = (uid: string): Dashboard => {
    const d = byUid.get(uid);
    if (!d) throw new Error(`no dashboard ${uid}`);
    return d;
  };
  const queries = files.flatMap((f) => dashboardQueries(f.dashboard));
  const promqlOf = (q: Query): string | null => (q.kind === 'variable' ? variableQuery(q.expr).expr : q.expr);
  let known: Map<string, KnownMetric>;

  beforeAll(async () => {
    known = await knownMetrics();
  });

  it('are the six dashboards with their fixed uids', () => {
    expect(Object.fromEntries(files.map((f) => [f.file, f.dashboard.uid]))).toEqual(EXPECTED);
    expect(new Set(files.map((f) => f.dashboard.title)).size).toBe(files.length);
  });

  it('use schemaVersion 39+ and refer to the Prometheus data source by uid everywhere', () => {
    const problems: string[] = [];
    for (const { dashboard: d } of files) {
      if (d.schemaVersion < 39) problems.push(`${d.uid}: schemaVersion ${d.schemaVersion}`);
      for (const p of allPanels(d)) {
        if (p.type === 'row' || p.type === 'text') continue;
        if (p.datasource?.uid !== DATASOURCE_UID || p.datasource.type !== 'prometheus')
          problems.push(`${d.uid} panel ${p.title}`);
        if (!p.targets?.length) problems.push(`${d.uid} panel ${p.title}: no targets`);
        for (const t of p.targets ?? []) {
          if (t.datasource?.uid !== DATASOURCE_UID)
            problems.push(`${d.uid} panel ${p.title} ${t.refId}: target datasource`);
          if (!t.expr?.trim()) problems.push(`${d.uid} panel ${p.title} ${t.refId}: empty expr`);
        }
        const refIds = (p.targets ?? []).map((t) => t.refId);
        if (new Set(refIds).size !== refIds.length)
          problems.push(`${d.uid} panel ${p.title}: duplicate refIds`);
      }
      for (const v of d.templating.list) {
        if (v.type === 'query' && v.datasource?.uid !== DATASOURCE_UID)
          problems.push(`${d.uid} variable ${v.name}`);
      }
      for (const a of d.annotations.list) {
        if (a.expr && a.datasource?.uid !== DATASOURCE_UID) problems.push(`${d.uid} annotation ${a.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lay panels out on the 24-column grid, without overlaps, with unique ids', () => {
    const problems: string[] = [];
    for (const { dashboard: d } of files) {
      const ids = allPanels(d).map((p) => p.id);
      if (new Set(ids).size !== ids.length) problems.push(`${d.uid}: duplicate panel ids`);
      const top = d.panels;
      for (const p of allPanels(d)) {
        const g = p.gridPos;
        if (g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1)
          problems.push(`${d.uid} ${p.title}: gridPos ${JSON.stringify(g)}`);
      }
      for (let i = 0; i < top.length; i++) {
        for (let j = i + 1; j < top.length; j++) {
          const a = top[i]!.gridPos;
          const b = top[j]!.gridPos;
          if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
            problems.push(`${d.uid}: "${top[i]!.title}" overlaps "${top[j]!.title}"`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('query only catalog metrics, Prometheus built-ins, recording rules or prom-client defaults', () => {
    expect(queries.length).toBeGreaterThan(100);
    const unknown: string[] = [];
    for (const q of queries) {
      const expr = promqlOf(q);
      if (expr === null) continue;
      const names = metricNames(expr);
      if (q.kind !== 'variable' && names.length === 0)
        unknown.push(`${q.dashboard} ${q.where}: no metric in ${expr}`);
      for (const name of names) if (!known.has(name)) unknown.push(`${q.dashboard} ${q.where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('match only labels that the catalog declares for the family (plus instance, job, le)', () => {
    const bad: string[] = [];
    for (const q of queries) {
      const expr = promqlOf(q);
      if (expr === null) continue;
      for (const s of selectors(expr)) {
        const labels = s.metric ? known.get(s.metric)?.labels : null;
        if (!labels) continue;
        for (const m of s.matchers)
          if (!labels.has(m.label)) bad.push(`${q.dashboard} ${q.where}: ${s.metric}{${m.label}}`);
      }
      if (q.kind === 'variable') {
        const { label } = variableQuery(q.expr);
        const metric = expr ? selectors(expr)[0]?.metric : null;
        const labels = metric ? known.get(metric)?.labels : null;
        if (label && labels && !labels.has(label))
          bad.push(`${q.dashboard} ${q.where}: ${metric} has no label ${label}`);
      }
    }
    expect(bad).toEqual([]);
  });

  describe('with promtool', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'modelwatch-dashboards-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('every query (variables substituted) is valid PromQL', () => {
      const values = { model: 'credit-risk', feature: '.+', attribute: '.+', instance: '.+' };
      const durations = { rate: '1m', range: '1h', interval: '15s' };
      const exprs = queries.flatMap((q) => {
        const expr = promqlOf(q);
        return expr === null ? [] : [{ q, expr: substituteVariables(expr, values, durations) }];
      });
      const file = join(dir, 'dashboard-queries.yml');
      writeFileSync(
        file,
        stringify({
          groups: [
            {
              name: 'dashboards',
              rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })),
            },
          ],
        }),
      );
      const r = run('promtool', ['check', 'rules', file]);
      expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status, r.output).toBe(0);
    });
  });

  it('drift: the drift panel gets the queries it reads (score as a range query for its heatmap), plus per-feature score and p-value series', () => {
    const d = dash('modelwatch-drift');
    const panel = allPanels(d).find((p) => p.type === 'modelwatch-drift-panel');
    expect(panel).toBeDefined();
    const exprs = panel!.targets!.map((t) => t.expr);
    expect(exprs).toEqual([
      'modelwatch_feature_bin_ratio{model="$model"}',
      'modelwatch_feature_drift_score{model="$model"}',
      'modelwatch_feature_drift_threshold{model="$model"}',
      'modelwatch_feature_drifted{model="$model"}',
      'modelwatch_reference_rows{model="$model"}',
      'modelwatch_window_rows{model="$model"}',
      'modelwatch_window_min_rows{model="$model"}',
      'modelwatch_feature_drift_p_value{model="$model"}',
    ]);
    // The panel finds series by __name__: plain selectors only; the score over time feeds its heatmap.
    expect(panel!.targets!.filter((t) => t.range).map((t) => t.refId)).toEqual(['B']);
    expect(panel!.targets!.filter((t) => !t.range).every((t) => t.instant)).toBe(true);
    expect(panel!.targets!.every((t) => selectors(t.expr!).length === 1)).toBe(true);
    expect((panel as unknown as { options: { model: string } }).options.model).toBe('$model');
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
    expect(variableQuery(String(vars.model?.definition)).label).toBe('model');
    expect(variableQuery(String(vars.feature?.definition))).toEqual({
      expr: 'modelwatch_feature_drift_score{model="$model"}',
      label: 'feature',
    });
    const timeseries = allPanels(d).filter((p) => p.type === 'timeseries');
    const tsExprs = timeseries.flatMap((p) => p.targets!.map((t) => t.expr!));
    expect(tsExprs).toContain('modelwatch_feature_drift_score{model="$model", feature=~"$feature"}');
    expect(tsExprs).toContain('modelwatch_feature_drift_p_value{model="$model", feature=~"$feature"}');
    expect(tsExprs.some((e) => e.startsWith('model_feature:modelwatch_feature_psi:fleet1h'))).toBe(true);
  });

  it('performance: realised against the estimate and its lower/upper band, label coverage and segments', () => {
    const d = dash('modelwatch-performance');
    const panels = allPanels(d);
    for (const metric of ['accuracy', 'f1', 'roc_auc']) {
      const band = panels.find((p) =>
        p.targets?.some(
          (t) => t.expr === `modelwatch_estimated_${metric}_ratio{model="$model", bound="estimate"}`,
        ),
      );
      expect(band, metric).toBeDefined();
      const exprs = band!.targets!.map((t) => t.expr);
      expect(exprs).toEqual([
        `modelwatch_model_${metric}_ratio{model="$model", segment=""}`,
        `modelwatch_estimated_${metric}_ratio{model="$model", bound="estimate"}`,
        `modelwatch_estimated_${metric}_ratio{model="$model", bound="upper"}`,
        `modelwatch_estimated_${metric}_ratio{model="$model", bound="lower"}`,
      ]);
      // The band is drawn by filling from the upper to the lower series.
      expect(JSON.stringify(band!.fieldConfig?.overrides)).toContain(
        '"custom.fillBelowTo","value":"lower band"',
      );
    }
    const all = queries.filter((q) => q.dashboard === d.uid).map((q) => q.expr);
    expect(all.some((e) => e.includes('modelwatch_label_coverage_ratio'))).toBe(true);
    expect(all.some((e) => e.includes('segment!=""'))).toBe(true);
  });

  it('fairness: group rates and parity ratios against a 0.8 threshold line', () => {
    const d = dash('modelwatch-fairness');
    const panels = allPanels(d);
    const parity = panels.find((p) =>
      p.targets?.some(
        (t) => t.expr?.startsWith('modelwatch_fairness_demographic_parity_ratio') && p.type === 'timeseries',
      ),
    );
    expect(parity).toBeDefined();
    const defaults = parity!.fieldConfig!.defaults as {
      thresholds: { steps: { value: number | null }[] };
      custom: { thresholdsStyle: { mode: string } };
    };
    expect(defaults.thresholds.steps.map((s) => s.value)).toContain(0.8);
    expect(defaults.custom.thresholdsStyle.mode).not.toBe('off');
    const names = new Set(
      queries.filter((q) => q.dashboard === d.uid).flatMap((q) => metricNames(promqlOf(q) ?? '')),
    );
    for (const n of [
      'modelwatch_group_selection_rate_ratio',
      'modelwatch_group_true_positive_rate_ratio',
      'modelwatch_group_false_positive_rate_ratio',
      'modelwatch_fairness_demographic_parity_difference',
      'modelwatch_fairness_equalized_odds_difference',
      'modelwatch_fairness_equal_opportunity_difference',
    ]) {
      expect(names, n).toContain(n);
    }
  });

  it('overview: status, traffic, drift share, performance and firing alerts of all models', () => {
    const names = new Set(
      queries
        .filter((q) => q.dashboard === 'modelwatch-overview')
        .flatMap((q) => metricNames(promqlOf(q) ?? '')),
    );
    for (const n of [
      'modelwatch_model_status',
      'modelwatch_predictions_total',
      'modelwatch_dataset_drift_share_ratio',
      'modelwatch_model_roc_auc_ratio',
      'ALERTS',
    ]) {
      expect(names, n).toContain(n);
    }
    expect(dash('modelwatch-overview').templating.list).toEqual([]);
  });

  it('exporter health: up, evaluation histogram, ingest rejects, HTTP latency, process metrics', () => {
    const qs = queries.filter((q) => q.dashboard === 'modelwatch-exporter');
    const names = new Set(qs.flatMap((q) => metricNames(promqlOf(q) ?? '')));
    for (const n of [
      'up',
      'modelwatch_evaluation_duration_seconds_bucket',
      'modelwatch_ingest_rejected_total',
      'modelwatch_http_request_duration_seconds_bucket',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names, n).toContain(n);
    }
    expect(qs.map((q) => q.expr)).toContain(
      'sum by (reason) (rate(modelwatch_ingest_rejected_total{instance=~"$instance"}[$__rate_interval]))',
    );
  });

  it('every catalog family is shown on a dashboard or used by a rule', () => {
    const used = new Set(queries.flatMap((q) => metricNames(promqlOf(q) ?? '')));
    for (const f of RULE_FILES)
      for (const g of loadRules(f).groups)
        for (const r of g.rules) for (const n of metricNames(r.expr)) used.add(n);
    const unused = CATALOG.filter((f) =>
      f.kind === 'histogram'
        ? !['_bucket', '_sum', '_count'].some((s) => used.has(f.name + s))
        : !used.has(f.name),
    ).map((f) => f.name);
    expect(unused).toEqual([]);
  });
});

describe('Grafana provisioning files', () => {
  it('define the Prometheus data source with the fixed uid the dashboards use', async () => {
    const { parse } = await import('yaml');
    const ds = parse(
      readFileSync(join(REPO_ROOT, 'provisioning/grafana/datasources/modelwatch.yml'), 'utf8'),
    ) as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string; access: string }[];
    };
    const prom = ds.datasources.find((d) => d.uid === DATASOURCE_UID);
    expect(prom).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', access: 'proxy' });
  });

  it('provide the dashboards through a file provider', async () => {
    const { parse } = await import('yaml');
    const provider = parse(
      readFileSync(join(REPO_ROOT, 'provisioning/grafana/dashboards/modelwatch.yml'), 'utf8'),
    ) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards/modelwatch' },
    });
  });
});
