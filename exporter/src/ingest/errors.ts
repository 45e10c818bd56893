/** A rejected request: HTTP status, a message, and where in the batch the problem is. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 415 | 503 | 507,
    message: string,
    /** Index of the offending item in the batch (line for NDJSON), or null for the whole request. */
    readonly index: number | null,
    /** Dotted path of the offending field inside the item, or null. */
    readonly field: string | null,
    /** Label for `modelwatch_ingest_rejected_total{reason}`. */
    readonly reason: RejectReason,
  ) {
    super(message);
  }

  toJSON(): { error: string; index: number | null; field: string | null } {
    return { error: this.message, index: this.index, field: this.field };
  }
}

export type RejectReason =
  | 'invalid_json'
  | 'invalid_field'
  | 'type_mismatch'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'unavailable'
  | 'storage_full'
  | 'not_found';

export const REJECT_REASONS: readonly RejectReason[] = [
  'invalid_json',
  'invalid_field',
  'type_mismatch',
  'conflict',
  'too_large',
  'unsupported_media_type',
  'unauthorized',
  'unavailable',
  'storage_full',
  'not_found',
];
