/**
 * When a converge makes the workspace's git worktree (pure): before the desired state, as always,
 * or alongside `ensure`, so that `git worktree add` overlaps the container's create and start.
 * Alongside only when nothing before ensure needs the worktree's files and the runtime does not
 * read them at start:
 *   - the image is named (a build's context is the worktree: it needs the files first);
 *   - the files are bind-mounted (docker, sync mode `bind`; the mock backend models it): a volume
 *     or Pod sync copies the files, it needs them first; the main container runs boulder's
 *     keep-alive (providers/docker/container-spec.ts), which reads nothing, and a bind mount of the
 *     empty directory shows what git writes there afterwards;
 *   - git runs as boulder itself (no multi-user owner, whose git runs as that user);
 *   - the worktree does not exist yet (an existing one is confirmed cheaply, before);
 *   - no runtime exists yet (a running container keeps the directory it mounted at start: it must
 *     not mount a directory git has not filled, see the `remount` step).
 * Everything after ensure that needs the files (hooks, scripts, sync, status facts) runs after
 * the worktree is made either way (worktree-steps.ts).
 */
import type { Workspace } from '../../apis/types/index.ts';
import { backendOf, defaulted } from '../../apis/defaulted.ts';
import type { UnixOwner } from '../multi-user/index.ts';
import { namedImageOf, usesFileSync } from './desired.ts';

/** Why a worktree is made before the desired state rather than alongside ensure. */
export type WorktreeFirstReason = 'noRepository' | 'build' | 'owner' | 'notBindMounted' | 'worktreeExists' | 'runtimeExists';

/** When the worktree is made: `alongside` ensure, or `first` (with why). */
export type WorktreeTiming = { when: 'alongside' } | { when: 'first'; reason: WorktreeFirstReason };

/** What the converge found that decides the timing. */
export interface WorktreeTimingFacts {
  /** The multi-user owner of the workspace (undefined: single-user, boulder's own identity). */
  owner?: UnixOwner;
  /** Something is at the worktree's path already. */
  worktreeExists: boolean;
  /** The provider observed a runtime of the workspace. */
  runtimeExists: boolean;
}

/** True when the workspace's runtime bind-mounts its worktree (docker, or the mock modelling it, in sync mode `bind`). */
export function bindMountsWorktree(ws: Workspace): boolean {
  const backend = backendOf(ws);
  return (backend === 'docker' || backend === 'mock') && !usesFileSync(ws);
}

/**
 * What keeps `ws` from making its worktree alongside ensure whatever is on disk (the spec and
 * the owner); undefined when only the facts on disk decide.
 */
export function worktreeFirstBySpec(ws: Workspace, owner: UnixOwner | undefined): WorktreeFirstReason | undefined {
  if (defaulted(ws).spec.repository === undefined) return 'noRepository';
  if (namedImageOf(ws) === undefined) return 'build';
  if (owner !== undefined) return 'owner';
  if (!bindMountsWorktree(ws)) return 'notBindMounted';
  return undefined;
}

/** When `ws`'s worktree is made, given what the converge found (see the module comment). */
export function worktreeTiming(ws: Workspace, facts: WorktreeTimingFacts): WorktreeTiming {
  const reason = worktreeFirstBySpec(ws, facts.owner) ?? (facts.worktreeExists ? 'worktreeExists' : facts.runtimeExists ? 'runtimeExists' : undefined);
  return reason === undefined ? { when: 'alongside' } : { when: 'first', reason };
}
