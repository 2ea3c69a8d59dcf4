/**
 * The daemon's side of the control op `apply` (cmd/daemon/apply-request.ts): runs the steps of
 * `boulder apply` (./steps.ts) on the texts its CLI read, with the daemon's warm validation and
 * open store, and streams what the CLI prints as event lines. It opens no path the request names
 * (source names and `cwd` are only strings), and reads no node configuration: a CLI that finds a
 * node configuration file applies by itself. The owner stamped on new Workspaces is the daemon's
 * user — the only user (besides root) its socket admits.
 *
 * Nothing is written when any document is invalid, nor once the client went away (or was
 * interrupted): the writes stop before the next object, and a client gone while the daemon was
 * still starting gets nothing applied.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { ApplyDaemonRequest, ApplyEvent, ApplyOutcome } from '../daemon/apply-request.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { reportError } from '../report-error.ts';
import { APPLY_INTERRUPTED_EXIT_CODE, type ApplyPlan } from './steps.ts';
import type { ProgressOut } from '../progress/view.ts';

/** The CLI's flags of a request. */
function planOf(request: ApplyDaemonRequest): ApplyPlan {
  return { namespace: request.namespace, contextNamespace: request.contextNamespace, dryRun: request.dryRun, output: request.output, waitTimeoutMs: request.waitTimeoutMs };
}

/** The apply of `request`, its text sent through `emit`; the answer holds the exit code. */
export async function applyForClient(started: Promise<ResourceClient>, request: ApplyDaemonRequest, signal: AbortSignal, emit: (event: ApplyEvent) => void): Promise<{ apply: ApplyOutcome }> {
  const stderr: ProgressOut = { write: (text: string) => emit({ err: text }), isTTY: request.tty, ...(request.columns === undefined ? {} : { columns: request.columns }) };
  const io = { stdout: { write: (text: string) => emit({ out: text }) }, stderr, clock: { now: () => new Date() } };
  const answer = (exitCode: number): { apply: ApplyOutcome } => ({ apply: { exitCode } });
  try {
    const [{ validatedObjects, writeAndWait }, { enforceNodeLimits, currentUser }, { followWithProgress }] = await Promise.all([
      import('./steps.ts'),
      import('../../apis/config/limits.ts'),
      import('../progress/wait.ts'),
    ]);
    const plan = planOf(request);
    const sources = request.sources.map((s) => ({ file: s.name, text: s.text ?? undefined }));
    const objects = await validatedObjects(io, sources, request.cwd, plan);
    if (typeof objects === 'number') return answer(objects);
    const gone = new Promise<undefined>((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', () => resolve(undefined), { once: true })));
    const client = await Promise.race([started, gone]);
    if (client === undefined || signal.aborted) return answer(APPLY_INTERRUPTED_EXIT_CODE);
    const code: ExitCodeValue = await writeAndWait(io, client, objects, plan, {
      // No node file is read here (see above): the limits only stamp the owner.
      limits: (valid) => enforceNodeLimits(client, valid, { env: { NEXUS_NODE_CONFIG: '' }, user: currentUser(process.env) }),
      stop: signal,
      wait: (targets, timeoutMs) => followWithProgress(io, client, targets, { timeoutMs, signal }),
    });
    return answer(code);
  } catch (err) {
    return answer(reportError(err, io.stderr));
  }
}
