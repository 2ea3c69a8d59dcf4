/**
 * Duration flags (`--timeout=30s`), read with the one duration grammar (apis/duration.ts).
 */
import { parseDuration } from '../apis/duration.ts';
import { UsageError } from './cli-error.ts';

/** Reads a duration flag value, failing with a usage error when it is malformed. */
export function durationFlag(text: string | undefined, fallbackMs: number, flag: string, command: string): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`invalid duration "${text}" for --${flag} (use e.g. 30s, 2m, 1h30m)`, command);
  return ms;
}
