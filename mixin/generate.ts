/**
 * Writes the generated monitoring files (`npm run generate`, alias `npm run dashboards`):
 * provisioning/dashboards/*.json from mixin/dashboards/ and alert-rules/modelwatch.{alerts,rules}.yml
 * from mixin/alerts/, with the thresholds of mixin/config.ts. With --check, writes nothing and exits 1 listing the files that differ from
 * what would be generated (test/generated.test.ts runs the same comparison).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALERT_GROUPS, ALERTS_HEADER } from './alerts/alerts';
import { RECORDING_GROUPS, RECORDING_HEADER } from './alerts/rules';
import { alertsYaml, recordingYaml } from './alerts/yaml';
import { DASHBOARDS } from './dashboards/index';

export const REPO_ROOT = join(fileURLToPath(import.meta.url), '..', '..');

/** Every generated file: path relative to the repository root → content. */
export function generated(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, dashboard] of Object.entries(DASHBOARDS))
    files.set(join('provisioning', 'dashboards', file), `${JSON.stringify(dashboard, null, 2)}\n`);
  files.set(join('alert-rules', 'modelwatch.alerts.yml'), alertsYaml(ALERTS_HEADER, ALERT_GROUPS));
  files.set(join('alert-rules', 'modelwatch.rules.yml'), recordingYaml(RECORDING_HEADER, RECORDING_GROUPS));
  return files;
}

/** Generated files whose committed content differs (or that are missing). */
export function stale(): string[] {
  const out: string[] = [];
  for (const [path, content] of generated()) {
    let current: string | null = null;
    try {
      current = readFileSync(join(REPO_ROOT, path), 'utf8');
    } catch {}
    if (current !== content) out.push(path);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const files = stale();
    for (const f of files) console.error(`stale: ${f} (run npm run dashboards)`);
    process.exit(files.length > 0 ? 1 : 0);
  }
  for (const [path, content] of generated()) writeFileSync(join(REPO_ROOT, path), content);
}
