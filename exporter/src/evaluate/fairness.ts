/**
 * Group fairness of the current window (docs/statistics.md "Fairness") per protected attribute and per configured
 * pair of attributes. The statistics are stats/fairness.ts; this module picks the rows (those whose
 * prediction is 0/1), reads the attribute columns, and bounds the groups: the `maxCategories − 1` groups
 * with most rows are kept and the rest is folded into one `__other__` group, which takes part in the
 * aggregates like any other group. Rows without the attribute form the group `(missing)`.
 * `fairnessCheck` adds the evaluation's notes and a finding per attribute failing the four-fifths rule.
 */
import type { ModelConfig } from '../config/schema';
import {
  type AttributeFairness,
  attributeFairness,
  intersectionalGroups,
  MISSING_GROUP,
} from '../stats/fairness';
import type { Task } from '../stats/performance';
import type { EncodedRows } from './encoding';
import { foldedGroups } from './performance';
import type { Finding } from './report';
import { type ColumnarWindow, OTHER } from './window';

export interface FairnessOutcome {
  /** The attribute, or `"a&b"` for an intersection of two attributes. */
  attribute: string;
  result: AttributeFairness;
  /** Rows judged (prediction 0/1) and how many of them had a usable label. */
  rows: number;
  labelled: number;
}

export interface FairnessSettings {
  minGroupSize: number;
  disparateImpact: number;
  maxCategories: number;
}

/** Group key per selected row for one attribute (missing → `(missing)`), before folding. */
function attributeValues(
  window: ColumnarWindow,
  attribute: string,
  rows: Int32Array,
): (string | null)[] | null {
  const col = window.attributes.columns.get(attribute);
  if (col?.type !== 'categorical') return null;
  const out = new Array<string | null>(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const c = col.codes[rows[k]!]!;
    out[k] = c < 0 ? null : col.dict[c]!;
  }
  return out;
}

/** Keeps the groups with most rows and folds the rest into `__other__` (at most `max` groups). */
function fold(keys: readonly string[], max: number): string[] {
  const dict: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    let c = index.get(keys[i]!);
    if (c === undefined) {
      c = dict.length;
      dict.push(keys[i]!);
      index.set(keys[i]!, c);
    }
    codes[i] = c;
  }
  const all = Int32Array.from({ length: keys.length }, (_, i) => i);
  const groups = foldedGroups(codes, dict, all, max);
  return keys.map((_, i) => groups.labels[groups.groupOfCode[codes[i]! + 1]!] ?? OTHER);
}

/**
 * Fairness per protected attribute and intersection over `slots` (the current window). Needs binary
 * predictions; labels (for TPR/FPR) are used where present. Attributes absent from the window's
 * attributes are reported in `missing`.
 */
export function windowFairness(
  window: ColumnarWindow,
  slots: Int32Array,
  encoded: Pick<EncodedRows, 'truth' | 'pred'>,
  attributes: readonly string[],
  intersections: readonly (readonly [string, string])[],
  settings: FairnessSettings,
): { outcomes: FairnessOutcome[]; missing: string[] } {
  const rowsBuf = new Int32Array(slots.length);
  let n = 0;
  for (const s of slots) if (!Number.isNaN(encoded.pred[s]!)) rowsBuf[n++] = s;
  const rows = rowsBuf.subarray(0, n);
  const yPred = new Uint8Array(n);
  const yTrue = new Float64Array(n);
  let labelled = 0;
  for (let k = 0; k < n; k++) {
    const s = rows[k]!;
    yPred[k] = encoded.pred[s]!;
    yTrue[k] = encoded.truth[s]!;
    if (!Number.isNaN(yTrue[k]!)) labelled++;
  }
  const options = { minGroupSize: settings.minGroupSize, disparateImpactThreshold: settings.disparateImpact };
  const outcomes: FairnessOutcome[] = [];
  const missing: string[] = [];
  const values = new Map<string, (string | null)[] | null>();
  const valuesOf = (attribute: string) => {
    if (!values.has(attribute)) values.set(attribute, attributeValues(window, attribute, rows));
    return values.get(attribute)!;
  };
  const judge = (attribute: string, keys: string[]) => {
    const groups = fold(keys, settings.maxCategories);
    outcomes.push({
      attribute,
      result: attributeFairness(groups, yPred, labelled > 0 ? yTrue : null, options),
      rows: n,
      labelled,
    });
  };
  if (n === 0) return { outcomes, missing };
  for (const attribute of attributes) {
    const v = valuesOf(attribute);
    if (!v) missing.push(attribute);
    else
      judge(
        attribute,
        v.map((x) => x ?? MISSING_GROUP),
      );
  }
  for (const [a, b] of intersections) {
    const va = valuesOf(a);
    const vb = valuesOf(b);
    if (!va || !vb) {
      for (const [name, v] of [
        [a, va],
        [b, vb],
      ] as const)
        if (!v && !missing.includes(name)) missing.push(name);
      continue;
    }
    judge(`${a}&${b}`, intersectionalGroups(va, vb));
  }
  return { outcomes, missing };
}

/** Fairness of the current window's predictions per protected attribute and intersection, with notes and findings. */
export function fairnessCheck(
  window: ColumnarWindow,
  config: Pick<ModelConfig, 'protected_attributes' | 'intersections'>,
  task: Task | null,
  encoded: EncodedRows,
  slots: Int32Array,
  settings: FairnessSettings,
  findings: Finding[],
  notes: string[],
): FairnessOutcome[] {
  const attributes = config.protected_attributes;
  const intersections = config.intersections;
  if (attributes.length === 0 && intersections.length === 0) return [];
  if (task !== null && task !== 'binary') {
    notes.push(`fairness needs a binary classifier (predicted positive = prediction 1); the task is ${task}`);
    return [];
  }
  const { outcomes, missing } = windowFairness(window, slots, encoded, attributes, intersections, settings);
  if (missing.length > 0)
    notes.push(`protected attributes not in the logged attributes of the window: ${missing.join(', ')}`);
  if (outcomes.length === 0 && slots.length > 0)
    notes.push('fairness not evaluated: no prediction in the window is 0 or 1');
  for (const o of outcomes) {
    const r = o.result;
    const excluded = Object.entries(r.excluded_groups);
    if (excluded.length > 0)
      notes.push(
        `fairness on ${o.attribute}: groups left out of the aggregates (fewer than ${settings.minGroupSize} rows): ${excluded.map(([g]) => `${g} (${r.groups[g]!.count})`).join(', ')}`,
      );
    if (o.labelled === 0)
      notes.push(
        `fairness on ${o.attribute}: no labels in the window, so no TPR/FPR (equalized odds, equal opportunity)`,
      );
    if (r.disparate_impact_passes === false) {
      // Info, not warning: a disparity is usually a standing property of the model rather than a change
      // in its health (the status stays about drift, performance and data); it is alerted on its own
      // (ModelFairnessViolation) and shown on the fairness dashboard.
      findings.push({
        type: 'fairness',
        severity: 'info',
        feature: o.attribute,
        metric: 'demographic_parity_ratio',
        window: 'current',
        value: r.demographic_parity_ratio,
        threshold: settings.disparateImpact,
        description:
          r.demographic_parity_ratio === null
            ? `no group of "${o.attribute}" is predicted positive: the demographic parity ratio is undefined and the four-fifths rule cannot pass`
            : `demographic parity ratio on "${o.attribute}" is ${r.demographic_parity_ratio.toFixed(3)}, below ${settings.disparateImpact} (four-fifths rule): selection rates ${selectionRates(r.groups, r.excluded_groups)}`,
      });
    }
  }
  return outcomes;
}

function selectionRates(
  groups: Record<string, { selection_rate: number }>,
  excluded: Record<string, string>,
): string {
  return Object.entries(groups)
    .filter(([g]) => !(g in excluded))
    .map(([g, v]) => `${g} ${v.selection_rate.toFixed(3)}`)
    .join(', ');
}
