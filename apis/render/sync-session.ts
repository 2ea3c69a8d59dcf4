/**
 * The SyncSession `boulder up` renders beside a Workspace whose sync mode is not `bind`: the
 * worktree on the host (alpha) synchronized with /workspace in the workspace (beta). Minimal on
 * purpose: the sync engine and its controller (issue 5) own what the fields mean.
 */
import { join } from 'node:path';
import { API_VERSION } from '../meta.ts';
import type { SyncSession, SyncSessionSpec, Workspace } from '../types/index.ts';
import { WORKSPACE_LABEL } from './labels.ts';

/** Where the workspace's files live in its container unless spec.workspaceFolder says otherwise (the Workspace controller's WORKSPACE_DIR). */
export const WORKSPACE_DIR = '/workspace';

/**
 * Host path of the worktree of workspace `name` of `repoPath`: `<repo>/.nexus/worktrees/<name>`
 * (the same rule as controllers/worktree/names.ts `worktreePath`, which apis/ does not import).
 */
export function worktreePathOf(repoPath: string, name: string): string {
  return join(repoPath, '.nexus', 'worktrees', name);
}

/** The SyncSession of `workspace`, or undefined when it needs none (no sync mode, or `bind`, or no repository). */
export function renderSyncSession(workspace: Workspace): SyncSession | undefined {
  const sync = workspace.spec.sync;
  const repository = workspace.spec.repository;
  if (sync?.mode === undefined || sync.mode === 'bind' || repository === undefined) return undefined;
  const name = workspace.metadata.name;
  const spec: SyncSessionSpec = {
    workspace: name,
    alpha: worktreePathOf(repository.path, name),
    beta: workspace.spec.workspaceFolder ?? WORKSPACE_DIR,
    mode: sync.mode,
    ...(sync.exclude === undefined ? {} : { exclude: [...sync.exclude] }),
    ...(sync.conflict === undefined ? {} : { conflict: sync.conflict }),
  };
  return {
    apiVersion: API_VERSION as SyncSession['apiVersion'],
    kind: 'SyncSession',
    metadata: {
      name,
      ...(workspace.metadata.namespace === undefined ? {} : { namespace: workspace.metadata.namespace }),
      labels: { ...workspace.metadata.labels, [WORKSPACE_LABEL]: name },
      ...(workspace.metadata.annotations === undefined ? {} : { annotations: { ...workspace.metadata.annotations } }),
    },
    spec,
  };
}
