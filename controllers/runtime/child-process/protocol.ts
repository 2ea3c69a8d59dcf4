/**
 * The messages between the daemon and its spawner (bin/boulder-spawner.js) over the IPC channel
 * (`serialization: 'advanced'`: strings and Buffers cross as they are). The spawner sends `ready`
 * once; then each request gets exactly one reply with its id.
 */
import type { ExecOptions, FailureDescription } from './types.ts';

/** One program to run: execFile's arguments and the bytes for its stdin. */
export interface SpawnRequest {
  id: number;
  file: string;
  args: string[];
  options: ExecOptions;
  input?: string | Uint8Array;
}

/** The spawner is listening (its first message). */
export interface ReadyMessage {
  ready: true;
}

/** The outcome of request `id`: what it printed, and why it failed when it did. */
export interface SpawnReply {
  id: number;
  stdout: string | Uint8Array;
  stderr: string | Uint8Array;
  failure?: FailureDescription;
}

/** True for the spawner's `ready` message. */
export function isReady(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { ready?: unknown }).ready === true;
}

/** True for a reply (an object with a numeric id and both outputs). */
export function isReply(message: unknown): message is SpawnReply {
  if (typeof message !== 'object' || message === null) return false;
  const reply = message as Partial<SpawnReply>;
  const output = (value: unknown): boolean => typeof value === 'string' || value instanceof Uint8Array;
  return typeof reply.id === 'number' && output(reply.stdout) && output(reply.stderr);
}
