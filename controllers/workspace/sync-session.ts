/**
 * The SyncSession a file-synced Workspace owns (`<workspace>-sync`): alpha = the worktree, beta =
 * the workspace's sync volume (docker) or its workspace folder in the running Pod (kubernetes, a
 * `pod://` address the provider names), mode/exclude/conflict from `spec.sync`. `desiredSyncSession`
 * is pure; `ensureSyncSession` creates it or updates only the fields the workspace owns
 * (owned-fields.ts) and returns what is stored. It never writes `spec.paused` (the user's pause,
 * set by `boulder sync pause`); while the workspace is not Running (stopped or switched away) the
 * SyncSession controller holds the session itself, reading this workspace's spec.state.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { API_VERSION, DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { isConditionTrue } from '../runtime/conditions.ts';
import { TerminalError } from '../runtime/errors.ts';
import { syncVolumeName } from './desired.ts';
import { ownedFieldsEqual, withOwnedFields } from './owned-fields.ts';
import { isOwnedBy, workspaceOwnerReference } from './port-bindings.ts';
import { ownedSyncSessionName } from '../../apis/sync-session-name.ts';
import { defaulted } from '../../apis/defaulted.ts';
import { INITIAL_SYNC_COMPLETE, WORKSPACE_LABEL } from '../../apis/names/index.ts';

/**
 * True when a kubernetes workspace's files are synced into its Pod (a sync mode other than bind):
 * they live in the Pod's PVC at the workspace folder, and the owned session's beta is that folder.
 * A sprite workspace's files are synced the same way into the Sprite (its disk persists).
 */
export function usesPodSync(ws: Workspace): boolean {
  const { spec } = defaulted(ws);
  return spec.sync.mode !== 'bind' && (spec.backend === 'kubernetes' || spec.backend === 'sprite');
}

/**
 * The SyncSession `ws` should own: its files are synced from `worktreePath` to `beta` (default:
 * the workspace's sync volume).
 */
export function desiredSyncSession(ws: Workspace, worktreePath: string, beta?: string): SyncSession {
  const { sync } = defaulted(ws).spec;
  const mode = sync.mode === 'bind' ? 'two-way-safe' : sync.mode;
  return {
    apiVersion: API_VERSION,
    kind: 'SyncSession',
    metadata: {
      name: ownedSyncSessionName(ws.metadata.name),
      namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
      labels: { [WORKSPACE_LABEL]: ws.metadata.name },
      ownerReferences: [workspaceOwnerReference(ws)],
    },
    spec: {
      workspace: ws.metadata.name,
      alpha: worktreePath,
      beta: beta ?? `volume://${syncVolumeName(ws.metadata.uid ?? '')}/`,
      mode,
      ...(sync.exclude !== undefined ? { exclude: [...sync.exclude] } : {}),
      // The workspace's own choice only: left unset, the session gets its kind's default (the same, manual).
      ...(ws.spec.sync?.conflict !== undefined ? { conflict: ws.spec.sync.conflict } : {}),
    },
  };
}

/** Creates or updates the owned session (beta as in `desiredSyncSession`); returns the stored object. */
export async function ensureSyncSession(client: ResourceClient, ws: Workspace, worktreePath: string, beta?: string): Promise<SyncSession> {
  const want = desiredSyncSession(ws, worktreePath, beta);
  const { namespace = DEFAULT_NAMESPACE, name } = want.metadata;
  const have = await getIfExists<SyncSession>(client, 'SyncSession', namespace, name);
  if (have === undefined) return client.create<SyncSession>(want);
  if (!isOwnedBy(have as never, ws.metadata.uid)) throw new Error(`syncsession ${name} exists and is not owned by workspace ${ws.metadata.name}`);
  if (ownedFieldsEqual(have, want)) return have;
  return client.update<SyncSession>(withOwnedFields(have, want));
}

/** True once the session reports its initial sync complete. */
export function initialSyncComplete(session: SyncSession): boolean {
  return isConditionTrue(session.status?.conditions, INITIAL_SYNC_COMPLETE);
}

/**
 * Throws the owned session's terminal failure for its current generation (a halt such as
 * UnsafePath, a refused endpoint: `Stalled=True`) as the workspace's own TerminalError, same
 * reason, so a workspace waiting for its initial sync reports it (Ready=False, Stalled) instead of
 * waiting for a sync that cannot complete. Does nothing otherwise.
 */
export function assertSyncNotStalled(session: SyncSession): void {
  const failure = terminalFailureOf(session);
  if (failure !== undefined) throw new TerminalError(failure.reason, `file sync syncsession/${session.metadata.name} cannot complete: ${failure.message}`);
}
