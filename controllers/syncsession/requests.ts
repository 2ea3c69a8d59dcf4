/**
 * One-shot requests to a session's engine (flush, reset, resolve) travel through the store, so the
 * CLI needs no extra channel to the daemon that runs the engine: the CLI writes the annotation
 * `nexus.dev/sync-request` (JSON {id, op, path?, keep?}); the controller performs it once and
 * records the outcome in the `LastRequest` condition, whose message starts with the request id.
 */
import { isSafeRelativePath } from '../fs/relative-path.ts';

/** A request to the engine. */
export interface SyncRequest {
  /** Unique per request (the CLI uses a random id). */
  id: string;
  op: 'flush' | 'reset' | 'resolve';
  /** For resolve: the conflict's path. */
  path?: string;
  /** For resolve: which side's content stays. */
  keep?: 'host' | 'container';
}

/** The outcome of a request. */
export interface SyncRequestOutcome {
  id: string;
  ok: boolean;
  message: string;
}

/** Parses the annotation value; undefined when absent or malformed (a resolve path must be a safe relative path). */
export function parseSyncRequest(value: string | undefined): SyncRequest | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<SyncRequest>;
    if (typeof parsed.id !== 'string' || !['flush', 'reset', 'resolve'].includes(parsed.op ?? '')) return undefined;
    if (parsed.op === 'resolve' && (typeof parsed.path !== 'string' || !isSafeRelativePath(parsed.path) || (parsed.keep !== 'host' && parsed.keep !== 'container'))) return undefined;
    return parsed as SyncRequest;
  } catch {
    return undefined;
  }
}

/** The condition message of an outcome (`<id>: <message>`). */
export function outcomeMessage(outcome: SyncRequestOutcome): string {
  return `${outcome.id}: ${outcome.message}`;
}
