/**
 * Writes docs/metrics.md from the metric catalog (exporter/src/metrics/catalog.ts), the one place
 * every family is defined. `npx tsx scripts/metrics-doc.ts` regenerates it; test/docs.test.ts fails
 * when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { CATALOG } from '../exporter/src/metrics/catalog';

export function metricsMarkdown(): string {
  const rows = CATALOG.map((f) => {
    const labels = f.labels.length ? f.labels.map((l) => `\`${l}\``).join(', ') : '—';
    const note = f.pending ? ` **Not populated yet:** ${f.pending}.` : '';
    return `| \`${f.name}\` | ${f.kind} | ${labels} | ${f.help.replace(/\|/g, '\\|')}${note} |`;
  });
  return `# Metrics reference

Generated from \`exporter/src/metrics/catalog.ts\` by \`npx tsx scripts/metrics-doc.ts\`; do not edit by hand.

All families carry HELP and TYPE lines and pass \`promtool check metrics\`. Ratios are 0–1, times are seconds,
counters end in \`_total\`. Label cardinality is bounded: at most \`limits.max_models\` models, features as
configured or discovered (\`limits.max_features\`), and at most \`limits.max_categories\` bins per categorical
feature (the rest is folded into \`__other__\`). The exporter also serves prom-client's default process and
Node.js metrics, except \`nodejs_active_handles_total\`, \`nodejs_active_requests_total\` and
\`nodejs_active_resources_total\` (gauges whose names end in \`_total\`, which \`promtool\` rejects).

Evaluation-derived gauges are rebuilt after each evaluation round; a scrape never computes statistics.
A series is absent when its value is undefined (for example a p-value for a distance-based test, or a
drift verdict while the window is below \`drift.min_rows\`).

| Metric | Type | Labels | Meaning |
|---|---|---|---|
${rows.join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/metrics.md', import.meta.url), metricsMarkdown());
}
