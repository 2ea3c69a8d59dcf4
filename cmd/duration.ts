/**
 * Parses durations given on the command line (`--timeout=30s`): Go-style `1h2m3s`, `500ms`,
 * or a bare number of seconds.
 */
import { UsageError } from './cli-error.ts';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration text, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (unitMs[p[2] as string] as number), 0));
}

/** Reads a duration flag value, failing with a usage error when it is malformed. */
export function durationFlag(text: string | undefined, fallbackMs: number, flag: string, command: string): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`invalid duration "${text}" for --${flag} (use e.g. 30s, 2m, 1h30m)`, command);
  return ms;
}
