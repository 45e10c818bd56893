/**
 * The metric names a dashboard or rule may query: the exporter's catalog (with histogram series
 * suffixes), Prometheus built-ins, the recording rules of alert-rules/, and prom-client's default
 * process metrics. Also the labels each catalog family carries, for checking label matchers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';
import { CATALOG } from '../../exporter/src/metrics/catalog';
import { REPO_ROOT } from './paths';

/** Labels Prometheus attaches to every scraped series. */
export const TARGET_LABELS = ['instance', 'job'] as const;

export interface KnownMetric {
  source: 'catalog' | 'prometheus' | 'recording-rule' | 'prom-client';
  /** Labels a matcher may use; null when not known statically (any label allowed). */
  labels: ReadonlySet<string> | null;
}

/** Series produced by Prometheus itself (scrapes and alerting). */
const PROMETHEUS_BUILTINS: Record<string, readonly string[] | null> = {
  up: TARGET_LABELS,
  scrape_duration_seconds: TARGET_LABELS,
  scrape_samples_scraped: TARGET_LABELS,
  scrape_samples_post_metric_relabeling: TARGET_LABELS,
  scrape_series_added: TARGET_LABELS,
  // Alert labels vary per rule.
  ALERTS: null,
  ALERTS_FOR_STATE: null,
};

export interface RuleGroupFile {
  groups: { name: string; interval?: string; rules: RuleDef[] }[];
}
export interface RuleDef {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const RULE_FILES = ['alert-rules/modelwatch.rules.yml', 'alert-rules/modelwatch.alerts.yml'] as const;

export function loadRules(file: string): RuleGroupFile {
  return parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as RuleGroupFile;
}

export function recordingRuleNames(): string[] {
  return RULE_FILES.flatMap((f) =>
    loadRules(f).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
  );
}

/** Names of prom-client's default metrics, asked from prom-client itself. */
export async function promClientDefaultMetrics(): Promise<Map<string, string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  return new Map(metrics.map((m) => [m.name, String(m.type)]));
}

/** Every series name that may be queried, with what is known about its labels. */
export async function knownMetrics(): Promise<Map<string, KnownMetric>> {
  const known = new Map<string, KnownMetric>();
  for (const family of CATALOG) {
    const labels = new Set<string>([...family.labels, ...TARGET_LABELS]);
    if (family.kind === 'histogram') {
      known.set(`${family.name}_bucket`, { source: 'catalog', labels: new Set([...labels, 'le']) });
      known.set(`${family.name}_sum`, { source: 'catalog', labels });
      known.set(`${family.name}_count`, { source: 'catalog', labels });
    } else {
      known.set(family.name, { source: 'catalog', labels });
    }
  }
  for (const [name, labels] of Object.entries(PROMETHEUS_BUILTINS)) {
    known.set(name, { source: 'prometheus', labels: labels ? new Set(labels) : null });
  }
  for (const name of recordingRuleNames()) known.set(name, { source: 'recording-rule', labels: null });
  for (const [name, type] of await promClientDefaultMetrics()) {
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count'])
        known.set(`${name}${suffix}`, { source: 'prom-client', labels: null });
    } else {
      known.set(name, { source: 'prom-client', labels: null });
    }
  }
  return known;
}
