/**
 * Runs once before the browser tests: builds the plugin with its real webpack production build when
 * dist/ is missing or older than its sources (CI runs from a fresh clone with no build step), then
 * bundles the harness host with esbuild.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const pluginDir = resolve(here, '..');
// under node_modules/.cache: rebuilt every run, ignored by git and Biome
export const harnessOut = join(pluginDir, 'node_modules', '.cache', 'mw-drift-harness');

function newestMtime(path: string): number {
  if (!existsSync(path)) {
    return 0;
  }
  const st = statSync(path);
  if (!st.isDirectory()) {
    return st.mtimeMs;
  }
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.endsWith('.test.ts') || entry.endsWith('.test.tsx')) {
      continue;
    }
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function pluginBuildIsStale(): boolean {
  const built = join(pluginDir, 'dist', 'module.js');
  if (!existsSync(built) || !existsSync(join(pluginDir, 'dist', 'plugin.json'))) {
    return true;
  }
  const inputs = Math.max(
    newestMtime(join(pluginDir, 'src')),
    newestMtime(join(pluginDir, '.config')),
    newestMtime(join(pluginDir, 'package.json')),
    newestMtime(join(pluginDir, 'README.md')),
  );
  return inputs > statSync(built).mtimeMs;
}

export default async function setup(): Promise<void> {
  if (pluginBuildIsStale()) {
    const t0 = Date.now();
    const run = spawnSync('npm', ['run', 'build'], { cwd: pluginDir, encoding: 'utf8', timeout: 240_000 });
    if (run.status !== 0) {
      throw new Error(`plugin build failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    console.log(`[grafana-plugin] built dist/ with webpack in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await build({
    entryPoints: [join(here, 'harness', 'host.tsx')],
    bundle: true,
    outfile: join(harnessOut, 'host.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'transform',
    minify: true,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
  });
}
