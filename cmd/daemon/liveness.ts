/**
 * Whether anything will act on what a `--wait` waits for. With the embedded store only the daemon
 * of the state dir converges objects, so a wait checks, at its start and then periodically, that
 * it answers on its socket (the existing status request), and says so on stderr when it does not
 * (and again when one answers later). With the Kubernetes store the in-cluster controller does the
 * work; its liveness is not checked here: the CLI user may not be allowed to read its namespace,
 * and Kubernetes (the Deployment's readiness) already reports it — see README.
 */
import type { CliDeps } from '../command.ts';
import { daemonPathsOf } from './paths.ts';
import { daemonStatus } from './protocol.ts';

/** How often a wait looks for the daemon again (`BOULDER_DAEMON_CHECK_MS` overrides, for tests). */
export const DAEMON_CHECK_INTERVAL_MS = 2_000;

/** The hint printed when no daemon runs: how to get the objects converged. */
export function noDaemonHint(stateDir: string): string {
  return `no boulder daemon is running for ${stateDir}, so nothing will act on this; start one with \`boulder daemon\`, or converge once with \`boulder reconcile --once\``;
}

/** True when a daemon answers for the state dir of `deps` (always true with the Kubernetes store: not checked). */
export async function daemonAlive(deps: Pick<CliDeps, 'stateDir' | 'daemon' | 'storeKind' | 'nodeApi'>): Promise<boolean> {
  // A multi-user node's system daemon: a user reaches only its API (every command fails clearly when it is down).
  if (deps.storeKind === 'kubernetes' || deps.nodeApi !== undefined) return true;
  return (await daemonStatus(daemonPathsOf(deps).socket, 1000)) !== undefined;
}

/** A running check; `stop` ends it (and waits for a check in flight). */
export interface DaemonWatch {
  stop(): Promise<void>;
}

/**
 * Checks now and every interval until stopped, writing one warning line when the daemon is found
 * missing and one line when it is back. Nothing to do with the Kubernetes store.
 */
export function watchDaemon(deps: Pick<CliDeps, 'stateDir' | 'daemon' | 'storeKind' | 'stderr' | 'env' | 'nodeApi'>): DaemonWatch {
  if (deps.storeKind === 'kubernetes' || deps.nodeApi !== undefined) return { stop: () => Promise.resolve() };
  const fromEnv = Number(deps.env['BOULDER_DAEMON_CHECK_MS']);
  const intervalMs = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DAEMON_CHECK_INTERVAL_MS;
  let alive: boolean | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let refused = false;
  const check = async (): Promise<void> => {
    let now: boolean;
    try {
      now = await daemonAlive(deps);
    } catch (err) {
      // An untrusted socket (socket-trust.ts) is said once, like a missing daemon.
      if (!refused && !stopped) deps.stderr.write(`warning: ${(err as Error).message}\n`);
      refused = true;
      return;
    }
    if (stopped || now === alive) return;
    if (!now) deps.stderr.write(`warning: ${noDaemonHint(deps.stateDir)}\n`);
    else if (alive === false) deps.stderr.write(`boulder daemon is running again for ${deps.stateDir}\n`);
    alive = now;
  };
  inFlight = check().catch(() => undefined);
  const timer = setInterval(() => {
    inFlight = inFlight.then(check).catch(() => undefined);
  }, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight.catch(() => undefined);
    },
  };
}
