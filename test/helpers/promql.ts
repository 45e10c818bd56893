/**
 * A small PromQL tokenizer that finds the series selectors of an expression: metric names and their
 * label matchers. It skips function and aggregation names, keywords, label lists of by/without/on/
 * ignoring/group_left/group_right, range and subquery brackets, numbers, durations, strings and
 * Grafana variables ($model, ${model}, [[model]], $__rate_interval). It is not a parser: it only
 * needs to be right about which identifiers are metric names, and it rejects unknown functions so
 * that a typo cannot hide a metric name.
 */

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'variable' | 'op' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the expression. */
  pos: number;
}

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  /** The unquoted value (Grafana variables left as written). */
  value: string;
}

export interface Selector {
  /** The metric name, or null for a bare `{…}` selector without `__name__="…"`. */
  metric: string | null;
  matchers: Matcher[];
  pos: number;
}

const AGGREGATIONS: ReadonlySet<string> = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);

/** Functions and aggregation operators of Prometheus 2.x. */
export const PROMQL_FUNCTIONS: ReadonlySet<string> = new Set([
  ...AGGREGATIONS,
  // functions
  'abs',
  'absent',
  'absent_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_count',
  'histogram_sum',
  'histogram_fraction',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'ln',
  'log2',
  'log10',
  'minute',
  'month',
  'predict_linear',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'time',
  'timestamp',
  'vector',
  'year',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
  'present_over_time',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'cos',
  'cosh',
  'sin',
  'sinh',
  'tan',
  'tanh',
  'deg',
  'rad',
  'pi',
  // `@ start()` / `@ end()`
  'start',
  'end',
]);

/** Keywords followed by a parenthesised label list. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Keywords that are neither metrics nor functions (compared lower-case). */
const KEYWORDS = new Set([
  ...LABEL_LIST_KEYWORDS,
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
]);

const DURATION = /^(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_])/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_:]*/;
const VARIABLE = /^(?:\$\{[^}]*\}|\$[A-Za-z0-9_]+|\[\[[^\]]*\]\])/;
const OPS = ['==', '!=', '=~', '!~', '>=', '<=', '>', '<', '=', '+', '-', '*', '/', '%', '^', '@'];

export class PromqlTokenError extends Error {
  override name = 'PromqlTokenError';
}

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '#') {
      const nl = expr.indexOf('\n', i);
      i = nl === -1 ? expr.length : nl + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let value = '';
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && c !== '`' && j + 1 < expr.length) {
          value += expr[j + 1];
          j += 2;
        } else {
          value += expr[j];
          j += 1;
        }
      }
      if (j >= expr.length) throw new PromqlTokenError(`unterminated string at ${i} in ${expr}`);
      tokens.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    const variable = VARIABLE.exec(rest);
    if (variable) {
      tokens.push({ kind: 'variable', text: variable[0], pos: i });
      i += variable[0].length;
      continue;
    }
    const duration = DURATION.exec(rest);
    if (duration) {
      tokens.push({ kind: 'duration', text: duration[0], pos: i });
      i += duration[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if ('(){}[],:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i += 1;
      continue;
    }
    throw new PromqlTokenError(`unexpected character ${JSON.stringify(c)} at ${i} in ${expr}`);
  }
  return tokens;
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

/** Index after the token closing the bracket opened at `open`. */
function skipBalanced(tokens: Token[], open: number, expr: string): number {
  const opener = tokens[open]!.text;
  const closer = opener === '(' ? ')' : opener === '[' ? ']' : '}';
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== 'punct') continue;
    if (t.text === opener) depth += 1;
    else if (t.text === closer) {
      depth -= 1;
      if (depth === 0) return j + 1;
    }
  }
  throw new PromqlTokenError(`unbalanced ${opener} at ${tokens[open]!.pos} in ${expr}`);
}

function parseMatchers(tokens: Token[], open: number, expr: string): { matchers: Matcher[]; next: number } {
  const matchers: Matcher[] = [];
  let j = open + 1;
  for (;;) {
    const t = tokens[j];
    if (isPunct(t, '}')) return { matchers, next: j + 1 };
    const label = tokens[j];
    const op = tokens[j + 1];
    const value = tokens[j + 2];
    if (
      label?.kind !== 'ident' ||
      op?.kind !== 'op' ||
      !['=', '!=', '=~', '!~'].includes(op.text) ||
      value?.kind !== 'string'
    ) {
      throw new PromqlTokenError(`bad label matcher at ${t?.pos ?? expr.length} in ${expr}`);
    }
    matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
    j += 3;
    if (isPunct(tokens[j], ',')) j += 1;
  }
}

/** The series selectors of a PromQL expression (Grafana variables allowed). */
export function selectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const out: Selector[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '[') {
      i = skipBalanced(tokens, i, expr);
      continue;
    }
    if (t.kind === 'punct' && t.text === '{') {
      const { matchers, next } = parseMatchers(tokens, i, expr);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=');
      out.push({
        metric: name ? name.value : null,
        matchers: matchers.filter((m) => m !== name),
        pos: t.pos,
      });
      i = next;
      continue;
    }
    if (t.kind !== 'ident') {
      i += 1;
      continue;
    }
    const lower = t.text.toLowerCase();
    const next = tokens[i + 1];
    if (LABEL_LIST_KEYWORDS.has(lower)) {
      i = isPunct(next, '(') ? skipBalanced(tokens, i + 1, expr) : i + 1;
      continue;
    }
    if (KEYWORDS.has(lower)) {
      i += 1;
      continue;
    }
    // `sum by (le) (…)`: an aggregation with its grouping before the argument list.
    if (
      AGGREGATIONS.has(t.text) &&
      next?.kind === 'ident' &&
      ['by', 'without'].includes(next.text.toLowerCase())
    ) {
      i += 1;
      continue;
    }
    if (isPunct(next, '(')) {
      if (!PROMQL_FUNCTIONS.has(t.text))
        throw new PromqlTokenError(`unknown function ${t.text} at ${t.pos} in ${expr}`);
      i += 1;
      continue;
    }
    if (isPunct(next, '{')) {
      const { matchers, next: after } = parseMatchers(tokens, i + 1, expr);
      out.push({ metric: t.text, matchers, pos: t.pos });
      i = after;
      continue;
    }
    out.push({ metric: t.text, matchers: [], pos: t.pos });
    i += 1;
  }
  return out;
}

/** Metric names used by an expression, in order of first use. */
export function metricNames(expr: string): string[] {
  const names: string[] = [];
  for (const s of selectors(expr)) {
    if (s.metric !== null && !names.includes(s.metric)) names.push(s.metric);
  }
  return names;
}

/**
 * Grafana's Prometheus template-variable queries: `label_values(selector, label)`,
 * `label_values(label)`, `query_result(expr)`, `metrics(regex)`, `label_names()`.
 * Returns the PromQL expression inside (if any) and the label asked for.
 */
export function variableQuery(query: string): { expr: string | null; label: string | null } {
  const q = query.trim();
  const lv = /^label_values\(\s*(?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)$/s.exec(q);
  if (lv) return { expr: lv[1]?.trim() || null, label: lv[2]! };
  const qr = /^query_result\((.*)\)$/s.exec(q);
  if (qr) return { expr: qr[1]!.trim(), label: null };
  if (/^(metrics|label_names)\(.*\)$/s.test(q)) return { expr: null, label: null };
  throw new PromqlTokenError(`not a Grafana Prometheus variable query: ${query}`);
}
