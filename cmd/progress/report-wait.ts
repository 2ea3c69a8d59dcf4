/**
 * Printing the outcome of a wait, shared by `boulder wait`, the `--wait` of the commands that write
 * (progress/wait.ts) and the deletion commands (deletion.ts).
 */
import type { KindInfo } from '../../apis/kinds.ts';
import { cleanupFailureOf } from '../../apis/terminal.ts';
import { notFoundError, pluralResource } from '../../apis/kinds.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { singularResource } from '../resources.ts';
import { reportError } from '../report-error.ts';
import type { WaitResult } from '../wait-for.ts';

/**
 * Prints the outcome of one wait (`workspace.nexus.dev/foo condition met`, or one error line per
 * object that failed: a terminal failure with its condition's reason and message, exit 1; a
 * timeout with the cleanup failure that kept a deletion from finishing, if any) and returns the
 * exit code of the first failure, if any. `quiet` prints failures only.
 */
export function reportWait(deps: Pick<CliDeps, 'stdout' | 'stderr'>, kind: KindInfo, result: WaitResult, forText: string, quiet = false): ExitCodeValue | undefined {
  let failed: ExitCodeValue | undefined;
  if (!quiet) {
    for (const name of result.met) deps.stdout.write(`${singularResource(kind)}/${name} ${forText === 'delete' ? 'deleted' : 'condition met'}\n`);
  }
  for (const { name, reason, terminal } of result.failed) {
    if (terminal !== undefined) {
      deps.stderr.write(`error: ${singularResource(kind)}/${name} failed: ${terminal.reason}: ${terminal.message}\n`);
      failed ??= ExitCode.Error;
    } else if (reason === 'not found') {
      failed ??= reportError(notFoundError(kind, name), deps.stderr);
    } else {
      deps.stderr.write(`error: ${pluralResource(kind)} "${name}" ${reason} while waiting for ${forText}\n`);
      failed ??= ExitCode.NotFound;
    }
  }
  for (const name of result.timedOut) {
    const latest = result.latest.get(name);
    const stuck = latest === undefined ? undefined : cleanupFailureOf(latest);
    deps.stderr.write(`error: timed out waiting for ${forText} on ${kind.plural}/${name}${stuck === undefined ? '' : `: ${stuck.reason}: ${stuck.message}`}\n`);
    failed ??= ExitCode.Timeout;
  }
  return failed;
}
