/**
 * `boulder apply` through the running daemon (control op `apply`, cmd/daemon/apply-request.ts):
 * the CLI sends the texts of the sources it read, as the invoking user, and prints the text the
 * daemon streams back (the same as the CLI's own path prints: both run ./steps.ts) and returns its
 * exit code. Loads only the socket client: no store, no YAML, no validation.
 *
 * Undefined means "apply here instead": no daemon answers, it does not know the op (an older
 * daemon) or refuses the request before doing anything, a node configuration file exists (its
 * limits are read as the invoking user, by the CLI), or the request is beyond the op's bounds.
 * Once the daemon streamed anything, its answer is final: the CLI never applies a second time.
 * A `--wait` is ended by Ctrl-C as the CLI's own is: the CLI half-closes the connection, the
 * daemon ends the wait and still sends what the CLI prints (the objects not Ready, exit 6).
 */
import type { ManifestSource } from '../../apis/validation/sources.ts';
import { CliError } from '../cli-error.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { ProgressOut } from '../progress/view.ts';
import { isApplyEvent, isApplyOutcome, MAX_APPLY_REQUEST_BYTES, MAX_APPLY_WAIT_MS, type ApplyDaemonRequest } from '../daemon/apply-request.ts';
import type { DaemonReply } from '../daemon/protocol.ts';
import type { ApplyPlan } from './steps.ts';

/** How much longer than `--wait`'s timeout the CLI waits for the daemon's answer (the writes; a daemon still starting). */
const DAEMON_ANSWER_SLACK_MS = 30_000;

/** The request for `sources` and `plan`, or undefined when the op cannot carry it. */
export function applyRequestFor(deps: Pick<CliDeps, 'cwd' | 'stderr'>, sources: readonly ManifestSource[], plan: ApplyPlan): ApplyDaemonRequest | undefined {
  if (plan.waitTimeoutMs !== undefined && plan.waitTimeoutMs > MAX_APPLY_WAIT_MS) return undefined;
  const stderr = deps.stderr as ProgressOut;
  const columns = stderr.columns;
  return {
    op: 'apply',
    sources: sources.map((s) => ({ name: s.file, text: s.text ?? null })),
    cwd: deps.cwd,
    ...(plan.namespace === undefined ? {} : { namespace: plan.namespace }),
    ...(plan.contextNamespace === undefined ? {} : { contextNamespace: plan.contextNamespace }),
    dryRun: plan.dryRun,
    ...(plan.output === undefined ? {} : { output: plan.output }),
    ...(plan.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: Math.round(plan.waitTimeoutMs) }),
    tty: stderr.isTTY === true,
    ...(typeof columns === 'number' && Number.isInteger(columns) && columns >= 1 && columns <= 10_000 ? { columns } : {}),
  };
}

/** Applies through the daemon; the exit code, or undefined to apply here (see the module comment). */
export async function applyThroughDaemon(deps: CliDeps, sources: readonly ManifestSource[], plan: ApplyPlan): Promise<ExitCodeValue | undefined> {
  const request = applyRequestFor(deps, sources, plan);
  if (request === undefined) return undefined;
  const [{ locateNodeConfig }, { daemonPathsOf }, { requestDaemon }] = await Promise.all([import('../../apis/config/paths.ts'), import('../daemon/paths.ts'), import('../daemon/protocol.ts')]);
  if (locateNodeConfig(deps.env, deps.cwd) !== undefined) return undefined;
  // What goes on the wire is measured only when it may be too long (a UTF-16 unit is at most 6 bytes of JSON).
  const approx = sources.reduce((n, s) => n + (s.text?.length ?? 0) + s.file.length, 0);
  if (approx * 6 > MAX_APPLY_REQUEST_BYTES && Buffer.byteLength(JSON.stringify(request)) > MAX_APPLY_REQUEST_BYTES) return undefined;
  let streamed = false;
  const paths = daemonPathsOf(deps);
  const reply = await requestDaemon(paths.socket, request, (plan.waitTimeoutMs ?? 0) + DAEMON_ANSWER_SLACK_MS, plan.waitTimeoutMs === undefined ? undefined : deps.interruptSignal(), {
    endOnAbort: true,
    onEvent: (value) => {
      if (!isApplyEvent(value)) return false;
      streamed = true;
      if ('out' in value) deps.stdout.write(value.out);
      else deps.stderr.write(value.err);
      return true;
    },
  });
  return exitCodeOf(reply, streamed, paths.log);
}

/** The exit code the daemon answered; undefined when it did nothing (apply here); a CliError when it stopped halfway. */
function exitCodeOf(reply: DaemonReply, streamed: boolean, log: string): ExitCodeValue | undefined {
  const answer = reply.state === 'answered' ? (reply.response as { apply?: unknown; error?: unknown }) : undefined;
  if (answer !== undefined && isApplyOutcome(answer.apply)) return answer.apply.exitCode as ExitCodeValue;
  if (!streamed) return undefined;
  const why = typeof answer?.error === 'string' ? `failed: ${answer.error}` : 'stopped answering';
  throw new CliError(`the boulder daemon ${why} during the apply (see ${log}); what is printed above was applied`, ExitCode.Unavailable);
}
