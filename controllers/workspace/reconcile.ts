/**
 * The Workspace reconcile. Level-based: it re-reads the object and the backend and never asks what
 * event triggered it. Through the finalizer helper it either converges —
 *   trust admission → provider → worktree → secrets → desired state → owned port bindings → sleep hook →
 *   ensure runtime → wake hook → lifecycle scripts → status
 * (file sync: a docker workspace's volume is filled before its container starts; a kubernetes
 * workspace's Pod must run before exec reaches it, so there it is ensure runtime → initial sync
 * into the Pod → wake hook → scripts → status/Ready)
 * — or cleans up on deletion (runtime, then the worktree unless it holds uncommitted work; never a
 * worktree under cluster trust, where a repository path is not the writer's to name).
 * Independent reads run concurrently: the worktree, the secrets and the provider's observation of
 * the runtime (which the provider's ensure then starts from instead of listing again). Each phase's
 * wall time is recorded (phase-timer.ts) in status.timings.phases when the runtime changed, and
 * in the debug log with the status write's own time.
 * A failing step records its condition (and Ready=False) before the error propagates: transient
 * failures are retried with backoff, terminal ones wait for a spec change or the periodic resync.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { Workspace, WorkspaceScriptsStatus } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { isTerminalError, TerminalError } from '../runtime/errors.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { DesiredRuntime, EnsureResult, ObservedRuntime, Provider } from '../providers/types.ts';
import { ensureWorktree, removeWorktree } from '../worktree/index.ts';
import { desiredRuntime, runtimeTarget, usesFileSync } from './desired.ts';
import { PhaseTimer } from './phase-timer.ts';
import { runScript } from './lifecycle.ts';
import { LiveStatus } from './live-status.ts';
import { assertBuildContained } from './build-containment.ts';
import { desiredPortBindings, ensurePortBindings } from './port-bindings.ts';
import { resolveSecrets, type SecretSources } from './secrets.ts';
import { assertSyncNotStalled, ensureSyncSession, initialSyncComplete, usesPodSync } from './sync-session.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { setCondition } from '../runtime/conditions.ts';
import { workspaceStatus, type HookRun, type WorktreeFacts } from './status.ts';
import { admitWorkspace, type WorkspaceTrustContext } from '../trust/policy.ts';
import type { ActivityTracker } from './activity.ts';
import { decideIdle, idleTimeoutMs, latestActivity, recordedActivity, type IdleDecision } from './idle.ts';
import { CLEANUP_FINALIZER, CONTAINER_READY, FORCE_DELETE_ANNOTATION, INVALID_SPEC, READY, SWITCH_REQUESTED_AT_ANNOTATION, WAITING_FOR_SYNC, WORKTREE_READY } from '../../apis/names/index.ts';
import { backendOf, defaulted } from '../../apis/defaulted.ts';

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
}

/** Builds the Workspace reconciler. */
export function workspaceReconciler(deps: WorkspaceReconcilerDeps): Reconciler {
  return async ({ namespace, name }, ctx) => {
    const ws = await getWorkspace(ctx.client, namespace, name);
    if (ws === undefined) return;
    return reconcileWithFinalizer(ws, CLEANUP_FINALIZER, ctx.client, {
      apply: (live) => convergeWorkspace(live, deps, ctx),
      cleanup: async (live): Promise<ReconcileResult | void> => cleanupWorkspace(live, deps, ctx),
    });
  };
}

/** Reads a workspace; undefined when it is gone. */
async function getWorkspace(client: ResourceClient, namespace: string, name: string): Promise<Workspace | undefined> {
  try {
    return await client.get<Workspace>('Workspace', namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** The converge steps, in order; see the module comment. */
async function convergeWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const live = new LiveStatus(ctx.client, ws, ctx.clock);
  await live.step(CONTAINER_READY, () => Promise.resolve(admitWorkspace(ws, deps.trust ?? { trust: 'local' })));
  const provider = await live.step(CONTAINER_READY, () => Promise.resolve(deps.providers.get(backendOf(ws))));
  const phases = new PhaseTimer();
  // Independent reads, concurrently; a failure is reported in this order (worktree first).
  const [worktree, secretEnv, before] = await inOrder([
    phases.time('worktree', () => live.step(WORKTREE_READY, () => ensureWorktreeStep(ws))),
    phases.time('secrets', () => live.step(CONTAINER_READY, () => resolveSecrets(ws.spec.secrets, deps.secretSources, { secretRefsByReference: provider.backend === 'kubernetes' }))),
    phases.time('observe', () => live.step(CONTAINER_READY, () => provider.observe(runtimeTarget(ws)))),
  ] as const);
  const lexical = await live.step(CONTAINER_READY, () => {
    desiredPortBindings(ws); // throws on two declarations deriving one PortBinding name
    return Promise.resolve(desiredRuntime(ws, { ...(worktree ? { worktree } : {}), secretEnv }));
  });
  // The build is made from the paths the containment check resolved, never the lexical ones again.
  const buildRoot = worktree?.path ?? ws.spec.repository?.path;
  const declared = buildRoot === undefined ? lexical : { ...lexical, imageSource: await live.step(CONTAINER_READY, () => assertBuildContained(lexical.imageSource, buildRoot)) };
  const bindings = await phases.time('portBindings', () => ensurePortBindings(ctx.client, live.object, ctx.log));
  // The idle policy: a declared-Running workspace the controller holds paused (status, never spec).
  const idle = idleStep(ws, before, deps, ctx);
  const desired: DesiredRuntime = idle.idle ? { ...declared, state: 'Paused' } : declared;
  if (usesFileSync(ws)) {
    // Creation order: worktree → volume → initial sync complete → container starts.
    const session = await phases.time('syncSession', () => live.step(CONTAINER_READY, () => syncSessionStep(ctx.client, live.object, worktree?.path)));
    if (before === undefined && desired.state === 'Running' && !initialSyncComplete(session)) {
      await waitForInitialSync(live, session, ctx.clock.now());
      ctx.log.info({ syncsession: session.metadata.name }, 'waiting for the initial file sync before starting the container');
      return { requeueAfter: SYNC_WAIT_MS };
    }
  }
  const hooks: HookRun[] = [];
  const onSleep = ws.spec.hooks?.onSleep;
  if (before?.state === 'Running' && desired.state !== 'Running' && onSleep !== undefined) {
    hooks.push({ hook: 'onSleep', run: await phases.time('hooks', () => runScript(provider, desired.target, onSleep, ctx.signal, desired.workdir)) });
  }
  const started = ctx.clock.now().getTime();
  const result = await phases.time('ensure', () => live.step(CONTAINER_READY, () => ensureRuntime(provider, desired, live)));
  const ensureMs = ctx.clock.now().getTime() - started;
  phases.recordAll('ensure', result.phases);
  if (usesPodSync(ws)) {
    // Kubernetes order: the Pod runs (exec needs it) → initial sync into it → hooks, scripts, Ready.
    const session = await live.step(CONTAINER_READY, () => podSyncSessionStep(ctx.client, live.object, worktree?.path, provider, desired));
    if (desired.state === 'Running' && !initialSyncComplete(session)) {
      await waitForInitialSync(live, session, ctx.clock.now());
      ctx.log.info({ syncsession: session.metadata.name }, 'waiting for the initial file sync into the pod before scripts and Ready');
      return { requeueAfter: SYNC_WAIT_MS };
    }
  }
  const onWake = ws.spec.hooks?.onWake;
  if (before !== undefined && before.state !== 'Running' && result.observed.state === 'Running' && onWake !== undefined) {
    hooks.push({ hook: 'onWake', run: await phases.time('hooks', () => runScript(provider, desired.target, onWake, ctx.signal, desired.workdir)) });
  }
  // Held connections and calls go on as soon as the workspace runs again (status follows).
  if (idle.transition === 'wake' && result.observed.state === 'Running') deps.activity?.settled(keyOf(ws), false);
  const scripts = await phases.time('scripts', () => runLifecycleScripts(ws, provider, desired, result.observed, ctx));
  const repairs = driftRepairs(ws, result);
  for (const what of repairs) ctx.log.info({ repair: what }, `repaired workspace/${ws.metadata.name}: ${what}`);
  const switchRequestedAt = ws.metadata.annotations?.[SWITCH_REQUESTED_AT_ANNOTATION];
  const wakeMs = idle.transition === 'wake' ? ctx.clock.now().getTime() - started : undefined;
  const runtimeChanged = result.outcome !== 'unchanged' || hooks.length > 0;
  const writeStarted = performance.now();
  await live.write(
    workspaceStatus(live.object, {
      result,
      desiredState: desired.state,
      now: ctx.clock.now(),
      ...(worktree ? { worktree } : {}),
      ...(scripts ? { scripts } : {}),
      hooks,
      repairs: idle.transition !== undefined ? [] : repairs,
      ensureMs,
      idle,
      ...(wakeMs !== undefined ? { wakeMs } : {}),
      portsSummary: bindings.summary,
      ...(switchRequestedAt !== undefined ? { switchRequestedAt } : {}),
      // Only a converge that changed something replaces the recorded phases (a no-op resync writes nothing).
      ...(runtimeChanged ? { phases: phases.snapshot() } : {}),
    }),
  );
  if (runtimeChanged) ctx.log.debug({ phases: { ...phases.snapshot(), statusWrite: Math.round((performance.now() - writeStarted) * 10) / 10 }, outcome: result.outcome }, `workspace/${ws.metadata.name}: converge phases (ms)`);
  if (idle.transition !== undefined) ctx.log.info({ idle: idle.transition, activity: idle.activity?.what }, `workspace/${ws.metadata.name}: ${idle.transition === 'sleep' ? 'idle, paused' : 'woken'}`);
  deps.activity?.settled(keyOf(ws), idle.idle, idle.decidedAt);
  return idle.requeueAfter !== undefined ? { requeueAfter: idle.requeueAfter } : undefined;
}

/**
 * Awaits every promise (so no step is still writing status when the reconcile goes on or fails)
 * and returns their values, or throws the first failure in the given order.
 */
async function inOrder<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function keyOf(ws: Workspace): string {
  return `${ws.metadata.namespace ?? 'default'}/${ws.metadata.name}`;
}

/** Decides the idle policy (idle.ts) from everything known about the workspace's activity. */
function idleStep(ws: Workspace, before: ObservedRuntime | undefined, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): IdleDecision {
  const key = keyOf(ws);
  const timeoutMs = idleTimeoutMs(ws, deps.defaultIdleTimeout);
  const now = ctx.clock.now();
  const decision = decideIdle(ws, {
    now,
    timeoutMs,
    activity: latestActivity([...recordedActivity(ws), deps.activity?.latest(key)]),
    probe: () => deps.activity?.probe(key),
  });
  // Only a running workspace falls asleep (one still being created, or stopped by hand, is not idle).
  if (decision.transition === 'sleep' && before?.state !== 'Running') {
    return { idle: false, ...(decision.activity ? { activity: decision.activity } : {}), ...(timeoutMs !== undefined ? { requeueAfter: timeoutMs } : {}) };
  }
  return decision.transition === 'sleep' ? { ...decision, decidedAt: now } : decision;
}

/** How often a workspace waiting for its initial file sync looks again (session events also wake it). */
export const SYNC_WAIT_MS = 500;

/**
 * Before waiting for the owned session's initial sync: a session that cannot complete it (halted,
 * refused: Stalled) fails the workspace terminally with its reason and message (no requeue; the
 * session's next status change wakes the workspace again). Once it can again, a failure reported
 * earlier is replaced by the wait, so no Stalled mark outlives the halt.
 */
async function waitForInitialSync(live: LiveStatus, session: SyncSession, now: Date): Promise<void> {
  await live.step(CONTAINER_READY, () => Promise.resolve(assertSyncNotStalled(session)));
  if (terminalFailureOf(live.object) === undefined) return;
  const waiting = { status: 'False' as const, reason: WAITING_FOR_SYNC, message: `waiting for the initial file sync (syncsession/${session.metadata.name})` };
  const generation = live.object.metadata.generation;
  const observed = generation !== undefined ? { observedGeneration: generation } : {};
  let conditions = setCondition(live.object.status?.conditions, { type: CONTAINER_READY, ...waiting, ...observed }, now);
  conditions = setCondition(conditions, { type: READY, ...waiting, ...observed }, now);
  await live.write({ ...live.object.status, phase: 'Pending', conditions });
}

/** The owned SyncSession of a file-synced workspace (which needs a worktree to sync from). */
async function syncSessionStep(client: ResourceClient, ws: Workspace, worktreePath: string | undefined): Promise<SyncSession> {
  if (worktreePath === undefined) throw new TerminalError(INVALID_SPEC, 'spec.sync.mode other than bind needs spec.repository: the worktree is what is synchronized');
  return ensureSyncSession(client, ws, worktreePath);
}

/** The owned SyncSession of a kubernetes workspace: beta is its workspace folder in the Pod. */
async function podSyncSessionStep(
  client: ResourceClient,
  ws: Workspace,
  worktreePath: string | undefined,
  provider: Provider,
  desired: DesiredRuntime,
): Promise<SyncSession> {
  if (provider.syncAddress === undefined) throw new TerminalError(INVALID_SPEC, `spec.sync.mode: the ${provider.backend} backend cannot sync files`);
  if (worktreePath === undefined) throw new TerminalError(INVALID_SPEC, 'spec.sync.mode other than bind needs spec.repository: the worktree is what is synchronized');
  return ensureSyncSession(client, ws, worktreePath, provider.syncAddress(desired.target, desired.workdir));
}

/** Creates or confirms the worktree when the workspace has a repository. */
async function ensureWorktreeStep(ws: Workspace): Promise<(WorktreeFacts & { commonGitDir: string }) | undefined> {
  const repo = defaulted(ws).spec.repository;
  if (repo === undefined) return undefined;
  const info = await ensureWorktree({
    repoPath: repo.path,
    name: ws.metadata.name,
    branch: repo.branch,
    baseRef: repo.baseRef,
  });
  const facts: WorktreeFacts & { commonGitDir: string } = { path: info.path, branch: info.branch, head: info.head, commonGitDir: info.commonGitDir };
  if (typeof info.submodules === 'object') facts.submodulesNotInitialized = info.submodules.notInitialized;
  return facts;
}

/** Converges the runtime, reporting image pull/build progress in status as it goes. */
function ensureRuntime(provider: Provider, desired: DesiredRuntime, live: LiveStatus): Promise<EnsureResult> {
  return provider.ensure(desired, {
    onProgress: (event) => live.progress(event),
    // This reconcile's observe ran just before: the provider may start from what it listed.
    afterObserve: true,
  });
}

/**
 * Runs `scripts.preStart` then `scripts.postStart` once per container: when the container in
 * status.scripts is not the current one. postStart is skipped when preStart failed. Returns the
 * scripts status to record (undefined when the spec has none).
 */
async function runLifecycleScripts(
  ws: Workspace,
  provider: Provider,
  desired: DesiredRuntime,
  observed: ObservedRuntime,
  ctx: ReconcileContext,
): Promise<WorkspaceScriptsStatus | undefined> {
  const scripts = ws.spec.scripts;
  if (scripts?.preStart === undefined && scripts?.postStart === undefined) return undefined;
  const recorded = ws.status?.scripts;
  if (recorded?.containerId === observed.id) return recorded;
  if (observed.state !== 'Running') return recorded;
  const outcome: WorkspaceScriptsStatus = { containerId: observed.id };
  if (scripts.preStart !== undefined) {
    outcome.preStart = await runScript(provider, desired.target, scripts.preStart, ctx.signal, desired.workdir);
    ctx.log.info({ exitCode: outcome.preStart.exitCode }, 'preStart ran');
    if (outcome.preStart.exitCode !== 0) return outcome;
  }
  if (scripts.postStart !== undefined) {
    outcome.postStart = await runScript(provider, desired.target, scripts.postStart, ctx.signal, desired.workdir);
    ctx.log.info({ exitCode: outcome.postStart.exitCode }, 'postStart ran');
  }
  return outcome;
}

/**
 * Changes the provider made although the spec did not change since the last converged status:
 * those restored drift (a container removed, stopped or paused by hand).
 */
function driftRepairs(ws: Workspace, result: EnsureResult): string[] {
  const specUnchanged = ws.status?.observedGeneration !== undefined && ws.status.observedGeneration === ws.metadata.generation;
  if (!specUnchanged || ws.status?.containerId === undefined) return [];
  // A new main container while the spec is unchanged replaced the one in status: report it as one
  // repair, whatever the (racy) observation before ensure saw.
  if (result.containerCreated === true) return ['container recreated', ...result.changes.filter((c) => !c.startsWith('container '))];
  return result.changes;
}

/** Removes the runtime, then the worktree; idempotent and safe when convergence never ran. */
async function cleanupWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<void> {
  deps.activity?.forget(keyOf(ws));
  const provider = providerForCleanup(ws, deps);
  if (provider === undefined) {
    ctx.log.info(`cleanup of workspace/${ws.metadata.name}: its backend never ran it, nothing to remove`);
  } else {
    const outcome = await provider.delete(runtimeTarget(ws));
    ctx.log.info({ outcome }, `cleanup of workspace/${ws.metadata.name}: runtime ${outcome}`);
  }
  const repo = defaulted(ws).spec.repository;
  if (repo === undefined) return;
  if (deps.trust?.trust === 'cluster') {
    ctx.log.info(`cleanup of workspace/${ws.metadata.name}: no worktree is created for a cluster's Workspaces, none removed`);
    return;
  }
  const force = ws.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true' || repo.onDelete === 'Remove';
  const removal = await removeWorktree({
    repoPath: repo.path,
    name: ws.metadata.name,
    branch: repo.branch,
    force,
  });
  if (removal.kept !== undefined) {
    ctx.log.warn({ reason: removal.kept.reason }, `kept the worktree of workspace/${ws.metadata.name}: ${removal.kept.message}`);
  } else {
    ctx.log.info({ removed: removal.removed }, `cleanup of workspace/${ws.metadata.name}: worktree ${removal.removed ? 'removed' : 'absent'}`);
  }
}

/**
 * The provider that must clean `ws` up, or undefined when its backend is unavailable here and no
 * runtime was ever reported for it (status has no containerId), so there is nothing to remove.
 */
function providerForCleanup(ws: Workspace, deps: WorkspaceReconcilerDeps): Provider | undefined {
  try {
    return deps.providers.get(backendOf(ws));
  } catch (err) {
    if (isTerminalError(err) && ws.status?.containerId === undefined) return undefined;
    throw err;
  }
}
