/**
 * Where a workspace's files live, for the file methods: a pure function of the Workspace object
 * and its status. A workspace with a worktree has its files on the host, in the worktree — the
 * bind mount's source, or the alpha side of the SyncSession that copies them into the container
 * (the sync picks up what the API writes), whatever the backend. A workspace without a worktree
 * (no `spec.repository`) keeps its files only inside its runtime — a Pod, a Sprite or a Docker
 * container — in its workspace folder (`spec.workspaceFolder`, default /workspace): those are
 * reached through the provider's exec (`runtime-fs.ts`, `runtime-script.ts`); `fs.watch` polls
 * there (a listing every 2 s) since no change notification crosses the exec.
 */
import { isAbsolute } from 'node:path';
import type { Workspace } from '../../../apis/types/index.ts';
import { workspaceFolder } from '../../../controllers/workspace/desired.ts';

/** The file root of a workspace: a host directory, a folder inside its runtime, or why there is none to serve. */
export type FileRoot = { kind: 'host'; path: string } | { kind: 'runtime'; folder: string } | { kind: 'unavailable'; reason: string };

/** The file root of `ws` (see the module comment). */
export function fileRootOf(ws: Workspace): FileRoot {
  const name = `${ws.metadata.namespace ?? 'default'}/${ws.metadata.name}`;
  if (ws.metadata.deletionTimestamp !== undefined) return { kind: 'unavailable', reason: `workspace ${name} is being deleted` };
  if (ws.spec.repository === undefined) {
    const folder = workspaceFolder(ws);
    if (!isAbsolute(folder)) return { kind: 'unavailable', reason: `workspace ${name} has a workspace folder that is not absolute` };
    return { kind: 'runtime', folder };
  }
  const path = ws.status?.worktreePath;
  if (path === undefined || path === '') return { kind: 'unavailable', reason: `workspace ${name} has no worktree yet (status.worktreePath is unset)` };
  if (!isAbsolute(path)) return { kind: 'unavailable', reason: `workspace ${name} reports a worktree path that is not absolute` };
  return { kind: 'host', path };
}
