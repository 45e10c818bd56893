/**
 * The one path a batch of prediction items takes into the log, whichever route brought it
 * (POST /api/v1/predictions, the KServe CloudEvents sink): validate the whole batch, check every model
 * may be accepted, then write it in one transaction and apply it to the windows.
 */
import type { Config } from '../config/schema';
import type { Engine } from '../evaluate/engine';
import type { IngestSource } from '../ingest/body';
import { IngestError } from '../ingest/errors';
import {
  type PredictionRecord,
  type TsWindow,
  validatePredictions,
  validatePredictionsPausing,
} from '../ingest/validate';

export interface Accepted {
  accepted: number;
  duplicates: number;
}

/** The timestamps accepted now: [now − retention, now + limits.max_clock_skew] (docs/api.md). */
export function tsWindow(engine: Engine, config: Config): TsWindow {
  const now = engine.now();
  return { min: now - config.retention.predictions, max: now + config.limits.max_clock_skew };
}

/** Throws IngestError(400) naming the first item of a model that may not be accepted. */
function checkModels(engine: Engine, records: readonly PredictionRecord[]): void {
  const models = new Set(records.map((r) => r.model));
  for (const model of models) {
    if (!engine.acceptsModel(model)) {
      throw new IngestError(
        400,
        `model "${model}" is not accepted (model limit reached or model not configured)`,
        records.findIndex((r) => r.model === model),
        'model',
        'invalid_field',
      );
    }
  }
}

/** The arguments validation takes after the items, the same for every route. */
function validationArgs(engine: Engine, config: Config, fromLines: boolean) {
  return [
    engine.now(),
    config.limits.max_features,
    (m: string) => engine.featureTypes(m),
    fromLines,
    tsWindow(engine, config),
  ] as const;
}

/** Validates a batch and checks its models may be accepted; throws IngestError(400) naming the item. */
export function checkPredictions(
  engine: Engine,
  config: Config,
  items: readonly unknown[],
  fromLines = false,
): PredictionRecord[] {
  const records = validatePredictions(items, ...validationArgs(engine, config, fromLines));
  checkModels(engine, records);
  return records;
}

/** A batch that passed validation: its records, and their NDJSON lines when the writer slices from them. */
export interface CheckedBatch {
  records: PredictionRecord[];
  source: IngestSource | undefined;
}

/**
 * `source`: the items' NDJSON lines, when they came as NDJSON (see PredictionRecord.featuresJson).
 * `pause`: hands the event loop back every few hundred items while validating a large batch, so a
 * scrape waits for a chunk, not for the whole batch.
 */
export async function checkBatch(
  engine: Engine,
  config: Config,
  items: readonly unknown[],
  source?: IngestSource,
  pause?: () => Promise<void>,
): Promise<CheckedBatch> {
  const fromLines = source !== undefined && source.lines.start.length === items.length;
  let records: PredictionRecord[];
  if (pause === undefined) records = checkPredictions(engine, config, items, fromLines);
  else {
    records = await validatePredictionsPausing(items, ...validationArgs(engine, config, fromLines), pause);
    checkModels(engine, records);
  }
  return { records, source: fromLines ? source : undefined };
}

/** Writes a checked batch (all or nothing) and applies it to the windows. */
export async function writeBatch(engine: Engine, batch: CheckedBatch): Promise<Accepted> {
  const result = await engine.ingest(batch.records, batch.source);
  return { accepted: batch.records.length, duplicates: result.duplicates };
}

/** checkBatch, then writeBatch. */
export async function acceptPredictions(
  engine: Engine,
  config: Config,
  items: readonly unknown[],
  source?: IngestSource,
  pause?: () => Promise<void>,
): Promise<Accepted> {
  return writeBatch(engine, await checkBatch(engine, config, items, source, pause));
}

/**
 * Batches take turns through parsing and validation, in arrival order. Each still hands the event loop
 * back every few hundred items, so a scrape waits for a chunk; but the next batch starts only when the
 * one before is validated. When batches alternated chunks, every batch in flight finished validating
 * at about the same time, the log writer thread waited for the first of them and then got them all at
 * once, and the main thread then waited for it: a few per cent fewer predictions per second under
 * the ingest bench's 4 connections (docs/benchmarks.md, ingest).
 */
export class Turns {
  private last: Promise<void> = Promise.resolve();

  /** Runs `fn` once every turn taken before has ended (resolved or thrown). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.last;
    let end!: () => void;
    this.last = new Promise<void>((resolve) => {
      end = resolve;
    });
    try {
      await before;
      return await fn();
    } finally {
      end();
    }
  }
}
