import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRIFT_TESTS_MODULE, driftTestsModule } from '../scripts/drift-tests-module';
import { metricsMarkdown } from '../scripts/metrics-doc';

describe('documentation', () => {
  it('docs/metrics.md is generated from the current metric catalog', () => {
    const committed = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
    expect(committed, 'run: npx tsx scripts/metrics-doc.ts').toBe(metricsMarkdown());
  });

  it("the panel's drift-test module is generated from the exporter's registry", () => {
    const committed = readFileSync(new URL(`../${DRIFT_TESTS_MODULE}`, import.meta.url), 'utf8');
    expect(committed, 'run: npx tsx scripts/drift-tests-module.ts').toBe(driftTestsModule());
  });

  it('the README starts with the demo and test commands for a fresh machine', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const commands = readme.split('\n').filter((l) => l.startsWith('npm ci &&'));
    expect(commands[0]).toMatch(/^npm ci && npx modelwatch demo/);
    expect(commands[1]).toMatch(/^npm ci && npm test/);
    expect(readme.indexOf(commands[1]!)).toBeLessThan(800);
  });
});
