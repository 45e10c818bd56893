/** The plugin's own tsconfig (extends @grafana/tsconfig) must type-check: `npm run typecheck -w grafana-plugin`. */
import { spawnSync } from 'node:child_process';

import { expect, it } from 'vitest';

import { pluginDir } from './globalSetup';

it('tsc --noEmit is clean for the plugin', () => {
  const r = spawnSync('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], {
    cwd: pluginDir,
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
});
