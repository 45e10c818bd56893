/**
 * The one path a batch of prediction items takes into the log, whichever route brought it
 * (POST /api/v1/predictions, the KServe CloudEvents sink): validate the whole batch, check every model
 * may be accepted, then write it in one transaction and apply it to the windows.
 */
import type { Config } from '../config/schema';
import type { Engine } from '../evaluate/engine';
import type { IngestSource } from '../ingest/body';
import { IngestError } from '../ingest/errors';
import { type PredictionRecord, validatePredictions } from '../ingest/validate';

export interface Accepted {
  accepted: number;
  duplicates: number;
}

/** Validates a batch and checks its models may be accepted; throws IngestError(400) naming the item. */
export function checkPredictions(
  engine: Engine,
  config: Config,
  items: readonly unknown[],
  fromLines = false,
): PredictionRecord[] {
  const records = validatePredictions(
    items,
    engine.now(),
    config.limits.max_features,
    (m) => engine.featureTypes(m),
    fromLines,
  );
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
  return records;
}

/** `source`: the items' NDJSON lines, when they came as NDJSON (see PredictionRecord.featuresJson). */
export async function acceptPredictions(
  engine: Engine,
  config: Config,
  items: readonly unknown[],
  source?: IngestSource,
): Promise<Accepted> {
  const fromLines = source !== undefined && source.lines.start.length === items.length;
  const records = checkPredictions(engine, config, items, fromLines);
  const result = await engine.ingest(records, fromLines ? source : undefined);
  return { accepted: records.length, duplicates: result.duplicates };
}
