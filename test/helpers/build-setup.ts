/**
 * vitest globalSetup of the cross-package tests: rebuilds exporter/dist from the current sources before
 * any test spawns the CLI, so the tests always run the real compiled bin and never a stale build.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export default function setup(): void {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs'), '--quiet'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building exporter/dist failed:\n${r.stdout}${r.stderr}`);
}
