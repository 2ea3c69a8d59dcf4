/**
 * Where a rendered workspace's files are: /workspace in the workspace, and the worktree on the
 * host. `boulder up` renders no SyncSession: a Workspace whose sync mode is not `bind` owns its
 * session (`<name>-sync`), which the Workspace controller creates with the right endpoints.
 */
import { join } from 'node:path';

/** Where the workspace's files live in its container unless spec.workspaceFolder says otherwise (the Workspace controller's WORKSPACE_DIR). */
export const WORKSPACE_DIR = '/workspace';

/**
 * Host path of the worktree of workspace `name` of `repoPath`: `<repo>/.nexus/worktrees/<name>`
 * (the same rule as controllers/worktree/names.ts `worktreePath`, which apis/ does not import).
 */
export function worktreePathOf(repoPath: string, name: string): string {
  return join(repoPath, '.nexus', 'worktrees', name);
}
