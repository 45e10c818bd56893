/**
 * `modelwatch compare --format text`: the report as aligned plain-text tables, at most 100 columns wide.
 * Numbers are rounded for reading (4 significant digits); the JSON format has full precision.
 */
import type { CompareReport, FeatureDriftReport, PerformanceMetrics } from './report';

export const TEXT_WIDTH = 100;

/** A number for reading: 4 significant digits, exponent notation for very small or large values. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

function truncate(s: string, width: number): string {
  if (s.length <= width) return s;
  return `${s.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Left-aligned columns separated by two spaces; the first column is truncated so a row fits `width`.
 * Numeric-looking cells are right-aligned.
 */
export function table(
  header: string[],
  rows: string[][],
  width: number = TEXT_WIDTH,
  indent = '  ',
): string[] {
  const cols = header.length;
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const rest = widths.slice(1).reduce((a, b) => a + b + 2, 0);
  const firstMax = Math.max(8, width - indent.length - rest - 2);
  widths[0] = Math.min(widths[0]!, firstMax);
  const numeric = header.map(
    (_, c) => c > 0 && rows.length > 0 && rows.every((r) => /^[-+]?[\d.e+-]+$|^-$/.test(r[c] ?? '')),
  );
  const line = (cells: string[]): string => {
    const parts = cells.map((cell, c) => {
      const text = c === 0 ? truncate(cell, widths[0]!) : cell;
      return numeric[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!);
    });
    return `${indent}${parts.slice(0, cols).join('  ')}`.trimEnd();
  };
  return [line(header), ...rows.map(line)];
}

/** Wraps a note to the width with a hanging indent. */
function wrap(text: string, indent: string, width: number = TEXT_WIDTH): string[] {
  const words = text.split(/\s+/);
  const out: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.trim() !== '' && line.length + 1 + w.length > width) {
      out.push(line);
      line = `${indent}  ${w}`;
    } else line = line.trim() === '' ? `${line}${w}` : `${line} ${w}`;
  }
  if (line.trim() !== '') out.push(line);
  return out.map((l) => (l.length > width ? truncate(l, width) : l));
}

function verdict(r: FeatureDriftReport): string {
  if (r.drifted === null) return '?';
  return r.drifted ? 'DRIFT' : 'ok';
}

function driftRow(name: string, r: FeatureDriftReport): string[] {
  return [name, r.type, r.test ?? '-', formatNumber(r.score), formatNumber(r.threshold), verdict(r)];
}

function driftNotes(name: string, r: FeatureDriftReport): string[] {
  const lines: string[] = [];
  if (r.reason !== undefined) lines.push(...wrap(`${name}: ${r.reason}`, '    '));
  for (const note of r.notes ?? []) lines.push(...wrap(`${name}: ${note}`, '    '));
  return lines;
}

function metricKeys(m: PerformanceMetrics | null): string[] {
  return m === null ? [] : Object.keys(m);
}

export function formatCompareText(report: CompareReport): string {
  const out: string[] = [];
  out.push(`Rows: reference ${report.rows.reference}, current ${report.rows.current}`);

  const d = report.drift;
  out.push('');
  const decision =
    d.decision === 'calibrated'
      ? `calibrated, false-alarm budget ${d.false_alarm_run_length} turnovers`
      : 'threshold rule';
  out.push(
    `Data drift (method ${d.method}, ${decision}): ${d.dataset_drift ? 'DATASET DRIFT' : 'no dataset drift'}`,
  );
  const undetermined = d.undetermined_count ? `; ${d.undetermined_count} without a verdict` : '';
  out.push(
    `  ${d.drifted_count} of ${d.feature_count} features drifted, share ${formatNumber(d.share)}${undetermined}`,
  );
  const names = Object.keys(d.features);
  if (names.length === 0) out.push('  (no features)');
  else {
    out.push(
      ...table(
        ['feature', 'type', 'test', 'score', 'threshold', 'drifted'],
        names.map((n) => driftRow(n, d.features[n]!)),
      ),
    );
    const notes = names.flatMap((n) => driftNotes(n, d.features[n]!));
    if (notes.length > 0) out.push('  notes:', ...notes);
  }
  const mv = d.multivariate;
  if (mv) {
    out.push(`  multivariate over ${mv.features.length} numeric features:`);
    if (mv.mmd)
      out.push(`    MMD² ${formatNumber(mv.mmd.score)}, permutation p-value ${formatNumber(mv.mmd.p_value)}`);
    if (mv.classifier) {
      const top = Object.entries(mv.classifier.importance)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([name, share]) => `${name} ${formatNumber(share)}`)
        .join(', ');
      out.push(
        ...wrap(
          `domain classifier ROC AUC ${formatNumber(mv.classifier.score)} (0.5 = same); most telling: ${top}`,
          '    ',
        ),
      );
    }
    if (mv.reason) out.push(...wrap(mv.reason, '    '));
  }

  if (report.prediction_drift !== undefined) {
    const p = report.prediction_drift;
    out.push('');
    out.push(`Prediction drift (column ${p.column})`);
    out.push(...table(['column', 'type', 'test', 'score', 'threshold', 'drifted'], [driftRow(p.column, p)]));
    const notes = driftNotes(p.column, p);
    if (notes.length > 0) out.push('  notes:', ...notes);
  }

  if (report.performance !== undefined) {
    const perf = report.performance;
    out.push('');
    out.push(`Performance (${perf.task ?? 'no task'})`);
    if (perf.reason !== undefined) out.push(...wrap(perf.reason, '  '));
    const keys =
      metricKeys(perf.reference).length > 0 ? metricKeys(perf.reference) : metricKeys(perf.current);
    if (keys.length > 0) {
      const get = (m: PerformanceMetrics | null, k: string): number | null =>
        m === null ? null : ((m as unknown as Record<string, number | null>)[k] ?? null);
      out.push(
        ...table(
          ['metric', 'reference', 'current', 'change'],
          keys.map((k) => {
            const r = get(perf.reference, k);
            const c = get(perf.current, k);
            return [
              k,
              formatNumber(r),
              formatNumber(c),
              r === null || c === null ? '-' : formatNumber(c - r),
            ];
          }),
        ),
      );
    }
  }

  if (report.fairness !== undefined) {
    for (const [attribute, f] of Object.entries(report.fairness)) {
      out.push('');
      out.push(`Fairness: ${attribute} (current data)`);
      out.push(
        ...table(
          ['group', 'count', 'selection_rate', 'tpr', 'fpr'],
          Object.entries(f.groups).map(([g, v]) => [
            g,
            String(v.count),
            formatNumber(v.selection_rate),
            formatNumber(v.tpr),
            formatNumber(v.fpr),
          ]),
        ),
      );
      out.push(
        ...table(
          ['measure', 'difference', 'ratio'],
          [
            [
              'demographic parity',
              formatNumber(f.demographic_parity_difference),
              formatNumber(f.demographic_parity_ratio),
            ],
            [
              'equalized odds',
              formatNumber(f.equalized_odds_difference),
              formatNumber(f.equalized_odds_ratio),
            ],
            [
              'equal opportunity',
              formatNumber(f.equal_opportunity_difference),
              formatNumber(f.equal_opportunity_ratio),
            ],
          ],
        ),
      );
      const passes = f.disparate_impact_passes;
      out.push(
        `  disparate impact (four-fifths rule): ${passes === null ? 'undetermined' : passes ? 'passes' : 'FAILS'}`,
      );
    }
  }

  const q = Object.entries(report.data_quality);
  out.push('');
  out.push('Data quality (current data)');
  if (q.length === 0) out.push('  (no features)');
  else {
    out.push(
      ...table(
        ['feature', 'missing', 'out_of_range', 'unseen_category'],
        q.map(([n, v]) => [
          n,
          formatNumber(v.missing_share),
          formatNumber(v.out_of_range_share),
          formatNumber(v.unseen_category_share),
        ]),
      ),
    );
  }
  return `${out.map((l) => (l.length > TEXT_WIDTH ? truncate(l, TEXT_WIDTH) : l)).join('\n')}\n`;
}
