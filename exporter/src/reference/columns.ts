/**
 * The one check on a reference's columns (docs/api.md), run wherever a reference table or profile is
 * built or loaded — an upload, `reference import`, a log range, the config's file, a stored profile at
 * start-up — and by any reader before it allocates per-column state: at most `limits.max_features`
 * feature and attribute columns, every name within the one name rule, no reserved object key.
 */
import { isName, NAME_RULE, RESERVED_NAMES, shortName } from '../names';
import type { ReferenceProfile } from './profile';
import { InputError } from './table';

/** Columns that are never features or attributes (the model output, labels, log bookkeeping). */
export const NOT_COUNTED: ReadonlySet<string> = new Set([
  'model',
  'model_version',
  'prediction_id',
  'ts',
  'latency_seconds',
  'id',
  'prediction',
  'score',
  'label',
  'target',
]);

export interface ColumnLimits {
  max_features: number;
}

/**
 * Throws InputError (HTTP 400, CLI exit 2) naming the first offending column: a name outside the rule,
 * a reserved name, or more than `limits.max_features` feature/attribute columns. `roleNames`: the
 * columns configured as prediction, score or target, which do not count either.
 */
export function checkReferenceColumns(
  names: Iterable<string>,
  limits: ColumnLimits,
  roleNames: Iterable<string> = [],
): void {
  const roles = new Set(roleNames);
  let counted = 0;
  for (const name of names) {
    if (!isName(name)) throw new InputError(`column "${shortName(name)}": expected ${NAME_RULE}`);
    if (RESERVED_NAMES.has(name)) throw new InputError(`column "${name}" is a reserved name`);
    if (NOT_COUNTED.has(name) || roles.has(name)) continue;
    if (++counted > limits.max_features) {
      throw new InputError(
        `the reference has more than ${limits.max_features} feature and attribute columns (limits.max_features)`,
      );
    }
  }
}

/** The feature columns of a stored profile (what `checkReferenceColumns` checks at load). */
export function referenceColumns(profile: Pick<ReferenceProfile, 'features'>): string[] {
  return Object.keys(profile.features ?? {});
}
