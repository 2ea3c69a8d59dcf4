/**
 * Running a command in a Sprite to completion (the provider's `exec`, its own setup commands):
 * stdin forwarded or fed from a buffer, output streamed to the caller's writers or collected.
 * User commands run through a small `sh` wrapper that loads the environment boulder wrote into the
 * Sprite (`$HOME/.nexus/env`), since the API's `env` parameter replaces the Sprite's whole
 * default environment.
 */
import type { ExecOptions, ExecResult } from '../types.ts';
import type { SpriteClient } from './client.ts';
import { SpriteExec, type ExecRequest } from './exec.ts';

/** Where boulder writes the workspace's environment inside the Sprite (relative to $HOME). */
export const ENV_FILE = '.nexus/env';

/** argv that runs `command` with the workspace environment loaded. */
export function withWorkspaceEnv(command: readonly string[], extra: Record<string, string> = {}): string[] {
  const exports = Object.entries(extra).map(([k, v]) => `export ${k}=${shellQuote(v)}; `).join('');
  return ['sh', '-c', `[ -r "$HOME/${ENV_FILE}" ] && . "$HOME/${ENV_FILE}"; ${exports}exec "$@"`, 'nexus-exec', ...command];
}

/** Single-quotes `value` for sh. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Runs `request` to its exit with `options`' streams (or collects output); `input` is fed as stdin when given. */
export async function runInSprite(client: SpriteClient, sprite: string, request: ExecRequest, options: Pick<ExecOptions, 'stdin' | 'stdout' | 'stderr' | 'signal'> = {}, input?: Uint8Array): Promise<ExecResult> {
  const forwardStdin = options.stdin !== undefined || input !== undefined;
  const terminal = request.tty === true ? terminalOf(options.stdout) : undefined;
  const size = terminal !== undefined ? { cols: terminal.columns, rows: terminal.rows } : {};
  const exec = await SpriteExec.start(client, sprite, { ...size, ...request, stdin: forwardStdin }, options.signal);
  // A TTY follows the size of the terminal it is shown on (the `resize` control message).
  const resize = (): void => exec.resize(terminal!.columns, terminal!.rows);
  terminal?.on('resize', resize);
  let stdout = '';
  let stderr = '';
  if (options.stdout !== undefined) exec.stdout.pipe(options.stdout, { end: false });
  else exec.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  if (options.stderr !== undefined) exec.stderr.pipe(options.stderr, { end: false });
  else exec.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  if (input !== undefined) {
    if (input.length > 0) await exec.write(input);
    exec.endStdin();
  } else if (options.stdin !== undefined) {
    void pumpStdin(exec, options.stdin);
  }
  try {
    const exitCode = await exec.exit;
    return { exitCode, stdout, stderr };
  } finally {
    terminal?.off('resize', resize);
  }
}

/** The terminal `out` is, when it is one (a TTY stream with a size). */
function terminalOf(out: NodeJS.WritableStream | undefined): (NodeJS.WritableStream & { columns: number; rows: number; on(e: 'resize', l: () => void): unknown; off(e: 'resize', l: () => void): unknown }) | undefined {
  const terminal = out as (NodeJS.WritableStream & { columns?: number; rows?: number }) | undefined;
  if (terminal?.columns === undefined || terminal.rows === undefined || typeof terminal.on !== 'function') return undefined;
  return terminal as never;
}

async function pumpStdin(exec: SpriteExec, stdin: NodeJS.ReadableStream): Promise<void> {
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
      if (exec.done) return;
      await exec.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    exec.endStdin();
  } catch {
    // the exec ended first
  }
}
