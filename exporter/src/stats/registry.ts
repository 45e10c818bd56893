/**
 * Registry of drift tests (docs/configuration.md#plugins). Built-in tests are registered here; user modules add theirs with
 * `registerDriftTest` and then appear in reports and on /metrics like a built-in one. Adding a built-in
 * test is one file under drift-tests/ and one line in BUILTIN_DRIFT_TESTS.
 */
import { chiSquareTest } from './drift-tests/chisquare';
import { hellingerTest } from './drift-tests/hellinger';
import { jensenShannonTest } from './drift-tests/jensenshannon';
import { klTest } from './drift-tests/kl';
import { ksTest } from './drift-tests/ks';
import { psiTest } from './drift-tests/psi';
import { wassersteinTest } from './drift-tests/wasserstein';
import { zTest } from './drift-tests/ztest';
import type { DriftMethod, DriftTest } from './types';

/** The built-in tests, in the order of their statistics in a report (docs/compare.md `stats`). */
export const BUILTIN_DRIFT_TESTS = [
  ksTest,
  wassersteinTest,
  psiTest,
  klTest,
  jensenShannonTest,
  hellingerTest,
  chiSquareTest,
  zTest,
] as const;

export type BuiltinDriftMethod = (typeof BUILTIN_DRIFT_TESTS)[number]['name'];

/** Names of the built-in tests, in registry order. */
export const BUILTIN_DRIFT_METHODS: readonly BuiltinDriftMethod[] = BUILTIN_DRIFT_TESTS.map((t) => t.name);

/** Names usable in config files and as Prometheus label values. */
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

export class DriftTestRegistry {
  readonly #tests = new Map<string, DriftTest>();

  /** Add a test; throws on an invalid definition or a name that is already taken (including "auto"). */
  register(test: DriftTest): void {
    validateDriftTest(test);
    if (this.#tests.has(test.name)) throw new Error(`drift test "${test.name}" is already registered`);
    this.#tests.set(test.name, Object.freeze({ ...test, columnTypes: [...test.columnTypes] }));
  }

  get(name: DriftMethod): DriftTest | undefined {
    return this.#tests.get(name);
  }

  has(name: string): boolean {
    return this.#tests.has(name);
  }

  /** Registered names in registration order. */
  names(): string[] {
    return [...this.#tests.keys()];
  }

  list(): DriftTest[] {
    return [...this.#tests.values()];
  }
}

function validateDriftTest(test: DriftTest): void {
  if (typeof test !== 'object' || test === null) throw new TypeError('a drift test must be an object');
  const name: unknown = test.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(`drift test name must match ${NAME_PATTERN}, got ${JSON.stringify(name)}`);
  }
  if (name === 'auto') throw new Error('"auto" is reserved for the automatic choice of test');
  if (!Array.isArray(test.columnTypes) || test.columnTypes.length === 0) {
    throw new TypeError(`drift test "${name}": columnTypes must list "numeric" and/or "categorical"`);
  }
  for (const t of test.columnTypes) {
    if (t !== 'numeric' && t !== 'categorical')
      throw new TypeError(`drift test "${name}": unknown column type ${String(t)}`);
  }
  if (typeof test.defaultThreshold !== 'number' || !Number.isFinite(test.defaultThreshold)) {
    throw new TypeError(`drift test "${name}": defaultThreshold must be a finite number`);
  }
  if (test.direction !== 'p_value' && test.direction !== 'distance') {
    throw new TypeError(`drift test "${name}": direction must be "p_value" or "distance"`);
  }
  if (test.minEffect !== undefined && !(typeof test.minEffect === 'number' && test.minEffect >= 0))
    throw new TypeError(`drift test "${name}": minEffect must be a number ≥ 0`);
  for (const hook of ['noise', 'effect'] as const) {
    if (test[hook] !== undefined && typeof test[hook] !== 'function')
      throw new TypeError(`drift test "${name}": ${hook} must be a function`);
  }
  if (test.label !== undefined && (typeof test.label !== 'string' || test.label === ''))
    throw new TypeError(`drift test "${name}": label must be a non-empty string`);
  if (typeof test.compute !== 'function')
    throw new TypeError(`drift test "${name}": compute must be a function`);
}

/** A registry holding the built-in tests (a fresh one per call; tests use it for isolation). */
export function createDriftTestRegistry(): DriftTestRegistry {
  const registry = new DriftTestRegistry();
  for (const test of BUILTIN_DRIFT_TESTS) registry.register(test);
  return registry;
}

/** The process-wide registry the exporter and the CLI use (built-ins plus user modules). */
export const defaultDriftTestRegistry: DriftTestRegistry = createDriftTestRegistry();

/** Register a user drift test (docs/configuration.md#plugins) in the given registry, the default one unless told. */
export function registerDriftTest(
  test: DriftTest,
  registry: DriftTestRegistry = defaultDriftTestRegistry,
): void {
  registry.register(test);
}
