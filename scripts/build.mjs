#!/usr/bin/env node
// Compiles the exporter's TypeScript to exporter/dist (the `prepare` script, so `npm ci` builds it):
// one ES module bundle for the CLI plus one per worker thread (exporter/src/thread/entries.ts names
// them), shared code in chunks beside them, node_modules left external except two CommonJS packages
// whose files cost more to load one by one than as part of a chunk: @duckdb/node-api (124 files: ~50 ms
// against ~10 ms, in a lazily loaded chunk; its native binding, @duckdb/node-bindings, stays external)
// and commander, which every command loads (~18 ms against ~8: `modelwatch --version` 10 ms sooner).
// Type checking is `npm run typecheck`; this only
// emits. A production-only install (npm ci --omit=dev, no esbuild) skips it.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'exporter/src');
const outdir = join(root, 'exporter/dist');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn(
    'modelwatch build skipped: esbuild is not installed (a production-only install); exporter/dist must come from a full install',
  );
  process.exit(0);
}

const { dependencies } = JSON.parse(readFileSync(join(root, 'exporter/package.json'), 'utf8'));
const bundled = new Set(['@duckdb/node-api', 'commander']);
const external = [
  ...Object.keys(dependencies).filter((d) => !bundled.has(d)),
  '@duckdb/node-bindings',
].flatMap((d) => [d, `${d}/*`]);

const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: {
    cli: join(src, 'cli/bin.ts'),
    'writer-thread': join(src, 'store/writer-thread.ts'),
    'multivariate-thread': join(src, 'evaluate/multivariate-thread.ts'),
    'compare-thread': join(src, 'compare/compare-thread.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // The bundled CommonJS code calls require(): give each ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // Flat: the worker URLs (thread/entries.ts) and version.ts's ../package.json are relative to each file.
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (!process.argv.includes('--quiet')) {
  console.log(`modelwatch: built exporter/dist in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
