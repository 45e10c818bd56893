/**
 * User extensions (docs/configuration.md#plugins): each configured module is imported once at start-up and registers
 * its drift tests in the same registry the built-in tests use. A module exports `register(api)`
 * (or a default function) that calls `api.registerDriftTest({...})`.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/load';
import type { Config } from '../config/schema';
import { defaultDriftTestRegistry, registerDriftTest } from './registry';

export interface PluginApi {
  registerDriftTest: typeof registerDriftTest;
}

const loaded = new Set<string>();

export async function loadPlugins(modules: readonly string[]): Promise<void> {
  for (const spec of modules) {
    if (loaded.has(spec)) continue;
    let mod: { register?: unknown; default?: unknown };
    try {
      mod = (await import(spec.startsWith('/') ? pathToFileURL(spec).href : spec)) as typeof mod;
    } catch (err) {
      throw new ConfigError(`plugins: cannot load "${spec}": ${(err as Error).message}`);
    }
    const register = typeof mod.register === 'function' ? mod.register : mod.default;
    if (typeof register !== 'function')
      throw new ConfigError(`plugins: "${spec}" exports no register(api) function`);
    try {
      await (register as (api: PluginApi) => unknown)({ registerDriftTest });
    } catch (err) {
      throw new ConfigError(`plugins: "${spec}" failed to register: ${(err as Error).message}`);
    }
    loaded.add(spec);
  }
}

/** Every drift method named in the config must be `auto` or registered (after plugins loaded). */
export function checkDriftMethods(config: Config): void {
  const known = (m: string) => m === 'auto' || defaultDriftTestRegistry.has(m);
  const problems: string[] = [];
  const expected = `expected one of auto, ${defaultDriftTestRegistry.names().join(', ')}`;
  if (!known(config.drift.method)) problems.push(`drift.method: ${expected}, got "${config.drift.method}"`);
  config.models.forEach((m, i) => {
    if (m.drift?.method !== undefined && !known(m.drift.method))
      problems.push(`models[${i}].drift.method: ${expected}, got "${m.drift.method}"`);
    for (const [name, f] of Object.entries(m.features)) {
      if (f.method !== undefined && !known(f.method))
        problems.push(`models[${i}].features.${name}.method: ${expected}, got "${f.method}"`);
    }
  });
  if (problems.length) throw new ConfigError(`invalid configuration\n${problems.join('\n')}`);
}
