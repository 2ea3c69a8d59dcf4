/**
 * The Workspace converge as a list of named steps (controllers/runtime/steps.ts), each owning the
 * condition its failure is recorded in:
 *   admit → owner → provider → (worktree ∥ secrets ∥ observe ∥ prepare) → desired → buildContainment →
 *   portBindings → idle → [volumeSync] → [onSleep] → reserveWorktree → remount → (worktreeAdd ∥ ensure) →
 *   [podSync] → [onWake] → woken → scripts → status
 * The file-sync variants (sync-steps.ts) are in the list or not, by the spec: `volumeSync` for a
 * docker workspace (its volume is filled before the container starts), `podSync` for a kubernetes
 * or sprite one (the Pod runs before the sync, the sync before scripts and Ready). The hooks are
 * in it when the spec declares them and run on their transition only. Independent work runs
 * concurrently: the worktree, the secrets, the observation and the provider's `prepare` (what
 * needs only the workspace's identity: the Docker network, the image check), and the provider's
 * ensure then starts from the observation and what prepare set up. A new worktree of a workspace
 * running a named image is made alongside ensure instead (`git worktree add` overlapping the
 * container's create and start, into the empty directory the container mounts; worktree-steps.ts,
 * worktree-timing.ts): everything after that group, which needs the files, waits for it. Steps
 * with a phase are timed (phase-timer.ts) for status.timings.phases and the debug log; a
 * concurrent group's wall time is its own phase (`inputs`, `runtime`: its steps overlap, so their
 * own phases add up to more), and `converge` is the wall time of the whole list up to the status
 * write.
 */
import type { Workspace, WorkspaceScriptsStatus } from '../../apis/types/index.ts';
import { CONTAINER_READY, SWITCH_REQUESTED_AT_ANNOTATION } from '../../apis/names/index.ts';
import { backendOf } from '../../apis/defaulted.ts';
import { concurrentlyAs, finish, found, type Step, type StepEntry } from '../runtime/steps.ts';
import type { DesiredRuntime, EnsureResult, ObservedRuntime, Provider } from '../providers/types.ts';
import { admitWorkspace } from '../trust/policy.ts';
import { assertBuildContained } from './build-containment.ts';
import { workspaceKey, type ConvergeScope } from './converge-scope.ts';
import { desiredRuntime, namedImageOf, runtimeTarget, usesFileSync, workspaceLabels } from './desired.ts';
import { decideIdle, idleTimeoutMs, latestActivity, recordedActivity, type IdleDecision } from './idle.ts';
import { runScript } from './lifecycle.ts';
import type { LiveStatus } from './live-status.ts';
import { desiredPortBindings, ensurePortBindings } from './port-bindings.ts';
import { ownerSecretSources, resolveSecrets } from './secrets.ts';
import { workspaceOwner } from '../multi-user/index.ts';
import { usesPodSync } from './sync-session.ts';
import { podSyncStep, volumeSyncStep } from './sync-steps.ts';
import { workspaceStatus, type StatusInputs } from './status.ts';
import { remountStep, reserveWorktreeStep, worktreeAddStep, worktreeStep } from './worktree-steps.ts';

/** The steps converging `ws`, in order (see the module comment). */
export function convergeSteps(ws: Workspace): StepEntry<ConvergeScope>[] {
  const hooks = ws.spec.hooks;
  return [
    admitStep,
    ownerStep,
    providerStep,
    concurrentlyAs('inputs', worktreeStep, secretsStep, observeStep, prepareStep),
    desiredStep,
    buildContainmentStep,
    portBindingsStep,
    idleStep,
    ...(usesFileSync(ws) ? [volumeSyncStep] : []),
    ...(hooks?.onSleep !== undefined ? [onSleepStep] : []),
    reserveWorktreeStep,
    remountStep,
    // The worktree first in list order: its failure is the one reported when both fail.
    concurrentlyAs('runtime', worktreeAddStep, ensureStep),
    ...(usesPodSync(ws) ? [podSyncStep] : []),
    ...(hooks?.onWake !== undefined ? [onWakeStep] : []),
    wokenStep,
    scriptsStep,
    statusStep,
  ];
}

/** Trust admission: what the workspace asks of this node's identity (trust/policy.ts). */
const admitStep: Step<ConvergeScope> = {
  name: 'admit',
  condition: CONTAINER_READY,
  run: async ({ ws, deps }) => {
    admitWorkspace(ws, deps.trust ?? { trust: 'local' });
  },
};

/** Multi-user node: the owner of the workspace's namespace, admitted for what it asks (multi-user/). */
const ownerStep: Step<ConvergeScope> = {
  name: 'owner',
  condition: CONTAINER_READY,
  run: async (scope) => {
    const owner = await workspaceOwner(scope.ws, scope.deps.multiUser);
    if (owner !== undefined) scope.owner = owner;
  },
};

/** The backend's provider (an unavailable backend is terminal). */
const providerStep: Step<ConvergeScope> = {
  name: 'provider',
  condition: CONTAINER_READY,
  run: async (scope) => {
    scope.provider = scope.deps.providers.get(backendOf(scope.ws));
  },
};

/** The secret values (files and environment here; references for the kubernetes backend). */
const secretsStep: Step<ConvergeScope> = {
  name: 'secrets',
  condition: CONTAINER_READY,
  phase: 'secrets',
  run: async (scope) => {
    const byReference = found(scope.provider, 'provider').backend === 'kubernetes';
    scope.secretEnv = await resolveSecrets(scope.ws.spec.secrets, ownerSecretSources(scope.owner, scope.deps.secretSources), { secretRefsByReference: byReference });
  },
};

/** The runtime as it is before this converge. */
const observeStep: Step<ConvergeScope> = {
  name: 'observe',
  condition: CONTAINER_READY,
  phase: 'observe',
  run: async (scope) => {
    scope.before = await found(scope.provider, 'provider').observe(runtimeTarget(scope.ws));
  },
};

/**
 * What ensure will need that depends only on the workspace's identity (the Docker network when
 * missing, a new workspace's image check), set up while the worktree is made (Provider.prepare).
 */
const prepareStep: Step<ConvergeScope> = {
  name: 'prepare',
  condition: CONTAINER_READY,
  phase: 'prepare',
  when: (scope) => found(scope.provider, 'provider').prepare !== undefined,
  run: async (scope) => {
    const { ws, owner } = scope;
    const imageRef = namedImageOf(ws);
    const request = { target: runtimeTarget(ws), labels: workspaceLabels(ws, owner), services: Object.keys(ws.spec.services ?? {}), ...(imageRef !== undefined ? { imageRef } : {}) };
    const result = await found(scope.provider, 'provider').prepare?.(request);
    scope.phases.recordAll('prepare', result?.phases);
  },
};

/** The desired runtime (pure); two port declarations deriving one PortBinding name are refused here. */
const desiredStep: Step<ConvergeScope> = {
  name: 'desired',
  condition: CONTAINER_READY,
  run: async (scope) => {
    const { ws, owner } = scope;
    // A new worktree not made yet (reserveWorktree) is mounted at its planned path.
    const worktree = scope.worktree ?? scope.newWorktree;
    desiredPortBindings(ws);
    scope.declared = desiredRuntime(ws, { ...(worktree ? { worktree: { path: worktree.path, commonGitDir: worktree.commonGitDir } } : {}), secretEnv: found(scope.secretEnv, 'secrets'), ...(owner ? { runAs: owner } : {}) });
  },
};

/** The build is made from the paths the containment check resolved, never the lexical ones again. */
const buildContainmentStep: Step<ConvergeScope> = {
  name: 'buildContainment',
  condition: CONTAINER_READY,
  when: (scope) => (scope.worktree?.path ?? scope.ws.spec.repository?.path) !== undefined,
  run: async (scope) => {
    const lexical = found(scope.declared, 'desired');
    const buildRoot = found(scope.worktree?.path ?? scope.ws.spec.repository?.path, 'worktree');
    scope.declared = { ...lexical, imageSource: await assertBuildContained(lexical.imageSource, buildRoot) };
  },
};

/** The owned PortBindings (created, updated, deleted). */
const portBindingsStep: Step<ConvergeScope> = {
  name: 'portBindings',
  phase: 'portBindings',
  run: async (scope) => {
    scope.bindings = await ensurePortBindings(scope.ctx.client, scope.live.object, scope.ctx.log);
  },
};

/** The idle policy: a declared-Running workspace the controller holds paused (status, never spec). */
const idleStep: Step<ConvergeScope> = {
  name: 'idle',
  run: async (scope) => {
    const idle = decideIdleNow(scope);
    const declared = found(scope.declared, 'desired');
    scope.idle = idle;
    scope.desired = idle.idle ? { ...declared, state: 'Paused' } : declared;
  },
};

/** `hooks.onSleep`, when a running workspace is about to stop or pause. */
const onSleepStep: Step<ConvergeScope> = {
  name: 'onSleep',
  phase: 'hooks',
  when: (scope) => scope.before?.state === 'Running' && found(scope.desired, 'idle').state !== 'Running',
  run: async (scope) => {
    scope.hooks.push({ hook: 'onSleep', run: await runHook(scope, found(scope.ws.spec.hooks?.onSleep, 'onSleep')) });
  },
};

/** Converges the runtime (the provider's own phases are recorded as `ensure.*`). */
const ensureStep: Step<ConvergeScope> = {
  name: 'ensure',
  condition: CONTAINER_READY,
  phase: 'ensure',
  run: async (scope) => {
    const { clock } = scope.ctx;
    const startedAt = clock.now().getTime();
    try {
      const result = await ensureRuntime(found(scope.provider, 'provider'), found(scope.desired, 'idle'), scope.live, scope.stoppedAfterObserve !== true);
      scope.ensured = { result, startedAt, ms: clock.now().getTime() - startedAt };
      scope.phases.recordAll('ensure', result.phases);
    } finally {
      // The engine no longer needs a reserved worktree directory to exist (worktree-steps.ts).
      scope.reservation?.ensureEnded.resolve();
    }
  },
};

/** `hooks.onWake`, when a stopped or paused workspace runs again. */
const onWakeStep: Step<ConvergeScope> = {
  name: 'onWake',
  phase: 'hooks',
  when: (scope) => scope.before !== undefined && scope.before.state !== 'Running' && found(scope.ensured, 'ensure').result.observed.state === 'Running',
  run: async (scope) => {
    scope.hooks.push({ hook: 'onWake', run: await runHook(scope, found(scope.ws.spec.hooks?.onWake, 'onWake')) });
  },
};

/** Held connections and calls go on as soon as a woken workspace runs again (status follows). */
const wokenStep: Step<ConvergeScope> = {
  name: 'woken',
  when: (scope) => found(scope.idle, 'idle').transition === 'wake' && found(scope.ensured, 'ensure').result.observed.state === 'Running',
  run: async (scope) => {
    scope.deps.activity?.settled(workspaceKey(scope.ws), false);
  },
};

/** The lifecycle scripts, once per container. */
const scriptsStep: Step<ConvergeScope> = {
  name: 'scripts',
  phase: 'scripts',
  run: async (scope) => {
    const scripts = await runLifecycleScripts(scope, found(scope.ensured, 'ensure').result.observed);
    if (scripts !== undefined) scope.scripts = scripts;
  },
};

/** Writes the status, logs what changed and settles the idle decision; requeues at the idle deadline. */
const statusStep: Step<ConvergeScope> = {
  name: 'status',
  run: async (scope) => {
    const { ws, ctx, live, phases } = scope;
    const idle = found(scope.idle, 'idle');
    const { result } = found(scope.ensured, 'ensure');
    const repairs = driftRepairs(ws, result);
    for (const what of repairs) ctx.log.info({ repair: what }, `repaired workspace/${ws.metadata.name}: ${what}`);
    const runtimeChanged = result.outcome !== 'unchanged' || scope.hooks.length > 0;
    phases.recordWall('converge');
    const writeStarted = performance.now();
    await live.write(workspaceStatus(live.object, statusInputs(scope, idle.transition !== undefined ? [] : repairs, runtimeChanged)));
    if (runtimeChanged) ctx.log.debug({ phases: { ...phases.snapshot(), statusWrite: Math.round((performance.now() - writeStarted) * 10) / 10 }, spans: phases.spans(), outcome: result.outcome }, `workspace/${ws.metadata.name}: converge phases (ms)`);
    if (idle.transition !== undefined) ctx.log.info({ idle: idle.transition, activity: idle.activity?.what }, `workspace/${ws.metadata.name}: ${idle.transition === 'sleep' ? 'idle, paused' : 'woken'}`);
    scope.deps.activity?.settled(workspaceKey(ws), idle.idle, idle.decidedAt);
    return finish(idle.requeueAfter !== undefined ? { requeueAfter: idle.requeueAfter } : undefined);
  },
};

/** What `workspaceStatus` is told about this converge. */
function statusInputs(scope: ConvergeScope, repairs: string[], runtimeChanged: boolean): StatusInputs {
  const { ws, ctx, worktree, scripts } = scope;
  const idle = found(scope.idle, 'idle');
  const { result, startedAt, ms } = found(scope.ensured, 'ensure');
  const switchRequestedAt = ws.metadata.annotations?.[SWITCH_REQUESTED_AT_ANNOTATION];
  const wakeMs = idle.transition === 'wake' ? ctx.clock.now().getTime() - startedAt : undefined;
  return {
    result,
    desiredState: found(scope.desired, 'idle').state,
    now: ctx.clock.now(),
    ...(worktree ? { worktree } : {}),
    ...(scripts ? { scripts } : {}),
    hooks: scope.hooks,
    repairs,
    ensureMs: ms,
    idle,
    ...(wakeMs !== undefined ? { wakeMs } : {}),
    portsSummary: found(scope.bindings, 'portBindings').summary,
    ...(switchRequestedAt !== undefined ? { switchRequestedAt } : {}),
    // Only a converge that changed something replaces the recorded phases (a no-op resync writes nothing).
    ...(runtimeChanged ? { phases: scope.phases.snapshot() } : {}),
  };
}

/** Decides the idle policy (idle.ts) from everything known about the workspace's activity. */
function decideIdleNow({ ws, deps, ctx, before }: ConvergeScope): IdleDecision {
  const key = workspaceKey(ws);
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

/** Converges the runtime, reporting image pull/build progress in status as it goes. */
function ensureRuntime(provider: Provider, desired: DesiredRuntime, live: LiveStatus, afterObserve: boolean): Promise<EnsureResult> {
  return provider.ensure(desired, {
    onProgress: (event) => live.progress(event),
    // This reconcile's observe ran just before (and nothing changed the runtime since): the
    // provider may start from what it listed.
    afterObserve,
  });
}

/** Runs a hook script in the workspace. */
function runHook(scope: ConvergeScope, script: Parameters<typeof runScript>[2]): ReturnType<typeof runScript> {
  const desired = found(scope.desired, 'idle');
  return runScript(found(scope.provider, 'provider'), desired.target, script, scope.ctx.signal, desired.workdir);
}

/**
 * Runs `scripts.preStart` then `scripts.postStart` once per container: when the container in
 * status.scripts is not the current one. postStart is skipped when preStart failed. Returns the
 * scripts status to record (undefined when the spec has none).
 */
async function runLifecycleScripts(scope: ConvergeScope, observed: ObservedRuntime): Promise<WorkspaceScriptsStatus | undefined> {
  const { ws, ctx } = scope;
  const scripts = ws.spec.scripts;
  if (scripts?.preStart === undefined && scripts?.postStart === undefined) return undefined;
  const recorded = ws.status?.scripts;
  if (recorded?.containerId === observed.id) return recorded;
  if (observed.state !== 'Running') return recorded;
  const outcome: WorkspaceScriptsStatus = { containerId: observed.id };
  if (scripts.preStart !== undefined) {
    outcome.preStart = await runHook(scope, scripts.preStart);
    ctx.log.info({ exitCode: outcome.preStart.exitCode }, 'preStart ran');
    if (outcome.preStart.exitCode !== 0) return outcome;
  }
  if (scripts.postStart !== undefined) {
    outcome.postStart = await runHook(scope, scripts.postStart);
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
