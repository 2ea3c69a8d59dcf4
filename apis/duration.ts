/**
 * Durations, one grammar for every place boulder reads one: a sequence of amounts with a unit,
 * `h`, `m`, `s` or `ms` (`2h30m`, `45s`, `500ms`, `1.5s`). Two uses narrow it:
 * - configuration files, `NEXUS_*` variables and a Workspace's `spec.idleTimeout`: whole hours,
 *   minutes and seconds, each at most once and in that order (`DURATION_PATTERN`, the schemas'
 *   pattern; `parseConfigDuration`);
 * - command-line flags (`--timeout=30s`): any sequence, decimals, `ms`, or a bare number of seconds
 *   (`parseDuration`).
 */

/** The configuration form of a duration, as the JSON Schemas spell it. */
export const DURATION_PATTERN = '^(([0-9]+h)([0-9]+m)?([0-9]+s)?|([0-9]+m)([0-9]+s)?|[0-9]+s)$';

const CONFIG_DURATION = new RegExp(DURATION_PATTERN);
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `text` when it is a sequence of amounts with units (nothing else); else undefined. */
function sumOfParts(text: string): number | undefined {
  const parts = [...text.matchAll(PART)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] as string] as number), 0));
}

/** Milliseconds of a command-line duration (`1h2m3s`, `500ms`, `1.5s`, or `30` seconds); undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  return sumOfParts(trimmed);
}

/** Milliseconds of a configuration duration such as `30m`, `1h` or `2h30m`; undefined when `text` is not one. */
export function parseConfigDuration(text: string): number | undefined {
  return CONFIG_DURATION.test(text) ? sumOfParts(text) : undefined;
}

/** The shortest configuration duration for whole seconds: 9000000 → `2h30m`, 45000 → `45s`, 0 → `0s`. */
export function formatConfigDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const text = `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
  return text === '' ? '0s' : text;
}
