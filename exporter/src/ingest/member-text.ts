/**
 * The raw text of one member of a JSON object, taken from the line it was parsed from. Ingest stores
 * a prediction's `features` object as JSON text; for NDJSON the client already sent that text, so
 * slicing it out saves re-serialising the parsed object (~3 µs per 20-feature row on the reference
 * machine against ~0.7 µs for the slice). The log writer thread does it (resolveFeatures in
 * store/predictions.ts), off the thread that parses and validates.
 *
 * Only called on text that `JSON.parse` has accepted. The result is the text of the value JSON.parse
 * used — the last top-level member whose key, once its escapes are decoded, is `key` — when it is an
 * object; null when that member is missing or not an object. storedMemberText adds the check that the
 * text holds no duplicate member (`quoteCount`) before it is stored.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index just past the string starting at `i` (which holds the opening quote). */
function skipString(text: string, i: number): number {
  let j = i;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j === -1) return text.length;
    if (!escaped(text, j)) return j + 1;
  }
}

/** Whether the character at `i` is escaped: preceded by an odd run of backslashes. */
function escaped(text: string, i: number): boolean {
  let n = 0;
  while (i - n - 1 >= 0 && text.charCodeAt(i - n - 1) === BACKSLASH) n++;
  return n % 2 === 1;
}

/** A JSON string (the text after it is JSON.parse-accepted, so it is well formed). */
const STRING = String.raw`"[^"\\]*(?:\\.[^"\\]*)*"`;
/** Text without brackets outside strings: from an object's `{` up to its first member that opens one. */
const FLAT_PREFIX = new RegExp(String.raw`\s*\{(?:[^"{}[\]]*${STRING})*[^"{}[\]]*`, 'y');
/** A flat object: its members hold scalars only. */
const FLAT_OBJECT = new RegExp(String.raw`\{(?:[^"{}[\]]*${STRING})*[^"{}[\]]*\}`, 'y');

/** The fast path's tokens for the last key asked for (always `features` in ingest): `"key"` and `"key":{`. */
let cachedKey = '';
let cachedQuoted = '';
let cachedToken = '';

function cacheKey(key: string): void {
  if (key === cachedKey) return;
  cachedKey = key;
  cachedQuoted = JSON.stringify(key);
  cachedToken = `${cachedQuoted}:{`;
}

/**
 * Per count of strings: a flat object holding exactly that many JSON strings, in text without
 * backslashes (so a string is `"[^"]*"`). Rows with some features missing have other counts; at most
 * FLAT_OBJECTS_KEPT are kept (then the cache starts again).
 */
const flatObjects = new Map<number, RegExp>();
const FLAT_OBJECTS_KEPT = 64;

function flatObjectOf(strings: number): RegExp {
  let re = flatObjects.get(strings);
  if (re === undefined) {
    if (flatObjects.size >= FLAT_OBJECTS_KEPT) flatObjects.clear();
    re = new RegExp(String.raw`\{(?:[^"{}[\]]*"[^"]*"){${strings}}[^"{}[\]]*\}`, 'y');
    flatObjects.set(strings, re);
  }
  return re;
}

/**
 * The member's value text. Fastest path, for the line ingest sees almost always (no `\u` escape in the
 * line, so every key that decodes to `key` is written literally — the other JSON escapes produce no
 * letters): `"key":{` is the first member holding an object (so it belongs to the top-level object),
 * its value is flat, and the key does not appear again after it (a later duplicate would win) — two
 * regular-expression scans. Otherwise a full scan that tracks strings and depth and decodes keys.
 *
 * (A path that took the last literal `"key":{` anywhere in the line stored the `features` of a
 * discarded duplicate `attributes` member, or the first of two `features` when the second was spelled
 * with escapes: issue 14, defect 3.)
 */
export function objectMemberText(text: string, key: string): string | null {
  if (text.indexOf('\\u') === -1) {
    const flat = flatMemberText(text, key);
    if (flat !== null) return flat;
  }
  return scanMemberText(text, key);
}

/**
 * Double quotes in `text`. In the text of a flat object with no escaped quote it is twice the members
 * plus twice the members holding a string: so it equals twice (distinct keys + string values) of the
 * parsed object exactly when no key is repeated (a repeat adds a member, and a string member at least
 * as often as a string value). resolveFeatures compares it with what validation counted.
 */
export function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * The text of the `key` member to store as the client sent it, or null when the parsed value must be
 * serialised again: the member JSON.parse takes (objectMemberText), with no escaped quote and exactly
 * `quotes` double quotes (what validation counted, see quoteCount: so no key is repeated).
 *
 * A line without any backslash (the usual one) is checked in one pass over the object: its strings
 * are then `"[^"]*"`, so a flat object with `quotes / 2` strings has exactly `quotes` double quotes and
 * no escaped one — the same answer as slicing and counting, for ~0.4 µs less per 20-feature row on the
 * log writer thread (docs/benchmarks.md, ingest). Any other line takes the slice-and-count path.
 */
export function storedMemberText(text: string, key: string, quotes: number): string | null {
  if (text.indexOf('\\') === -1 && quotes % 2 === 0) {
    // the flat object must also hold exactly quotes / 2 strings
    const plain = flatMemberText(text, key, flatObjectOf(quotes / 2));
    if (plain !== null) return plain;
  }
  const slice = objectMemberText(text, key);
  return slice !== null && slice.indexOf('\\"') === -1 && quoteCount(slice) === quotes ? slice : null;
}

/**
 * The fastest path's answer, or null when it does not apply (the caller then looks further). `object`:
 * the sticky pattern the value must match from its `{` (FLAT_OBJECT, or flatObjectOf's counted one).
 */
function flatMemberText(text: string, key: string, object: RegExp = FLAT_OBJECT): string | null {
  cacheKey(key);
  const at = text.indexOf(cachedToken);
  if (at === -1 || escaped(text, at)) return null;
  const open = at + cachedToken.length - 1;
  FLAT_PREFIX.lastIndex = 0;
  if (!FLAT_PREFIX.test(text) || FLAT_PREFIX.lastIndex !== open) return null;
  object.lastIndex = open;
  if (!object.test(text)) return null;
  const end = object.lastIndex;
  if (text.indexOf(cachedQuoted, end) !== -1) return null;
  return text.slice(open, end);
}

function scanMemberText(text: string, key: string): string | null {
  let depth = 0;
  let found: string | null = null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      // A key of the top-level object: a string at depth 1 followed by a colon, compared decoded.
      if (depth === 1 && sameKey(text, i, end, key)) {
        let j = end;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        if (j < n && text.charCodeAt(j) === COLON) {
          j++;
          while (j < n && isSpace(text.charCodeAt(j))) j++;
          const valueEnd = text.charCodeAt(j) === OPEN_BRACE ? matchingEnd(text, j) : -1;
          found = valueEnd > 0 ? text.slice(j, valueEnd) : null;
          if (valueEnd > 0) {
            i = valueEnd;
            continue;
          }
        }
      }
      i = end;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    i++;
  }
  return found;
}

/** Whether the JSON string text[start, end) decodes to `key`. */
function sameKey(text: string, start: number, end: number, key: string): boolean {
  const raw = text.slice(start + 1, end - 1);
  if (raw.indexOf('\\') === -1) return raw === key;
  return (JSON.parse(text.slice(start, end)) as string) === key;
}

/** Index just past the object or array opening at `start`, or -1 if it does not close. */
function matchingEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}
