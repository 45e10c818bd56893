/** Figures of the benchmark parts, their targets and same-run baselines, printed as one table. */

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Measure {
  /** Stable key in bench.json, e.g. "scrape.p99_ms". */
  key: string;
  label: string;
  value: number;
  unit: string;
  target?: Target;
  /** value / baseline, the baseline measured in the same run. */
  ratio?: { value: number; of: string };
}

export interface PartResult {
  measures: Measure[];
  /** Everything measured, for bench.json. */
  raw: Record<string, unknown>;
  /** Why (part of) the part was not measured. */
  skipped?: string;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Nearest-rank percentile (p in [0, 100]) of unsorted values. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function passes(m: Measure): boolean | null {
  if (!m.target) return null;
  return m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value;
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  if (abs === 0) return '0';
  if (abs < 0.001) return x.toExponential(2);
  return x.toPrecision(3);
}

export function formatValue(value: number, unit: string): string {
  return unit === '' ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
}

function cells(m: Measure): string[] {
  const pass = passes(m);
  return [
    m.label,
    formatValue(m.value, m.unit),
    m.target ? `${m.target.op === '>=' ? '≥' : '≤'} ${formatValue(m.target.value, m.unit)}` : '',
    m.ratio ? `${formatNumber(m.ratio.value)} × ${m.ratio.of}` : '',
    pass === null ? '' : pass ? 'pass' : '**MISS**',
  ];
}

/** A Markdown table (measure | value | target | ratio | pass), aligned for the terminal. */
export function table(measures: readonly Measure[]): string {
  const head = ['measure', 'value', 'target', 'ratio (same run)', 'pass'];
  const rows = measures.map(cells);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
