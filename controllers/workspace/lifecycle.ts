/**
 * Lifecycle scripts and hooks, run inside the workspace container through the provider:
 * `scripts.preStart` / `scripts.postStart` once per container creation, `hooks.onSleep` before the
 * workspace is paused or stopped, `hooks.onWake` after it runs again.
 */
import type { Provider, RuntimeTarget } from '../providers/types.ts';
import { WORKSPACE_DIR } from './desired.ts';

/** Lines of output kept from a script run. */
export const OUTPUT_LINES = 10;

/** What a script run produced. */
export interface ScriptRun {
  exitCode: number;
  /** The last lines of combined stdout and stderr. */
  output: string;
}

/** Runs `script` with `sh -c` in the workspace directory (`workdir`, default /workspace). */
export async function runScript(provider: Provider, target: RuntimeTarget, script: string, signal?: AbortSignal, workdir = WORKSPACE_DIR): Promise<ScriptRun> {
  const result = await provider.exec(target, ['sh', '-c', script], { workdir, ...(signal ? { signal } : {}) });
  return { exitCode: result.exitCode, output: lastLines(`${result.stdout}${result.stderr}`, OUTPUT_LINES) };
}

/** The last `count` non-empty lines of `text`. */
export function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}

/** A one-line summary of a failed run for a condition message. */
export function describeFailure(name: string, run: ScriptRun): string {
  const tail = run.output === '' ? '' : `: ${run.output.split('\n').slice(-3).join(' | ')}`;
  return `${name} exited with status ${run.exitCode}${tail}`;
}
