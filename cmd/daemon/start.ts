/**
 * Making sure a daemon converges what a command just wrote: shared by every command that writes
 * objects (apply, up, switch, workspace create|start|stop|pause, delete/destroy).
 */
import type { CliDeps } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { reportError } from '../report-error.ts';

/**
 * Ensures a daemon runs; notes on stderr when one was started. Returns an exit code when that
 * failed. With the Kubernetes store there is nothing to start here: the cluster's controller
 * (`boulder controller`, manifests/deploy) reconciles.
 */
export async function startDaemon(deps: CliDeps): Promise<ExitCodeValue | undefined> {
  // The cluster's controller, or a multi-user node's system daemon (systemd), does the work.
  if (deps.storeKind === 'kubernetes' || deps.nodeApi !== undefined) return undefined;
  const { ensureDaemon } = await import('./background.ts');
  try {
    const { started, status } = await ensureDaemon(deps, deps.env);
    if (started) deps.stderr.write(`started boulder daemon (pid ${status.pid}) for ${deps.stateDir}\n`);
    return undefined;
  } catch (err) {
    return reportError(err, deps.stderr);
  }
}
