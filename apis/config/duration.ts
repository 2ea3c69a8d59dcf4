/**
 * Durations in configuration files (`idle_timeout: 2h30m`): hours, minutes and seconds, each at most
 * once and in that order, the same grammar as a Workspace's `spec.idleTimeout`. One parser for every
 * layer (files, flags and NEXUS_* variables).
 */

/** The grammar of a configuration duration, as the JSON Schemas spell it. */
export const DURATION_PATTERN = '^(([0-9]+h)([0-9]+m)?([0-9]+s)?|([0-9]+m)([0-9]+s)?|[0-9]+s)$';

const DURATION = new RegExp(DURATION_PATTERN);
const PART = /(\d+)([hms])/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds of a duration such as `30m`, `1h` or `2h30m`; undefined when `text` is not one. */
export function parseConfigDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number);
  return ms;
}

/** The shortest duration text for whole seconds: 9000000 → `2h30m`, 45000 → `45s`, 0 → `0s`. */
export function formatConfigDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const text = `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
  return text === '' ? '0s' : text;
}
