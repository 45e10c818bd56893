/**
 * docs/api.md: every reference column name becomes a label, so it follows the one name rule (names.ts),
 * and a reference has at most `limits.max_features` columns; otherwise 400 and nothing is saved.
 */
import { isName, NAME_RULE } from '../names';
import { InputError, type Table } from './table';

export function checkReferenceColumns(table: Table, maxFeatures: number): void {
  if (table.names.length > maxFeatures) {
    throw new InputError(
      `the reference has ${table.names.length} columns, more than limits.max_features (${maxFeatures})`,
    );
  }
  for (const name of table.names) {
    if (!isName(name)) throw new InputError(`column ${JSON.stringify(name)}: expected ${NAME_RULE}`);
  }
}
