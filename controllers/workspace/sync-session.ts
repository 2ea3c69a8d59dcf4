/**
 * The SyncSession a file-synced Workspace owns (`<workspace>-sync`): alpha = the worktree, beta =
 * the workspace's sync volume, mode/exclude/conflict from `spec.sync`, paused while the workspace
 * is not Running (stopped or switched away). `desiredSyncSession` is pure; `ensureSyncSession`
 * creates or updates it and returns what is stored.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { API_VERSION, DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { LABEL_WORKSPACE } from '../providers/types.ts';
import { isConditionTrue } from '../runtime/conditions.ts';
import { syncVolumeName } from './desired.ts';
import { isOwnedBy, portBindingName, workspaceOwnerReference } from './port-bindings.ts';

/** Condition the SyncSession controller sets once both sides agreed (mirrors syncsession/status.ts). */
const INITIAL_SYNC_COMPLETE = 'InitialSyncComplete';

/** The SyncSession `ws` should own (its files live in a volume synced from `worktreePath`). */
export function desiredSyncSession(ws: Workspace, worktreePath: string): SyncSession {
  const sync = ws.spec.sync ?? {};
  const mode = sync.mode === undefined || sync.mode === 'bind' ? 'two-way-safe' : sync.mode;
  return {
    apiVersion: API_VERSION,
    kind: 'SyncSession',
    metadata: {
      name: portBindingName(ws.metadata.name, 'sync'),
      namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
      labels: { [LABEL_WORKSPACE]: ws.metadata.name },
      ownerReferences: [workspaceOwnerReference(ws)],
    },
    spec: {
      workspace: ws.metadata.name,
      alpha: worktreePath,
      beta: `volume://${syncVolumeName(ws.metadata.uid ?? '')}/`,
      mode,
      ...(sync.exclude !== undefined ? { exclude: [...sync.exclude] } : {}),
      ...(sync.conflict !== undefined ? { conflict: sync.conflict } : {}),
      paused: (ws.spec.state ?? 'Running') !== 'Running',
    },
  };
}

/** Creates or updates the owned session; returns the stored object. */
export async function ensureSyncSession(client: ResourceClient, ws: Workspace, worktreePath: string): Promise<SyncSession> {
  const want = desiredSyncSession(ws, worktreePath);
  const { namespace = DEFAULT_NAMESPACE, name } = want.metadata;
  let have: SyncSession | undefined;
  try {
    have = await client.get<SyncSession>('SyncSession', namespace, name);
  } catch (err) {
    if (!isErrorCode(err, 'NotFound')) throw err;
  }
  if (have === undefined) return client.create<SyncSession>(want);
  if (!isOwnedBy(have as never, ws.metadata.uid)) throw new Error(`syncsession ${name} exists and is not owned by workspace ${ws.metadata.name}`);
  const stored = JSON.parse(JSON.stringify(have.spec)) as Record<string, unknown>;
  const merged = { ...stored, ...JSON.parse(JSON.stringify(want.spec)) } as Record<string, unknown>;
  if (isDeepStrictEqual(stored, merged)) return have;
  return client.update<SyncSession>({ ...have, spec: { ...have.spec, ...want.spec } });
}

/** True once the session reports its initial sync complete. */
export function initialSyncComplete(session: SyncSession): boolean {
  return isConditionTrue(session.status?.conditions, INITIAL_SYNC_COMPLETE);
}
