/**
 * Reads the provisioned Grafana dashboards (provisioning/dashboards/*.json) and lists every
 * PromQL query in them: panel targets (rows' nested panels included), annotation queries and
 * template-variable queries.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export const DASHBOARD_DIR = join(REPO_ROOT, 'provisioning', 'dashboards');
export const DATASOURCE_UID = 'modelwatch-prometheus';

export interface DataSourceRef {
  type?: string;
  uid?: string;
}
export interface Target {
  refId: string;
  expr?: string;
  datasource?: DataSourceRef;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DataSourceRef;
  targets?: Target[];
  panels?: Panel[];
  collapsed?: boolean;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: unknown[] };
}
export interface Variable {
  name: string;
  type: string;
  datasource?: DataSourceRef;
  query: string | { query: string; refId?: string };
  definition?: string;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: { datasource?: DataSourceRef; expr?: string; name: string; builtIn?: number }[] };
}

export interface DashboardFile {
  file: string;
  dashboard: Dashboard;
}

export function loadDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard,
    }));
}

/** Top-level panels and the panels inside (collapsed) rows. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface Query {
  dashboard: string;
  /** "panel <title> / <refId>", "annotation <name>" or "variable <name>". */
  where: string;
  panelType?: string;
  expr: string;
  kind: 'panel' | 'annotation' | 'variable';
}

export function variableQueryText(v: Variable): string {
  return typeof v.query === 'string' ? v.query : v.query.query;
}

export function dashboardQueries(d: Dashboard): Query[] {
  const out: Query[] = [];
  for (const p of allPanels(d)) {
    for (const t of p.targets ?? []) {
      if (t.expr !== undefined) {
        out.push({
          dashboard: d.uid,
          where: `panel "${p.title}" / ${t.refId}`,
          panelType: p.type,
          expr: t.expr,
          kind: 'panel',
        });
      }
    }
  }
  for (const a of d.annotations.list) {
    if (a.expr)
      out.push({ dashboard: d.uid, where: `annotation "${a.name}"`, expr: a.expr, kind: 'annotation' });
  }
  for (const v of d.templating.list) {
    if (v.type === 'query')
      out.push({
        dashboard: d.uid,
        where: `variable $${v.name}`,
        expr: variableQueryText(v),
        kind: 'variable',
      });
  }
  return out;
}

/**
 * Replaces Grafana's variables by values that make a valid PromQL expression: `$model`-style
 * variables by the given values (a regex such as `.+` for "All"), `$__rate_interval` and friends
 * by durations.
 */
export function substituteVariables(
  expr: string,
  values: Record<string, string>,
  durations: { rate: string; range: string; interval: string },
): string {
  return expr
    .replaceAll('$__rate_interval', durations.rate)
    .replaceAll('$__range', durations.range)
    .replaceAll('$__interval', durations.interval)
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_whole, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      const value = values[name];
      if (value === undefined) throw new Error(`no value for variable $${name} in ${expr}`);
      return value;
    });
}
