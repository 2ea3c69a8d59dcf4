/**
 * A workspace's idle timeout: its spec's `idleTimeout`, else the layered configuration's
 * `workspace.idle_timeout`. One definition, read by the Workspace controller (the idle policy) and
 * the PortBinding controller (a workspace with an idle policy stays on the userland forwarder, which
 * sees every connection). Pure.
 */
import type { Workspace } from './types/index.ts';
import { parseConfigDuration } from './duration.ts';

/** The idle timeout of `ws` in ms, or undefined when it never goes idle (`0`, `never`, or unset everywhere). */
export function idleTimeoutMs(ws: Workspace, defaultTimeout?: string): number | undefined {
  const text = ws.spec.idleTimeout ?? defaultTimeout;
  if (text === undefined || text === 'never' || text === '0') return undefined;
  const ms = parseConfigDuration(text);
  return ms === undefined || ms <= 0 ? undefined : ms;
}
