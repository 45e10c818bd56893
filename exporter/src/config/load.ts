import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema, type ModelConfig } from './schema';

/** A configuration problem the user must fix; the CLI prints `message` and exits with status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Formats zod issues as `models[0].features.age.method: expected …` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

export interface ConfigOverrides {
  db?: string;
  port?: number;
  host?: string;
  evaluationInterval?: number;
}

/** Validates a plain object (from YAML or tests) into a complete Config. */
export function buildConfig(raw: unknown, overrides: ConfigOverrides = {}, source = 'config'): Config {
  const input = (raw ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(`${source}: expected a mapping at the top level`);
  }
  const result = configSchema.safeParse(input);
  if (!result.success)
    throw new ConfigError(`${source}: invalid configuration\n${formatIssues(result.error.issues)}`);
  const config = result.data;
  if (overrides.db !== undefined) config.database.path = overrides.db;
  if (overrides.port !== undefined) config.listen.port = overrides.port;
  if (overrides.host !== undefined) config.listen.host = overrides.host;
  if (overrides.evaluationInterval !== undefined) config.evaluation.interval = overrides.evaluationInterval;
  const token = process.env.MODELWATCH_TOKEN;
  if (token && !config.auth.token) {
    if (token.length < 8)
      throw new ConfigError('MODELWATCH_TOKEN: expected a token of at least 8 characters');
    config.auth.token = token;
  }
  const seen = new Set<string>();
  config.models.forEach((m, i) => {
    if (seen.has(m.name))
      throw new ConfigError(
        `${source}: invalid configuration\nmodels[${i}].name: duplicate model "${m.name}"`,
      );
    seen.add(m.name);
  });
  return config;
}

/** Reads and validates a YAML config file; paths inside it are resolved relative to the file. */
export function loadConfig(path: string | undefined, overrides: ConfigOverrides = {}): Config {
  if (path === undefined) return buildConfig({}, overrides);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${path}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const detail = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(`${path}: not valid YAML: ${detail}`);
  }
  const config = buildConfig(raw, overrides, path);
  const base = dirname(resolve(path));
  if (overrides.db === undefined) config.database.path = resolve(base, config.database.path);
  config.plugins = config.plugins.map((p) => (p.startsWith('.') ? resolve(base, p) : p));
  for (const m of config.models) if (m.reference?.file) m.reference.file = resolve(base, m.reference.file);
  return config;
}

/** Settings for one model: its own entry, or defaults for a model discovered in the log. */
export function modelConfig(config: Config, model: string): ModelConfig {
  const found = config.models.find((m) => m.name === model);
  if (found) return found;
  return {
    name: model,
    features: {},
    discover_features: true,
    protected_attributes: [],
    intersections: [],
    segments: [],
    decision_threshold: 0.5,
  };
}
