/**
 * `boulder workspace start|stop|pause NAME...`: set `spec.state` to Running, Stopped or Paused
 * (a conflict-retrying update; no write when it already is), make sure a daemon runs, and with
 * `--wait` wait until each workspace is Ready for its new generation, showing progress.
 */
import { kindByName, type KindInfo, notFoundError } from '../../../apis/kinds.ts';
import { isErrorCode } from '../../../apis/errors.ts';

import { UsageError } from '../../cli-error.ts';
import { defineCommand, type Command } from '../../command.ts';
import { LIFECYCLE_WAIT_TIMEOUT_MS, WAIT_OPTIONS } from '../../workspace/wait-options.ts';
import { durationFlag } from '../../duration.ts';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.ts';
import { namespaceOf, singularResource } from '../../resources.ts';
import { reportError } from '../../report-error.ts';
import type { WorkspaceState } from '../../../controllers/workspace/operations/state.ts';

const VERBS: Record<WorkspaceState, { command: string; past: string; summary: string }> = {
  Running: { command: 'start', past: 'started', summary: 'Start (or resume) workspaces: spec.state=Running' },
  Stopped: { command: 'stop', past: 'stopped', summary: 'Stop workspaces, keeping their files: spec.state=Stopped' },
  Paused: { command: 'pause', past: 'paused', summary: 'Pause (freeze) workspaces: spec.state=Paused' },
};

/** The line printed for one workspace: `workspace.nexus.dev/a paused` or `... unchanged (already Paused)`. */
export function lifecycleLine(kind: KindInfo, name: string, state: WorkspaceState, changed: boolean): string {
  return `${singularResource(kind)}/${name} ${changed ? VERBS[state].past : `unchanged (already ${state})`}`;
}

/** The `workspace start|stop|pause` subcommand setting `state`. */
export function lifecycleCommand(state: WorkspaceState): Command<typeof WAIT_OPTIONS> {
  const verb = VERBS[state];
  const usageName = `workspace ${verb.command}`;
  return defineCommand({
    name: verb.command,
    summary: verb.summary,
    usage: [`${usageName} NAME... [--wait [--timeout DURATION]] [--no-daemon]`],
    options: WAIT_OPTIONS,
    async run(deps, { values, positionals }) {
      if (positionals.length === 0) throw new UsageError(`name the workspace to ${verb.command}`, usageName);
      if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; name workspaces of one namespace', usageName);
      const timeoutMs = durationFlag(values.timeout, LIFECYCLE_WAIT_TIMEOUT_MS, 'timeout', usageName);
      const namespace = namespaceOf(values);
      const kind = kindByName('Workspace') as KindInfo;
      const { setWorkspaceState } = await import('../../../controllers/workspace/operations/operations.ts');
      const client = await deps.openClient();
      let failed: ExitCodeValue | undefined;
      try {
        const done: string[] = [];
        for (const name of positionals) {
          try {
            const { changed } = await setWorkspaceState(client, namespace, name, state);
            deps.stdout.write(`${lifecycleLine(kind, name, state, changed)}\n`);
            done.push(name);
          } catch (err) {
            failed ??= reportError(isErrorCode(err, 'NotFound') ? notFoundError(kind, name, err) : err, deps.stderr);
          }
        }
        if (done.length > 0 && values['no-daemon'] !== true) {
          const { startDaemon } = await import('../../daemon/start.ts');
          failed ??= await startDaemon(deps);
        }
        if (values.wait === true && failed === undefined) {
          const { waitWithProgress } = await import('../../progress/wait.ts');
          failed = await waitWithProgress(deps, client, done.map((name) => ({ kind, namespace, name })), { timeoutMs });
        }
      } finally {
        await client.close();
      }
      return failed ?? ExitCode.Ok;
    },
  });
}

/** `workspace start`. */
export const startCommand = lifecycleCommand('Running');
/** `workspace stop`. */
export const stopCommand = lifecycleCommand('Stopped');
/** `workspace pause`. */
export const pauseCommand = lifecycleCommand('Paused');
