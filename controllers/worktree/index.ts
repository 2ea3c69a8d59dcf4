/**
 * Git worktrees for workspaces: create (idempotent), remove (keeping uncommitted work), and the
 * repository's active-workspace record. Used by the Workspace controller; not a controller.
 */
export { readCurrentWorkspace, writeCurrentWorkspace } from './current.ts';
export { addPlannedWorktree, ensureWorktree, planWorktree, type EnsureWorktreeInput, type WorktreeAddPlan, type WorktreeInfo } from './ensure.ts';
export { isWorktreeError, WorktreeError, type WorktreeFailureReason } from './errors.ts';
export { EXCLUDE_PATTERNS } from './exclude.ts';
export { assertValidNames, defaultWorktreeBranch, isValidBranchName, isValidWorkspaceName, worktreePath } from './names.ts';
export { removeWorktree, type KeptReason, type RemoveWorktreeInput, type RemoveWorktreeResult } from './remove.ts';
export { DEFAULT_SUBMODULE_TIMEOUT_MS, type SubmoduleState } from './submodules.ts';
export { releaseWorktreeDir, reserveWorktreeDir, type WorktreeReservation } from './reserve.ts';
