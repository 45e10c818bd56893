/**
 * Detection-quality benchmark (issue 8): for each drift scenario and drift method, seeded prediction
 * streams go through the exporter's evaluation as deployed (bench/detection/simulate.ts: one ModelMonitor
 * per method, default window / min_rows / evaluation interval, 1 or 3 confirmations), and the detection
 * delay after the injection and the false-alarm rate without drift are measured over several seeds.
 * Prints Markdown tables (the ones in docs/detection.md) and writes bench/results/detection.json.
 * Usage: npm run bench:detection [-- --seeds 10 --rows-per-step 500 --json bench/results/detection.json]
 * Other options: --reference-rows, --small-reference-rows (0: no small-reference auto), --inject-at,
 * --horizon, --none-rows, --scenarios a,b, --methods a,b, --confirm-three a,b, --threshold x.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DelaySummary,
  METHODS,
  type RunResult,
  SCENARIOS,
  type Scenario,
  scenario,
  simulate,
  simulationConfig,
  standardVariants,
  summarise,
  type VariantSummary,
} from './detection/simulate';

const ROOT = new URL('..', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    'first-seed': { type: 'string', default: '1' },
    'rows-per-step': { type: 'string', default: '500' },
    'reference-rows': { type: 'string', default: '20000' },
    'small-reference-rows': { type: 'string', default: '1000' },
    'inject-at': { type: 'string', default: '10000' },
    horizon: { type: 'string', default: '12000' },
    'none-rows': { type: 'string', default: '40000' },
    scenarios: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
    methods: { type: 'string', default: METHODS.join(',') },
    'confirm-three': { type: 'string', default: METHODS.join(',') },
    /** Config `drift.threshold`: replaces every method's default threshold (use with --methods). */
    threshold: { type: 'string' },
    json: { type: 'string', default: join(ROOT, 'bench/results/detection.json') },
  },
});

const SEEDS = Number(values.seeds);
const FIRST_SEED = Number(values['first-seed']);
const ROWS_PER_STEP = Number(values['rows-per-step']);
const REFERENCE_ROWS = Number(values['reference-rows']);
const SMALL_REFERENCE = Number(values['small-reference-rows']);
const INJECT_AT = Number(values['inject-at']);
const HORIZON = Number(values.horizon);
const NONE_ROWS = Number(values['none-rows']);
const scenarios: Scenario[] = values.scenarios.split(',').map((s) => scenario(s.trim()));
const methods = values.methods.split(',').map((m) => m.trim());
const confirmThree = values['confirm-three'].split(',').map((m) => m.trim());
const variants = standardVariants(confirmThree, SMALL_REFERENCE > 0 ? SMALL_REFERENCE : null).filter((v) =>
  methods.includes(v.method),
);
const raw: Record<string, unknown> =
  values.threshold === undefined ? {} : { drift: { threshold: Number(values.threshold) } };
const config = simulationConfig(variants, raw);
const interval = config.evaluation.interval;
const rate = ROWS_PER_STEP / interval;

const started = performance.now();
const load = loadavg()[0]!;
process.stderr.write(
  `detection benchmark: ${SEEDS} seeds × ${scenarios.length} scenarios × ${variants.length} monitors; ` +
    `window ${config.window.rows} rows, min_rows ${config.drift.min_rows}, ${ROWS_PER_STEP} rows per ` +
    `${interval} s evaluation (${rate.toFixed(1)} rows/s), reference ${REFERENCE_ROWS} rows\n`,
);

const runs = new Map<string, RunResult[]>();
for (let s = 0; s < SEEDS; s++) {
  const seed = FIRST_SEED + s;
  for (const sc of scenarios) {
    const t = performance.now();
    const none = sc.kind === 'none';
    const result = simulate({
      seed,
      scenario: sc,
      variants,
      referenceRows: REFERENCE_ROWS,
      injectAt: none ? NONE_ROWS : INJECT_AT,
      horizon: none ? 0 : HORIZON,
      rowsPerStep: ROWS_PER_STEP,
      config: raw,
    });
    runs.set(sc.name, [...(runs.get(sc.name) ?? []), result]);
    process.stderr.write(`  seed ${seed} ${sc.name}: ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
}
const summaries = new Map<string, VariantSummary[]>();
for (const sc of scenarios) summaries.set(sc.name, summarise(runs.get(sc.name)!));
const wallSeconds = (performance.now() - started) / 1000;

// ---------------------------------------------------------------------------------------------------
// Tables

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(x > 0 && x < 0.01 ? 1 : 0)}%`);
const streak = (n: number) =>
  n === 0 ? '—' : `${n} (${n * ROWS_PER_STEP} rows, ${Math.round((n * interval) / 60)} min)`;
const rateOf = (x: number | null) => (x === null ? 'n/a' : x === 0 ? '0' : x.toFixed(3));

function delayCell(d: DelaySummary): string {
  const on = d.flaggedAtInjection > 0 ? ` [on: ${pct(d.flaggedAtInjection)}]` : '';
  if (d.cases === 0 || d.detected === null) return `n/a${on}`;
  if (d.detected === 0) return `— (0%)${on}`;
  const median = d.medianRows === null ? `>${HORIZON}` : `${d.medianRows}`;
  const seconds = d.medianSeconds === null ? '' : ` / ${Math.round(d.medianSeconds)} s`;
  return `${median}${seconds} (${pct(d.detected)})${on}`;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const label = (v: VariantSummary['variant']) => [
  `${v.method}${v.decision === 'calibrated' ? ' calibrated' : ''}${v.referenceRows ? ` (ref ${v.referenceRows})` : ''}`,
  `${v.confirmations}`,
];

const out: string[] = [];
const quiet = summaries.get('none');
if (quiet) {
  out.push(
    `### False alarms without drift (${SEEDS} seeds × ${NONE_ROWS} rows; full ${config.window.rows}-row window)`,
    '',
    "Per evaluation: flagged share of evaluations (feature tests: of feature × evaluation pairs). Runs: share of runs (feature tests: of runs × features with a verdict) with at least one alarm. Longest dataset alarm: most consecutive flagged evaluations in one run (the rows streamed meanwhile, and the time at this traffic rate), what an alert rule's `for:` must outlast. Warm-up: evaluations while the window fills (≥ min_rows, < window rows).",
    '',
    table(
      [
        'method',
        'conf.',
        'tests (num_a, num_b, cat_a, cat_b; score)',
        'feature /eval',
        'feature runs',
        'dataset /eval',
        'dataset runs',
        'longest dataset alarm',
        'prediction /eval',
        'prediction runs',
        'warm-up dataset /eval',
      ],
      quiet.map((s) => [
        ...label(s.variant),
        `${s.tests.num_a}, ${s.tests.num_b}, ${s.tests.cat_a}, ${s.tests.cat_b}; ${s.tests.prediction}`,
        rateOf(s.falseAlarms.feature.perEvaluation),
        pct(s.falseAlarms.feature.runsWithAlarm),
        rateOf(s.falseAlarms.dataset.perEvaluation),
        pct(s.falseAlarms.dataset.runsWithAlarm),
        streak(s.falseAlarms.dataset.longestStreak),
        rateOf(s.falseAlarms.prediction.perEvaluation),
        pct(s.falseAlarms.prediction.runsWithAlarm),
        rateOf(s.warmupAlarms.dataset.perEvaluation),
      ]),
    ),
    '',
  );
}

const drifts = scenarios.filter((s) => s.kind !== 'none');
for (const [what, pick] of [
  ['Dataset drift (share of drifted features ≥ 0.5)', (s: VariantSummary) => s.dataset],
  ['Feature drift (each shifted feature counted separately)', (s: VariantSummary) => s.feature],
  ['Prediction drift (the score)', (s: VariantSummary) => s.prediction],
] as const) {
  if (drifts.length === 0) break;
  const first = summaries.get(drifts[0]!.name)!;
  out.push(
    `### ${what}: median delay after the injection, rows / simulated seconds (share of runs detected within ${HORIZON} rows)`,
    '',
    '"—": never flagged within the horizon; "n/a": the method gives no verdict on these columns; "[on: x%]": share of runs whose flag was already on (a standing false alarm) at the injection — those runs are left out of the delay.',
    '',
    table(
      ['method', 'conf.', ...drifts.map((d) => d.description)],
      first.map((s, i) => [
        ...label(s.variant),
        ...drifts.map((d) => delayCell(pick(summaries.get(d.name)![i]!))),
      ]),
    ),
    '',
  );
}

const timing = summaries.get(scenarios[0]!.name)!;
out.push(
  '### Mean time of one `ModelMonitor.evaluate` (ms, this machine)',
  '',
  table(
    ['method', 'conf.', ...scenarios.map((s) => s.name)],
    timing.map((s, i) => [
      ...label(s.variant),
      ...scenarios.map((sc) => summaries.get(sc.name)![i]!.evaluateMs.toFixed(1)),
    ]),
  ),
  '',
);

const command = `npm run bench:detection -- ${process.argv.slice(2).join(' ')}`.trim();
out.push(
  `Command: \`${command}\` — ${SEEDS} seeds, ${wallSeconds.toFixed(0)} s wall time on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (load ${load.toFixed(1)} at start), Node ${process.version}.`,
);
process.stdout.write(`${out.join('\n')}\n`);

// ---------------------------------------------------------------------------------------------------
// JSON

const json = {
  generated_at: new Date().toISOString(),
  command,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? null,
    node: process.version,
    load_at_start: load,
  },
  wall_seconds: wallSeconds,
  parameters: {
    seeds: Array.from({ length: SEEDS }, (_, i) => FIRST_SEED + i),
    rows_per_step: ROWS_PER_STEP,
    evaluation_interval_seconds: interval,
    rows_per_second: rate,
    window: config.window,
    min_rows: config.drift.min_rows,
    dataset_drift_share: config.thresholds.dataset_drift_share,
    threshold: config.drift.threshold ?? 'method default',
    reference_rows: REFERENCE_ROWS,
    reference_sample_size: config.reference.sample_size,
    inject_at_rows: INJECT_AT,
    horizon_rows: HORIZON,
    no_drift_rows: NONE_ROWS,
    variants,
  },
  // Without drift: the false alarms; with drift: the delays (their streams before the injection are the
  // no-drift stream's first rows, common random numbers, so their false alarms would repeat those).
  scenarios: scenarios.map((sc) => ({
    ...sc,
    variants: summaries.get(sc.name)!.map((v) => {
      const { feature, dataset, prediction, falseAlarms, warmupAlarms, quietScore, ...rest } = v;
      return sc.kind === 'none'
        ? { ...rest, falseAlarms, warmupAlarms, quietScore }
        : { ...rest, feature, dataset, prediction };
    }),
  })),
};
mkdirSync(dirname(values.json), { recursive: true });
/** A number with 4 significant digits (the JSON would otherwise carry every float's noise digits). */
const round = (v: unknown): unknown =>
  typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;

/** One value on one line, spaced as Biome formats JSON (`{ "a": 1 }`, `[1, 2]`). */
function inline(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(round(value)) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
}

/**
 * JSON laid out as Biome's formatter leaves it (line width 110, the repository's setting): a value stays on
 * its line when the line fits, otherwise it is broken one member per line (arrays of numbers: filled). `prefix` is what precedes the
 * value on its line (indent and key), `suffix` the comma after it.
 */
function pretty(value: unknown, indent = '', prefix = '', suffix = ''): string {
  const flat = inline(value);
  if (value === null || typeof value !== 'object' || prefix.length + flat.length + suffix.length <= 110)
    return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) {
    // Arrays of numbers are filled: as many per line as fit.
    const lines: string[] = [];
    let line = '';
    value.forEach((v, i) => {
      const item = `${inline(v)}${i < value.length - 1 ? ',' : ''}`;
      if (line !== '' && inner.length + line.length + 1 + item.length > 110) {
        lines.push(inner + line);
        line = item;
      } else line = line === '' ? item : `${line} ${item}`;
    });
    lines.push(inner + line);
    return `[\n${lines.join('\n')}\n${indent}]`;
  }
  const items: [string, unknown][] = Array.isArray(value)
    ? value.map((v) => ['', v])
    : Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [`${JSON.stringify(k)}: `, v]);
  const lines = items.map(([key, v], i) => {
    const comma = i < items.length - 1 ? ',' : '';
    return `${inner}${key}${pretty(v, inner, inner + key, comma)}${comma}`;
  });
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join('\n')}\n${indent}${close}`;
}
writeFileSync(values.json, `${pretty(json)}\n`);
process.stderr.write(`wrote ${values.json} (${wallSeconds.toFixed(0)} s)\n`);
