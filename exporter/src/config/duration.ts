/** Durations in config and CLI flags: "500ms", "15s", "5m", "1h", "7d", "2w" or a bare number of seconds. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/;

/** Parses a duration to seconds; returns null when the text is not a duration. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : null;
  const match = PATTERN.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return value * (UNITS[unit] ?? 1);
}

/** "200/s", "12000/m", "3/h" or a bare number per second → events per second. */
export function parseRate(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?\s*$/.exec(text);
  if (!match) return null;
  const per = { s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1;
  const value = Number(match[1]) / per;
  return value > 0 ? value : null;
}

/** "16mb", "512kb", "1gb" or a bare number of bytes. */
export function parseBytes(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) return null;
  const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * mult);
}
