/**
 * User extensions (DESIGN §8): each configured module is imported once at start-up and registers
 * its drift tests in the same registry the built-in tests use. A module exports `register(api)`
 * (or a default function) that calls `api.registerDriftTest({...})`.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/load';
import { registerDriftTest } from './registry';

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
    if (typeof register !== 'function') throw new ConfigError(`plugins: "${spec}" exports no register(api) function`);
    try {
      await (register as (api: PluginApi) => unknown)({ registerDriftTest });
    } catch (err) {
      throw new ConfigError(`plugins: "${spec}" failed to register: ${(err as Error).message}`);
    }
    loaded.add(spec);
  }
}
