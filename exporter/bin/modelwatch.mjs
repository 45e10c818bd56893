#!/usr/bin/env node
// The CLI runs the compiled JavaScript in exporter/dist, which `npm ci` builds (the root `prepare`
// script: scripts/build.mjs). Developers running the TypeScript sources use tsx instead
// (`npx tsx exporter/src/cli/bin.ts …`).
try {
  await import('../dist/cli.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('modelwatch: exporter/dist is missing; run `npm run build` (npm ci does it)\n');
    process.exit(1);
  }
  throw err;
}
