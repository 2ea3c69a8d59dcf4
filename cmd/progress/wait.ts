/**
 * `--wait` with progress: follows objects until Ready while a progress view (live on a terminal,
 * plain lines otherwise) shows their conditions on stderr and the daemon is checked (it alone makes
 * them Ready), then reports failures with the same messages and exit codes as `boulder wait`
 * (1 terminal failure, 4 not found or deleted, 6 timeout).
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KindInfo } from '../../apis/kinds.ts';
import type { CliDeps } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { reportWait } from './report-wait.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import type { WaitResult } from '../wait-for.ts';
import { followUntilReady, type FollowTarget } from './follow.ts';
import type { ObjectProgress } from './lines.ts';
import { createProgressView, type ProgressOut, type ProgressView } from './view.ts';

/** Groups final states into one WaitResult per kind (what reportWait prints from). */
export function waitResultsByKind(targets: readonly FollowTarget[], results: readonly ObjectProgress[]): Map<KindInfo, WaitResult> {
  const byKind = new Map<KindInfo, WaitResult>();
  targets.forEach((target, i) => {
    const result: WaitResult = byKind.get(target.kind) ?? { met: [], timedOut: [], failed: [], latest: new Map() };
    byKind.set(target.kind, result);
    const { outcome, object } = results[i] as ObjectProgress;
    if (object !== undefined) result.latest.set(target.name, object);
    const terminal = outcome === 'failed' && object !== undefined ? terminalFailureOf(object) : undefined;
    if (outcome === 'ready') result.met.push(target.name);
    else if (outcome === 'notFound') result.failed.push({ name: target.name, reason: 'not found' });
    else if (outcome === 'deleted') result.failed.push({ name: target.name, reason: 'was deleted' });
    else if (terminal !== undefined) result.failed.push({ name: target.name, reason: `failed: ${terminal.reason}: ${terminal.message}`, terminal });
    else result.timedOut.push(target.name);
  });
  return byKind;
}

/** Options of waitWithProgress. */
export interface ProgressWaitOptions {
  timeoutMs: number;
  /** Defaults to a view chosen by whether stderr is a terminal. */
  view?: ProgressView;
}

/** Waits until every target is Ready, showing progress, while checking that a daemon runs; returns the first failure's exit code, if any. */
export async function waitWithProgress(
  deps: CliDeps,
  client: ResourceClient,
  targets: readonly FollowTarget[],
  options: ProgressWaitOptions,
): Promise<ExitCodeValue | undefined> {
  if (targets.length === 0) return undefined;
  const { watchDaemon } = await import('../daemon/liveness.ts');
  return followWithProgress(deps, client, targets, { ...options, signal: deps.interruptSignal(), watch: () => watchDaemon(deps) });
}

/** What followWithProgress writes to and reads the time from (the CLI's deps, or the daemon's stream to one). */
export type ProgressIo = Pick<CliDeps, 'stdout' | 'stderr' | 'clock'>;

/**
 * waitWithProgress without the CLI's process: ended early by `signal` (Ctrl-C; the daemon: its
 * client went away), with `watch` started for the wait (the CLI's check that a daemon runs).
 */
export async function followWithProgress(
  io: ProgressIo,
  client: ResourceClient,
  targets: readonly FollowTarget[],
  options: ProgressWaitOptions & { signal?: AbortSignal; watch?: () => { stop(): Promise<void> } },
): Promise<ExitCodeValue | undefined> {
  if (targets.length === 0) return undefined;
  const view = options.view ?? createProgressView(io.stderr as ProgressOut);
  const started = io.clock.now().getTime();
  const watch = options.watch?.();
  let results: ObjectProgress[];
  try {
    results = await followUntilReady(client, targets, {
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onChange: (objects) => view.update(objects),
    });
  } finally {
    await watch?.stop();
  }
  const deps = io;
  view.finish(results, deps.clock.now().getTime() - started);
  let failed: ExitCodeValue | undefined;
  for (const [kind, result] of waitResultsByKind(targets, results)) failed ??= reportWait(deps, kind, result, 'condition=Ready', true);
  return failed;
}
