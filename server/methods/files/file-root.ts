/**
 * Where a workspace's files live, for the file methods: a pure function of the Workspace object
 * and its status. A workspace with a worktree has its files on the host, in the worktree — the
 * bind mount's source, or the alpha side of the SyncSession that copies them into the container
 * (the sync picks up what the API writes), whatever the backend. A workspace without a worktree
 * keeps its files only inside its runtime; reaching those (exec + tar through the provider, as
 * the Pod sync endpoint does) is not implemented yet, and the methods say so.
 */
import { isAbsolute } from 'node:path';
import type { Workspace } from '../../../apis/types/index.ts';

/** The file root of a workspace: a host directory, or why there is none to serve. */
export type FileRoot = { kind: 'host'; path: string } | { kind: 'unavailable'; reason: string };

/** The file root of `ws` (see the module comment). */
export function fileRootOf(ws: Workspace): FileRoot {
  const name = `${ws.metadata.namespace ?? 'default'}/${ws.metadata.name}`;
  if (ws.metadata.deletionTimestamp !== undefined) return { kind: 'unavailable', reason: `workspace ${name} is being deleted` };
  if (ws.spec.repository === undefined) {
    return { kind: 'unavailable', reason: `workspace ${name} has no worktree (spec.repository is unset): its files live only in its ${ws.spec.backend ?? 'docker'} runtime, which the file API does not reach yet` };
  }
  const path = ws.status?.worktreePath;
  if (path === undefined || path === '') return { kind: 'unavailable', reason: `workspace ${name} has no worktree yet (status.worktreePath is unset)` };
  if (!isAbsolute(path)) return { kind: 'unavailable', reason: `workspace ${name} reports a worktree path that is not absolute` };
  return { kind: 'host', path };
}
