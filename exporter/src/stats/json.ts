/**
 * JSON representation of statistics. JSON has no infinities, but a chi-square statistic is +∞ when a
 * category absent from the reference appears in the current window (scipy's answer), and user tests may
 * return infinite distances. Convention for every report (compare --format json, /status, history):
 *
 * - finite numbers are written as numbers;
 * - +∞ / −∞ are written as the strings "Infinity" / "-Infinity" — what `Number()` in JavaScript and
 *   `float()` in Python parse back to the IEEE value, so a consumer that converts fields with either
 *   function needs no special case;
 * - NaN / undefined is `null` (results from stats/ never hold NaN; undefined statistics are null).
 *
 * Prometheus exposition needs none of this: its text format writes +Inf natively.
 */
import type { DriftStats } from './types';

export type JsonNumber = number | 'Infinity' | '-Infinity' | null;

export function toJsonNumber(x: number | null | undefined): JsonNumber {
  if (x === null || x === undefined || Number.isNaN(x)) return null;
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return x;
}

export function fromJsonNumber(v: JsonNumber | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return v;
}

/** The `stats` object of the compare JSON: same keys, values per the convention above. */
export function driftStatsToJson(stats: DriftStats): Record<string, JsonNumber> {
  const out: Record<string, JsonNumber> = {};
  for (const [key, value] of Object.entries(stats) as [string, number | null | undefined][]) {
    out[key] = toJsonNumber(value);
  }
  return out;
}

/** `JSON.stringify` replacer applying the convention to every number in a report. */
export function jsonNumberReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? toJsonNumber(value) : value;
}
