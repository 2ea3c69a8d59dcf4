/**
 * Workspace status as a pure function of the previous status, what the steps of this reconcile
 * found, and the time: phase, conditions (WorktreeReady, ContainerReady, ServicesReady,
 * HooksSucceeded, Ready), runtime facts, timings and repairs.
 */
import type { Condition } from '../../apis/meta.ts';
import type { Workspace, WorkspaceRepair, WorkspaceScriptsStatus, WorkspaceStatus } from '../../apis/types/index.ts';
import { setCondition, summarizeReady, type ConditionInput } from '../runtime/conditions.ts';
import type { EnsureResult, RuntimeState } from '../providers/types.ts';
import { describeFailure, type ScriptRun } from './lifecycle.ts';
import type { IdleDecision } from './idle.ts';
import { CONTAINER_READY, HOOKS_SUCCEEDED, READY, SERVICES_NOT_RUNNING, SERVICES_READY, SERVICES_RUNNING, SUBMODULES_NOT_INITIALIZED, SUCCEEDED, WORKTREE_READY } from '../../apis/names/index.ts';

/** How many repairs `status.repairs` keeps (newest last). */
export const MAX_REPAIRS = 10;

/** The worktree as the status reports it. */
export interface WorktreeFacts {
  path: string;
  branch: string;
  head: string;
  /** Why submodules were not initialised, when they were not. */
  submodulesNotInitialized?: string;
}

/** A hook run during this reconcile. */
export interface HookRun {
  hook: 'onWake' | 'onSleep';
  run: ScriptRun;
}

/** Inputs of `workspaceStatus` besides the object. */
export interface StatusInputs {
  result: EnsureResult;
  desiredState: RuntimeState;
  now: Date;
  worktree?: WorktreeFacts;
  /** Lifecycle scripts of the current container (carried over or just run). */
  scripts?: WorkspaceScriptsStatus;
  /** Hooks run in this reconcile. */
  hooks: HookRun[];
  /** Changes made to restore the spec while the spec itself did not change (drift repairs). */
  repairs: string[];
  /** Milliseconds the ensure took, recorded as the create time when it created the container. */
  ensureMs: number;
  /** Per-phase wall times of this reconcile (status.timings.phases), when it changed the runtime. */
  phases?: Record<string, number>;
  /** Value of the switch-requested-at annotation, if any. */
  switchRequestedAt?: string;
  /** The idle policy's decision (condition Idle, latest activity). */
  idle?: IdleDecision;
  /** Milliseconds a wake from an idle pause took (resume and onWake). */
  wakeMs?: number;
  /** `name:hostPort` pairs of the workspace's bindings (status.ports); empty when none has a port yet. */
  portsSummary?: string;
}

/** The condition types whose conjunction is Ready, for this workspace. */
export function readinessConditions(ws: Workspace): string[] {
  return [...(ws.spec.repository !== undefined ? [WORKTREE_READY] : []), CONTAINER_READY, SERVICES_READY, HOOKS_SUCCEEDED];
}

/** Computes the new status of a converged workspace. */
export function workspaceStatus(ws: Workspace, inputs: StatusInputs): WorkspaceStatus {
  const previous = ws.status ?? {};
  const generation = ws.metadata.generation;
  const { observed } = inputs.result;
  const set = (conditions: Condition[], input: Omit<ConditionInput, 'observedGeneration'>): Condition[] =>
    setCondition(conditions, { ...input, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, inputs.now);

  let conditions: Condition[] = previous.conditions ?? [];
  if (inputs.worktree !== undefined) conditions = set(conditions, worktreeCondition(inputs.worktree));
  conditions = set(conditions, {
    type: CONTAINER_READY,
    status: 'True',
    reason: observed.state,
    message: `container ${observed.id.slice(0, 12)} is ${observed.state.toLowerCase()}${observed.detail !== undefined ? ` (${observed.detail})` : ''}`,
  });
  conditions = set(conditions, servicesCondition(observed.services, inputs.desiredState));
  conditions = set(conditions, hooksCondition(inputs.scripts, inputs.hooks, previous.conditions));
  if (inputs.idle?.condition !== undefined) conditions = set(conditions, inputs.idle.condition);
  conditions = setCondition(conditions, summarizeReady(conditions, readinessConditions(ws), generation !== undefined ? { observedGeneration: generation } : {}), inputs.now);

  const status: WorkspaceStatus = {
    ...previous,
    observedGeneration: generation,
    phase: observed.state,
    conditions,
    containerId: observed.id,
  };
  const newTimings = timings(previous, inputs, conditions);
  if (newTimings !== undefined) status.timings = newTimings;
  const repairs = appendRepairs(previous.repairs, inputs.repairs, inputs.now);
  if (repairs.length > 0) status.repairs = repairs;
  if (observed.imageDigest !== undefined) status.imageDigest = observed.imageDigest;
  if (observed.sprite !== undefined) status.sprite = observed.sprite;
  if (inputs.worktree !== undefined) {
    status.worktreePath = inputs.worktree.path;
    status.branch = inputs.worktree.branch;
  }
  if (inputs.portsSummary !== undefined && inputs.portsSummary !== '') status.ports = inputs.portsSummary;
  else delete status.ports;
  if (inputs.scripts !== undefined) status.scripts = inputs.scripts;
  else delete status.scripts;
  if (observed.state === 'Running' && (previous.phase !== 'Running' || previous.lastActiveAt === undefined)) {
    status.lastActiveAt = inputs.now.toISOString();
    status.lastActivity = previous.phase !== 'Running' && inputs.idle?.transition === 'wake' ? (inputs.idle.activity?.what ?? 'start') : 'start';
  }
  const activity = inputs.idle?.activity;
  if (activity !== undefined && (status.lastActiveAt === undefined || activity.at.getTime() > Date.parse(status.lastActiveAt))) {
    status.lastActiveAt = activity.at.toISOString();
    status.lastActivity = activity.what;
  }
  return status;
}

function worktreeCondition(worktree: WorktreeFacts): Omit<ConditionInput, 'observedGeneration'> {
  const where = `worktree ${worktree.path} on ${worktree.branch} at ${worktree.head.slice(0, 7)}`;
  if (worktree.submodulesNotInitialized !== undefined) {
    return { type: WORKTREE_READY, status: 'True', reason: SUBMODULES_NOT_INITIALIZED, message: `${where}; submodules not initialised: ${worktree.submodulesNotInitialized}` };
  }
  return { type: WORKTREE_READY, status: 'True', reason: WORKTREE_READY, message: where };
}

function servicesCondition(services: Record<string, { running: boolean }>, desired: RuntimeState): Omit<ConditionInput, 'observedGeneration'> {
  const names = Object.keys(services);
  if (desired !== 'Running') {
    return { type: SERVICES_READY, status: 'True', reason: `Services${desired}`, message: `${names.length} service(s) ${desired.toLowerCase()}` };
  }
  const notRunning = names.filter((n) => !services[n]!.running);
  if (notRunning.length > 0) return { type: SERVICES_READY, status: 'False', reason: SERVICES_NOT_RUNNING, message: `not running: ${notRunning.join(', ')}` };
  return { type: SERVICES_READY, status: 'True', reason: SERVICES_RUNNING, message: `${names.length} service(s) running` };
}

function hooksCondition(
  scripts: WorkspaceScriptsStatus | undefined,
  hooks: HookRun[],
  previous: Condition[] | undefined,
): Omit<ConditionInput, 'observedGeneration'> {
  for (const name of ['preStart', 'postStart'] as const) {
    const run = scripts?.[name];
    if (run !== undefined && run.exitCode !== 0) {
      return { type: HOOKS_SUCCEEDED, status: 'False', reason: `${capitalize(name)}Failed`, message: describeFailure(name, { exitCode: run.exitCode, output: run.output ?? '' }) };
    }
  }
  const failedHook = hooks.find((h) => h.run.exitCode !== 0);
  if (failedHook !== undefined) {
    return { type: HOOKS_SUCCEEDED, status: 'False', reason: `${capitalize(failedHook.hook)}Failed`, message: describeFailure(failedHook.hook, failedHook.run) };
  }
  const earlierHookFailure = previous?.find((c) => c.type === HOOKS_SUCCEEDED && c.status === 'False' && /^On(Wake|Sleep)Failed$/.test(c.reason));
  if (hooks.length === 0 && earlierHookFailure !== undefined) {
    return { type: HOOKS_SUCCEEDED, status: 'False', reason: earlierHookFailure.reason, message: earlierHookFailure.message };
  }
  const ran = [...(scripts?.preStart ? ['preStart'] : []), ...(scripts?.postStart ? ['postStart'] : [])];
  return { type: HOOKS_SUCCEEDED, status: 'True', reason: SUCCEEDED, message: ran.length === 0 ? 'no lifecycle script or hook failed' : `${ran.join(', ')} succeeded` };
}

function timings(previous: WorkspaceStatus, inputs: StatusInputs, conditions: Condition[]): WorkspaceStatus['timings'] {
  const result = { ...previous.timings };
  if (inputs.result.containerCreated === true) result.createMs = inputs.ensureMs;
  if (inputs.result.changes.some((c) => /started|unpaused|created|recreated/.test(c))) result.lastStartMs = inputs.ensureMs;
  const ready = conditions.some((c) => c.type === READY && c.status === 'True');
  if (inputs.switchRequestedAt !== undefined && ready && result.lastSwitchAt !== inputs.switchRequestedAt) {
    const requested = Date.parse(inputs.switchRequestedAt);
    if (Number.isFinite(requested)) {
      result.lastSwitchMs = Math.max(0, inputs.now.getTime() - requested);
      result.lastSwitchAt = inputs.switchRequestedAt;
    }
  }
  if (inputs.wakeMs !== undefined) result.lastWakeMs = inputs.wakeMs;
  if (inputs.phases !== undefined) result.phases = inputs.phases;
  return Object.keys(result).length === 0 ? undefined : result;
}

function appendRepairs(previous: WorkspaceRepair[] | undefined, repairs: string[], now: Date): WorkspaceRepair[] {
  const added = repairs.map((what) => ({ at: now.toISOString(), what }));
  return [...(previous ?? []), ...added].slice(-MAX_REPAIRS);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
