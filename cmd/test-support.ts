/**
 * Test helpers for command handlers: in-memory output buffers and CliDeps backed by a real
 * embedded store in a temporary state dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps, TextOut } from './command.ts';
import { openStateDirClient } from './deps.ts';

/** A TextOut that keeps what was written. */
export class TextBuffer implements TextOut {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** CliDeps for tests, plus their buffers and a cleanup function. */
export interface TestDeps extends CliDeps {
  out: TextBuffer;
  err: TextBuffer;
  /** Aborts the interrupt signal (like Ctrl-C). */
  interrupt(): void;
  cleanup(): Promise<void>;
}

/** Creates a temp state dir and deps using it, with a fixed clock when `nowMs` is given. */
export async function createTestDeps(options: { nowMs?: number; stdin?: string } = {}): Promise<TestDeps> {
  const stateDir = await mkdtemp(join(tmpdir(), 'boulder-cmd-'));
  const out = new TextBuffer();
  const err = new TextBuffer();
  const interrupt = new AbortController();
  return {
    stdout: out,
    stderr: err,
    out,
    err,
    stdin: () => Promise.resolve(options.stdin ?? ''),
    env: {},
    cwd: stateDir,
    stateDir,
    clock: { now: () => (options.nowMs === undefined ? new Date() : new Date(options.nowMs)) },
    openClient: () => openStateDirClient(stateDir),
    interruptSignal: () => interrupt.signal,
    interrupt: () => interrupt.abort(),
    cleanup: () => rm(stateDir, { recursive: true, force: true }),
  };
}
