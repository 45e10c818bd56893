/**
 * Writes grafana-plugin/src/data/drift-tests.generated.ts from the exporter's drift-test registry
 * (exporter/src/stats/registry.ts), so the panel's display names and its list of p-value tests come from
 * the tests' own files. `npx tsx scripts/drift-tests-module.ts` regenerates it; test/docs.test.ts fails
 * when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { type DriftTestRegistry, defaultDriftTestRegistry } from '../exporter/src/stats/registry';

export const DRIFT_TESTS_MODULE = 'grafana-plugin/src/data/drift-tests.generated.ts';

/** A TypeScript string literal in the repository's style (single quotes). */
const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function driftTestsModule(registry: DriftTestRegistry = defaultDriftTestRegistry): string {
  const rows = registry
    .list()
    .map(
      (t) =>
        `  { name: ${quote(t.name)}, label: ${quote(t.label ?? t.name)}, direction: ${quote(t.direction)} },`,
    );
  return `// Generated from exporter/src/stats/registry.ts by \`npx tsx scripts/drift-tests-module.ts\`; do not edit.
// The exporter's drift tests: name (the \`method\` label), display name, and whether the score is a p-value.

export interface DriftTestInfo {
  name: string;
  label: string;
  direction: 'p_value' | 'distance';
}

export const DRIFT_TESTS: readonly DriftTestInfo[] = [
${rows.join('\n')}
];
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('..', import.meta.url).pathname;
  writeFileSync(`${root}${DRIFT_TESTS_MODULE}`, driftTestsModule());
  console.log(`wrote ${DRIFT_TESTS_MODULE}`);
}
