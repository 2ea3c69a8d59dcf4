/**
 * What `delete`, `workspace destroy` and `down` do after marking objects for deletion (one code
 * path): objects whose finalizers are pending need a controller, so a daemon is started in the
 * background when none runs, exactly as `apply` does (`--no-daemon` opts out; with `--wait` and no
 * daemon running that fails at once: nothing would process the deletion). `--wait` then follows
 * the objects until they are gone, printing each cleanup failure the controller reports
 * (CleanupFailed) as it appears, ending at once on a terminal failure, and watching the daemon.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import type { KindInfo } from '../apis/kinds.ts';
import type { KubeObject } from '../apis/meta.ts';
import { cleanupFailureOf } from '../apis/terminal.ts';
import { CliError } from './cli-error.ts';
import type { CliDeps } from './command.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** Default `--timeout` of `--wait` for `delete`, `workspace destroy` and `down`. */
export const DELETE_WAIT_TIMEOUT_MS = 60_000;

/** One object marked for deletion. */
export interface MarkedObject {
  kind: KindInfo;
  namespace: string;
  name: string;
  /** The object as the delete call left it (finalizers pending), or undefined when it is gone. */
  remaining?: KubeObject;
}

/** Options of finishDeletion. */
export interface DeletionOptions {
  noDaemon: boolean;
  wait: boolean;
  timeoutMs: number;
}

function pendingFinalizers(marked: readonly MarkedObject[]): MarkedObject[] {
  return marked.filter((m) => (m.remaining?.metadata.finalizers ?? []).length > 0);
}

/** Starts the daemon when needed, then waits (`--wait`); returns the first failure's exit code. */
export async function finishDeletion(deps: CliDeps, client: ResourceClient, marked: readonly MarkedObject[], options: DeletionOptions): Promise<ExitCodeValue | undefined> {
  const pending = pendingFinalizers(marked);
  if (pending.length > 0 && !options.noDaemon) {
    const { startDaemon } = await import('./daemon/start.ts');
    const failed = await startDaemon(deps);
    if (failed !== undefined) return failed;
  }
  if (!options.wait || marked.length === 0) return undefined;
  if (pending.length > 0 && options.noDaemon) await refuseWaitWithoutDaemon(deps, pending);
  return waitUntilGone(deps, client, marked, options.timeoutMs);
}

/** `--no-daemon --wait` with finalizers pending and no daemon: fails at once, saying how to proceed. */
async function refuseWaitWithoutDaemon(deps: CliDeps, pending: readonly MarkedObject[]): Promise<void> {
  const { daemonAlive } = await import('./daemon/liveness.ts');
  if (await daemonAlive(deps)) return;
  const what = pending.map((m) => `${m.kind.singular}/${m.name}`).join(', ');
  const finalizers = [...new Set(pending.flatMap((m) => m.remaining?.metadata.finalizers ?? []))].join(', ');
  throw new CliError(
    `--no-daemon --wait: no boulder daemon is running for ${deps.stateDir}, so nothing will process the deletion of ${what} (finalizer ${finalizers} pending); run \`boulder reconcile --once\` to process it now, or drop --no-daemon to start a daemon`,
    ExitCode.Unavailable,
  );
}

/** Follows the objects until gone within one deadline, printing cleanup failures as they appear. */
async function waitUntilGone(deps: CliDeps, client: ResourceClient, marked: readonly MarkedObject[], timeoutMs: number): Promise<ExitCodeValue | undefined> {
  const [{ waitForObjects }, { reportWait }, { watchDaemon }] = await Promise.all([import('./wait-for.ts'), import('./progress/report-wait.ts'), import('./daemon/liveness.ts')]);
  const groups = new Map<string, { kind: KindInfo; namespace: string; names: string[] }>();
  for (const m of marked) {
    const key = `${m.kind.kind}/${m.namespace}`;
    const group = groups.get(key) ?? { kind: m.kind, namespace: m.namespace, names: [] };
    group.names.push(m.name);
    groups.set(key, group);
  }
  const printed = new Map<string, string>();
  const onObject = (obj: KubeObject): void => {
    const failure = cleanupFailureOf(obj);
    const label = `${obj.kind.toLowerCase()}/${obj.metadata.name}`;
    if (failure === undefined || printed.get(label) === failure.message) return;
    printed.set(label, failure.message);
    deps.stderr.write(`${label}: cleanup failed, still waiting: ${failure.message}\n`);
  };
  const deadline = Date.now() + timeoutMs;
  const daemon = watchDaemon(deps);
  let failed: ExitCodeValue | undefined;
  try {
    const results = await Promise.all(
      [...groups.values()].map(async (g) => ({
        kind: g.kind,
        result: await waitForObjects(client, g.kind, g.namespace, g.names, { for: 'delete' }, { timeoutMs: deadline - Date.now(), signal: deps.interruptSignal(), onObject }),
      })),
    );
    for (const { kind, result } of results) failed ??= reportWait(deps, kind, result, 'delete', true);
  } finally {
    await daemon.stop();
  }
  return failed;
}
