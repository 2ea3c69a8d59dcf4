/**
 * The idle policy, pure: from the workspace, the latest activity and the time, whether the
 * controller holds a Running workspace paused for idleness (condition `Idle`), wakes it, or looks
 * again at the idle deadline (requeueAfter: one timer per workspace, no polling). The user's
 * `spec.state` is never changed: a workspace declared Paused or Stopped is left as declared and
 * never woken; only a declared Running workspace is paused by this policy, and the pause is
 * recorded in status.
 */
import type { Workspace } from '../../apis/types/index.ts';
import type { ConditionInput } from '../runtime/conditions.ts';
import type { Activity } from './activity.ts';
import { ACTIVE_AT_ANNOTATION, IDLE, IDLE_TIMEOUT, IDLE_TIMEOUT_OFF, SWITCH_REQUESTED_AT_ANNOTATION, WOKEN } from '../../apis/names/index.ts';
import { desiredStateOf } from '../../apis/defaulted.ts';

/** The idle timeout of a workspace (defined in apis/idle-timeout.ts, shared with the PortBinding controller). */
export { idleTimeoutMs } from '../../apis/idle-timeout.ts';

/** `nexus.dev/active-at` as written by the CLI: `ISO-TIME WHAT`. */
export function formatActiveAt(at: Date, what: string): string {
  return `${at.toISOString()} ${what}`;
}

/** Activity the object itself carries: status.lastActiveAt, the CLI's active-at and switch annotations. */
export function recordedActivity(ws: Workspace): Activity[] {
  const found: Activity[] = [];
  const push = (iso: string | undefined, what: string): void => {
    if (iso === undefined) return;
    const at = new Date(iso);
    if (Number.isFinite(at.getTime())) found.push({ at, what });
  };
  push(ws.status?.lastActiveAt, ws.status?.lastActivity ?? 'start');
  const active = ws.metadata.annotations?.[ACTIVE_AT_ANNOTATION];
  if (active !== undefined) {
    const space = active.indexOf(' ');
    push(space < 0 ? active : active.slice(0, space), space < 0 ? 'cli' : active.slice(space + 1));
  }
  push(ws.metadata.annotations?.[SWITCH_REQUESTED_AT_ANNOTATION], 'switch');
  return found;
}

/** The latest of `activities`. */
export function latestActivity(activities: readonly (Activity | undefined)[]): Activity | undefined {
  let latest: Activity | undefined;
  for (const a of activities) if (a !== undefined && (latest === undefined || a.at.getTime() > latest.at.getTime())) latest = a;
  return latest;
}

/** What the policy decided for this reconcile. */
export interface IdleDecision {
  /** Held paused for idleness after this reconcile (the runtime's desired state is Paused). */
  idle: boolean;
  /** `sleep`: pausing now; `wake`: resuming now from an idle pause. */
  transition?: 'sleep' | 'wake';
  /** The Idle condition to record (undefined: leave none). */
  condition?: Omit<ConditionInput, 'observedGeneration'>;
  /** The latest activity, for status.lastActiveAt / lastActivity. */
  activity?: Activity;
  /** Look again after this long (the idle deadline). */
  requeueAfter?: number;
  /** When a `sleep` was decided (activity after it wakes the workspace again). */
  decidedAt?: Date;
}

/** Inputs of `decideIdle` besides the workspace. */
export interface IdleInputs {
  now: Date;
  /** The timeout (see idleTimeoutMs); undefined: never idle. */
  timeoutMs: number | undefined;
  /** The latest activity known (status, annotations, the daemon's tracker). */
  activity: Activity | undefined;
  /** What is active right now without events (an open forwarded connection); asked at the deadline. */
  probe?: () => string | undefined;
}

/** See the module comment. */
export function decideIdle(ws: Workspace, inputs: IdleInputs): IdleDecision {
  const previous = ws.status?.conditions?.find((c) => c.type === IDLE);
  const wasIdle = previous?.status === 'True';
  const declared = desiredStateOf(ws);
  const { now, timeoutMs } = inputs;
  const activity = inputs.activity;
  if (declared !== 'Running') {
    // The user's pause or stop: never woken, never called idle.
    return { idle: false, ...(previous !== undefined ? { condition: { type: IDLE, status: 'False', reason: `Declared${declared}`, message: `spec.state is ${declared}` } } : {}), ...(activity ? { activity } : {}) };
  }
  if (timeoutMs === undefined) {
    return {
      idle: false,
      ...(wasIdle ? { transition: 'wake' as const } : {}),
      ...(previous !== undefined ? { condition: { type: IDLE, status: 'False', reason: IDLE_TIMEOUT_OFF, message: 'no idle timeout' } } : {}),
      ...(activity ? { activity } : {}),
    };
  }
  if (wasIdle) {
    const since = Date.parse(previous.lastTransitionTime);
    if (activity !== undefined && activity.at.getTime() > since) {
      return {
        idle: false,
        transition: 'wake',
        condition: { type: IDLE, status: 'False', reason: WOKEN, message: `woken by ${activity.what} at ${activity.at.toISOString()}` },
        activity,
        requeueAfter: timeoutMs,
      };
    }
    return { idle: true, condition: { type: IDLE, status: 'True', reason: previous.reason, message: previous.message }, ...(activity ? { activity } : {}) };
  }
  const last = activity ?? { at: now, what: 'start' };
  const deadline = last.at.getTime() + timeoutMs;
  const notIdle = (a: Activity, wait: number): IdleDecision => ({
    idle: false,
    ...(previous !== undefined ? { condition: { type: IDLE, status: 'False', reason: previous.reason === IDLE_TIMEOUT ? WOKEN : previous.reason, message: previous.message } } : {}),
    activity: a,
    requeueAfter: Math.max(1, wait),
  });
  if (now.getTime() < deadline) return notIdle(last, deadline - now.getTime());
  const ongoing = inputs.probe?.();
  if (ongoing !== undefined) return notIdle({ at: now, what: ongoing }, timeoutMs);
  return {
    idle: true,
    transition: 'sleep',
    condition: { type: IDLE, status: 'True', reason: IDLE_TIMEOUT, message: `no activity for ${Math.round((now.getTime() - last.at.getTime()) / 1000)}s (idle timeout ${Math.round(timeoutMs / 1000)}s) since ${last.what} at ${last.at.toISOString()}; paused` },
    activity: last,
  };
}
