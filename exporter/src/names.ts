/**
 * Names of models, features, attributes and references: 1-128 characters, no whitespace or control
 * characters. One rule for config, ingest and URLs (they end up as Prometheus label values and keys).
 */
export const NAME_RULE = 'a name of 1-128 characters without spaces or control characters';

export function isName(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return false;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
    if (c >= 0x80) ascii = false;
  }
  // ASCII whitespace is below 0x21; only other scripts need the Unicode test (ingest hot path).
  return ascii || !/\s/u.test(value);
}

/** Names that would be dangerous as object keys downstream (prototype pollution): never accepted. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Characters of a rejected name echoed back in an error (a 1 MB name is not sent back whole). */
const ECHO_MAX = 64;

/** A name as quoted in an error message or field path: at most 64 characters, then `…`. */
export function shortName(value: string): string {
  return value.length > ECHO_MAX ? `${value.slice(0, ECHO_MAX)}…` : value;
}
