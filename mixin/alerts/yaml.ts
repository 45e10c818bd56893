/**
 * Writes Prometheus rule files with the `yaml` library: block scalars for multi-line expressions,
 * folded descriptions, and the comments of the source above their groups and rules.
 */
import { Document, isMap, isSeq, type Node, Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { AlertGroup } from './alerts';

export interface RecordingRule {
  comment?: string;
  record: string;
  expr: string;
}
export interface RecordingGroup {
  comment?: string;
  name: string;
  interval?: string;
  rules: RecordingRule[];
}

const RUNBOOKS = 'https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md';

/** A comment as the `yaml` library writes it: each line after "#", with a space. */
const commentLines = (text: string) =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

/**
 * Spaces the YAML writer must not fold a line at: every space of a summary, and the spaces inside
 * `{{ ... }}` of a description (a template split across lines reads badly). They are written as
 * no-break spaces and turned back into spaces in the output.
 */
const NBSP = '\u00a0';
const keepTogether = (text: string) => text.replaceAll(' ', NBSP);
const keepTemplatesTogether = (text: string) => text.replace(/\{\{.*?\}\}/g, keepTogether);

function scalar(value: string, type?: Scalar.Type): Scalar {
  const s = new Scalar(value);
  if (type) s.type = type;
  return s;
}

function expr(text: string): Scalar {
  return text.includes('\n') ? scalar(`${text}\n`, Scalar.BLOCK_LITERAL) : scalar(text);
}

function render(
  header: string,
  groups: unknown[],
  comments: (string | undefined)[][],
  blankBefore: (rule: number, comment: string | undefined) => boolean,
): string {
  const doc = new Document({ groups });
  doc.commentBefore = commentLines(header);
  const seq = doc.get('groups', true) as YAMLSeq;
  seq.items.forEach((group, g) => {
    if (!isMap(group)) return;
    const [groupComment, ...ruleComments] = comments[g]!;
    if (groupComment) (group as Node).commentBefore = commentLines(groupComment);
    if (g > 0) (group as Node).spaceBefore = true;
    const rules = (group as YAMLMap).get('rules', true);
    if (!isSeq(rules)) return;
    rules.items.forEach((rule, r) => {
      const c = ruleComments[r];
      if (c) (rule as Node).commentBefore = commentLines(c);
      if (blankBefore(r, c)) (rule as Node).spaceBefore = true;
    });
  });
  return doc
    .toString({ lineWidth: 100, minContentWidth: 40, indentSeq: true })
    .replaceAll(NBSP, ' ')
    .replace(/^# $/gm, '#')
    .replace(/\n\ngroups:/, '\ngroups:');
}

export function alertsYaml(header: string, groups: AlertGroup[]): string {
  const plain = groups.map((g) => ({
    name: g.name,
    rules: g.rules.map((r) => ({
      alert: r.alert,
      expr: expr(r.expr),
      for: r.for,
      labels: { severity: r.severity, category: r.category, ...(r.action ? { action: r.action } : {}) },
      annotations: {
        summary: scalar(keepTogether(r.summary), Scalar.QUOTE_SINGLE),
        description: scalar(keepTemplatesTogether(r.description), Scalar.BLOCK_FOLDED),
        runbook_url: `${RUNBOOKS}#${r.alert.toLowerCase()}`,
      },
    })),
  }));
  return render(
    header,
    plain,
    groups.map((g) => [undefined, ...g.rules.map((r) => r.comment)]),
    (r) => r > 0,
  );
}

export function recordingYaml(header: string, groups: RecordingGroup[]): string {
  const plain = groups.map((g) => ({
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: g.rules.map((r) => ({ record: r.record, expr: expr(r.expr) })),
  }));
  return render(
    header,
    plain,
    groups.map((g) => [g.comment, ...g.rules.map((r) => r.comment)]),
    (r, comment) => r > 0 && comment !== undefined,
  );
}
