/**
 * Builds the dependencies command handlers run with, backed by the real process: its streams,
 * environment, working directory, wall clock, and the store in the resolved state dir.
 */
import { text } from 'node:stream/consumers';
import type { ResourceClient } from '../apis/client/types.ts';
import { resolveStateDir } from '../apis/config/state-dir.ts';
import type { CliDeps } from './command.ts';
import type { CliOverrides } from './main.ts';

/** Inputs of createProcessDeps. */
export interface ProcessDepsInput {
  stateDirFlag: string | undefined;
  env: NodeJS.ProcessEnv;
  overrides?: CliOverrides;
}

/** The process-backed CliDeps, with any overrides applied. */
export function createProcessDeps({ stateDirFlag, env, overrides = {} }: ProcessDepsInput): CliDeps {
  const stateDir = resolveStateDir(stateDirFlag, env);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: () => text(process.stdin),
    env,
    cwd: process.cwd(),
    clock: { now: () => new Date() },
    openClient: () => openStateDirClient(stateDir),
    interruptSignal: processInterruptSignal,
    ...overrides,
    stateDir,
  };
}

/** Opens the embedded store of a state dir (loaded lazily: SQLite and validation are not free). */
export async function openStateDirClient(stateDir: string): Promise<ResourceClient> {
  const { openClient, embeddedClientSpec } = await import('../apis/client/open.ts');
  return openClient(embeddedClientSpec(stateDir));
}

let interrupt: AbortController | undefined;

/** Aborts on the first SIGINT or SIGTERM; a second one kills the process the default way. */
function processInterruptSignal(): AbortSignal {
  if (interrupt === undefined) {
    const controller = new AbortController();
    interrupt = controller;
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      controller.abort(new Error(`interrupted by ${signal}`));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return interrupt.signal;
}
