/**
 * A reference taken from a time range of the log (`PUT …/reference` with `{from_ts, to_ts}`, or
 * `reference.from_ts` in the config): the rows and their labels read, flattened into a table and
 * profiled. Pure over its own connection, so `serve` runs it on the stats worker thread (a range of
 * millions of rows held the event loop for seconds), tests and the CLI inline.
 */
import type { DB } from '../store/db';
import { LogReader } from '../store/reader';
import { checkReferenceColumns, NOT_COUNTED } from './columns';
import { buildProfile, type ColumnRoles, type ReferenceProfile } from './profile';
import { flattenRecord, InputError, TableBuilder } from './table';

export interface FromLogRequest {
  model: string;
  from: number;
  to: number;
  roles: ColumnRoles;
  sampleSize: number;
  maxFeatures: number;
}

export interface FromLogResult {
  rows: number;
  profile: ReferenceProfile;
}

export function profileFromLog(db: DB, req: FromLogRequest): FromLogResult {
  if (!(req.to > req.from)) throw new InputError('to_ts must be greater than from_ts');
  const roleNames = [req.roles.prediction, req.roles.score, ...req.roles.target];
  // Columns a valid reference can have: the features and attributes, plus outputs and bookkeeping.
  const builder = new TableBuilder(req.maxFeatures + NOT_COUNTED.size + roleNames.length);
  let line = 0;
  for (const record of new LogReader(db).rangeWithLabels(req.model, req.from, req.to))
    builder.add(flattenRecord(record, ++line));
  const table = builder.table;
  if (table.rows === 0)
    throw new InputError(`no predictions of model "${req.model}" between ${req.from} and ${req.to}`);
  checkReferenceColumns(table.names, { max_features: req.maxFeatures }, roleNames);
  return { rows: table.rows, profile: buildProfile(table, req.roles, req.sampleSize) };
}
