/**
 * What one converge of a Workspace works on: its dependencies and context, the live status, the
 * phase timer and what each step found for the steps after it (converge.ts, sync-steps.ts).
 */
import type { Workspace, WorkspaceScriptsStatus } from '../../apis/types/index.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { DesiredRuntime, EnsureResult, ObservedRuntime, Provider } from '../providers/types.ts';
import type { WorkspaceTrustContext } from '../trust/policy.ts';
import type { ActivityTracker } from './activity.ts';
import type { IdleDecision } from './idle.ts';
import type { LiveStatus } from './live-status.ts';
import type { PhaseTimer } from './phase-timer.ts';
import type { PortBindingChanges } from './port-bindings.ts';
import type { SecretSources } from './secrets.ts';
import type { HookRun, WorktreeFacts } from './status.ts';
import type { WorktreeAddPlan, WorktreeReservation } from '../worktree/index.ts';
import type { MultiUserOptions, UnixOwner } from '../multi-user/index.ts';

/** What the Workspace reconciler needs besides the reconcile context. */
export interface WorkspaceReconcilerDeps {
  providers: ProviderRegistry;
  /** Where secret values come from (default: this process's environment and files). */
  secretSources?: SecretSources;
  /** Whose identity a workspace may use (default: local trust; see controllers/trust/policy.ts). */
  trust?: WorkspaceTrustContext;
  /** The daemon's record of activity (exec, forwarded connections, sync, API calls); see activity.ts. */
  activity?: ActivityTracker;
  /** `workspace.idle_timeout` of the layered configuration, for workspaces whose spec sets none. */
  defaultIdleTimeout?: string;
  /** Multi-user node: effects run with the rights of the owner of the workspace's namespace. */
  multiUser?: MultiUserOptions;
}

/** The worktree as a converge made or confirmed it. */
export type ConvergedWorktree = WorktreeFacts & {
  /** The repository's common git dir (mounted at its own path, see desired.ts `worktreeMounts`). */
  commonGitDir: string;
  /** True when this converge created it. */
  created: boolean;
};

/** A worktree checked and not made yet: where it will be (all the desired state needs of it) and its `git worktree add`. */
export interface PlannedWorktree {
  path: string;
  commonGitDir: string;
  add: WorktreeAddPlan;
}

/** The empty directory reserved for a worktree made alongside ensure. */
export interface ReservedWorktree extends WorktreeReservation, PlannedWorktree {
  /**
   * Resolved by the ensure step when it ended (either way): until then the engine may still
   * resolve the directory as a bind mount's source (container create and start), so a failed
   * `worktreeAdd` removes it only after that.
   */
  readonly ensureEnded: PromiseWithResolvers<void>;
}

/** The provider's ensure, as the ensure step saw it. */
export interface EnsureOutcome {
  result: EnsureResult;
  /** Clock time (ms) when the ensure started. */
  startedAt: number;
  /** How long it took (ms, on the reconcile's clock). */
  ms: number;
}

/** One converge of a Workspace; fields below `phases` are filled in by the steps named beside them. */
export interface ConvergeScope {
  /** The workspace as read at the start (`live.object` is the latest stored one). */
  readonly ws: Workspace;
  readonly deps: WorkspaceReconcilerDeps;
  readonly ctx: ReconcileContext;
  readonly live: LiveStatus;
  readonly phases: PhaseTimer;
  /** `owner`: whose rights the effects run with (undefined: single-user, the daemon's own). */
  owner?: UnixOwner;
  /** `provider`. */
  provider?: Provider;
  /**
   * `worktree`, `reserveWorktree` or `worktreeAdd` (worktree-steps.ts): the worktree made or
   * confirmed (`created` by this converge or not); undefined without spec.repository, and until
   * `worktreeAdd` when the worktree is made alongside ensure.
   */
  worktree?: ConvergedWorktree;
  /** `worktree`: a new worktree, checked, that may be made alongside ensure (`reserveWorktree` decides, right before ensure). */
  newWorktree?: PlannedWorktree;
  /** `reserveWorktree`: the empty directory made for the worktree that `worktreeAdd` fills alongside ensure. */
  reservation?: ReservedWorktree;
  /** `remount`: the runtime was stopped after `observe` (ensure must not start from that observation). */
  stoppedAfterObserve?: boolean;
  /** `secrets`. */
  secretEnv?: Record<string, string>;
  /** `observe`: the runtime before this converge (undefined: none yet). */
  before?: ObservedRuntime;
  /** `desired`, then `buildContainment` (the build from the paths it resolved). */
  declared?: DesiredRuntime;
  /** `portBindings`. */
  bindings?: PortBindingChanges;
  /** `idle`: the idle policy's decision. */
  idle?: IdleDecision;
  /** `idle`: `declared`, held Paused while idle. */
  desired?: DesiredRuntime;
  /** `onSleep`, `onWake`. */
  readonly hooks: HookRun[];
  /** `ensure`. */
  ensured?: EnsureOutcome;
  /** `scripts`: undefined when the spec has none. */
  scripts?: WorkspaceScriptsStatus;
}

/** A new scope for converging `ws`. */
export function convergeScope(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext, live: LiveStatus, phases: PhaseTimer): ConvergeScope {
  return { ws, deps, ctx, live, phases, hooks: [] };
}

/** The store key of a workspace (`namespace/name`), as the activity record knows it. */
export function workspaceKey(ws: Workspace): string {
  return `${ws.metadata.namespace ?? 'default'}/${ws.metadata.name}`;
}
