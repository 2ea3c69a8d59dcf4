/**
 * A Workspace holds the sync of the SyncSession it owns while it is not Running (stopped, or
 * paused by a switch). The session's engine is paused when `spec.paused` (the user's intent, set by
 * `boulder sync pause`) or this hold says so; neither overwrites the other: the Workspace
 * controller never writes `spec.paused` (workspace/owned-fields.ts), and the hold is read here
 * from the owning Workspace's spec.state, never copied into the session. A Workspace watch
 * (`runWorkspaceHoldWatch`) wakes the owned session when that state changes.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { DEFAULT_NAMESPACE, objectKey } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { Clock } from '../runtime/clock.ts';
import { runInformer } from '../runtime/informer.ts';
import type { Logger } from '../runtime/logger.ts';
import { portBindingName } from '../workspace/port-bindings.ts';

/** The uid of the Workspace that controls `session` (its controller owner reference), if any. */
export function controllingWorkspaceUid(session: SyncSession): string | undefined {
  return (session.metadata.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'Workspace')?.uid;
}

/**
 * Why `owner` holds `session`'s sync, or undefined when it does not (pure): only the Workspace
 * that controls the session (same uid) holds it, and only while its spec.state is not Running.
 */
export function workspaceHold(session: SyncSession, owner: Workspace | undefined): string | undefined {
  if (owner === undefined || owner.metadata.uid === undefined || owner.metadata.uid !== controllingWorkspaceUid(session)) return undefined;
  const state = owner.spec.state ?? 'Running';
  return state === 'Running' ? undefined : `workspace ${owner.metadata.name} is ${state}`;
}

/** The Workspace that controls `session`, or undefined (standalone session, or the workspace is gone). */
export async function owningWorkspace(client: ResourceClient, session: SyncSession): Promise<Workspace | undefined> {
  const uid = controllingWorkspaceUid(session);
  const name = (session.metadata.ownerReferences ?? []).find((r) => r.uid === uid)?.name;
  if (uid === undefined || name === undefined) return undefined;
  try {
    const ws = await client.get<Workspace>('Workspace', session.metadata.namespace ?? DEFAULT_NAMESPACE, name);
    return ws.metadata.uid === uid ? ws : undefined;
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** Key (`namespace/name`) of the session `ws` owns: `<workspace>-sync` (workspace/sync-session.ts). */
export function ownedSessionKey(ws: Workspace): string {
  return `${ws.metadata.namespace ?? DEFAULT_NAMESPACE}/${portBindingName(ws.metadata.name, 'sync')}`;
}

/** What `runWorkspaceHoldWatch` needs. */
export interface WorkspaceHoldWatchOptions {
  client: ResourceClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** Enqueues a SyncSession key. */
  enqueue: (key: string) => void;
}

/** Watches Workspaces until the signal aborts, waking a workspace's owned session whenever its spec.state changes. */
export function runWorkspaceHoldWatch(options: WorkspaceHoldWatchOptions): Promise<void> {
  const states = new Map<string, string>();
  return runInformer({
    client: options.client,
    kind: 'Workspace',
    clock: options.clock,
    log: options.log,
    signal: options.signal,
    onObject: (obj) => {
      const ws = obj as Workspace;
      const mode = ws.spec.sync?.mode;
      if (mode === undefined || mode === 'bind') return;
      const key = objectKey(ws);
      const state = ws.metadata.deletionTimestamp === undefined ? (ws.spec.state ?? 'Running') : 'Deleting';
      if (states.get(key) === state) return;
      states.set(key, state);
      options.enqueue(ownedSessionKey(ws));
    },
  });
}
