import { readFileSync } from 'node:fs';

/** The exporter's version, from its package.json (exported as `modelwatch_build_info{version}`). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
