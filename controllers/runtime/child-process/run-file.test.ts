/**
 * runFile's contract, held by both runners: in this process (runInProcess) and through a spawner
 * process (bin/boulder-spawner.js). Real programs (sh, cat, head, sleep), no mocks.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessError } from './errors.ts';
import { runInProcess } from './in-process.ts';
import type { Spawner } from './spawner.ts';
import { readySpawner } from './testing.ts';
import type { OutputEncoding, OutputOf, RunFileOptions, RunFileResult } from './types.ts';

type Run = <E extends OutputEncoding = 'utf8'>(file: string, args: readonly string[], options?: RunFileOptions<E>) => Promise<RunFileResult<OutputOf<E>>>;

let spawner: Spawner;
beforeAll(async () => {
  spawner = await readySpawner();
});
afterAll(() => spawner.close());

/** The rejection of `promise` (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<ChildProcessError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChildProcessError);
  return err as ChildProcessError;
}

const runners: [string, () => Run][] = [
  ['in this process', () => runInProcess],
  ['through the spawner', () => spawner.run.bind(spawner) as Run],
];

describe.each(runners)('runFile %s', (_name, runner) => {
  it('resolves with stdout and stderr on exit 0', async () => {
    await expect(runner()('sh', ['-c', 'echo out; echo err >&2'])).resolves.toEqual({ stdout: 'out\n', stderr: 'err\n' });
  });

  it('rejects a non-zero exit with its code and what it printed', async () => {
    const err = await failure(runner()('sh', ['-c', 'echo partial; echo bad >&2; exit 3']));
    expect(err).toMatchObject({ code: 3, exitCode: 3, killed: false, signal: undefined, stdout: 'partial\n', stderr: 'bad\n' });
    expect(err.message).toContain('Command failed: sh -c');
  });

  it('kills a program that runs past its timeout', async () => {
    const started = performance.now();
    const err = await failure(runner()('sleep', ['5'], { timeout: 150 }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(err).toMatchObject({ killed: true, signal: 'SIGTERM', exitCode: undefined });
  });

  it('rejects a missing program with ENOENT', async () => {
    const err = await failure(runner()('boulder-test-no-such-program', ['x']));
    expect(err).toMatchObject({ code: 'ENOENT', exitCode: undefined, syscall: 'spawn boulder-test-no-such-program', path: 'boulder-test-no-such-program' });
  });

  it('writes input to stdin and closes it; without input stdin is closed at once', async () => {
    await expect(runner()('cat', [], { input: 'hello\n' })).resolves.toEqual({ stdout: 'hello\n', stderr: '' });
    await expect(runner()('cat', [], { timeout: 5000 })).resolves.toEqual({ stdout: '', stderr: '' });
  });

  it('passes binary input and output through unchanged with encoding buffer', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const { stdout, stderr } = await runner()('cat', [], { input: bytes, encoding: 'buffer' });
    expect(Buffer.isBuffer(stdout) && Buffer.isBuffer(stderr)).toBe(true);
    expect(stdout.equals(bytes)).toBe(true);
    expect(stderr.length).toBe(0);
  });

  it('returns output up to maxBuffer and fails beyond it, with the output up to it', async () => {
    const script = 'head -c 1000000 /dev/zero | tr "\\0" a';
    const { stdout } = await runner()('sh', ['-c', script], { maxBuffer: 1_000_000 });
    expect(stdout.length).toBe(1_000_000);
    expect(stdout.replaceAll('a', '')).toBe('');
    const err = await failure(runner()('sh', ['-c', script], { maxBuffer: 999_999 }));
    expect(err).toMatchObject({ code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', exitCode: undefined, message: 'stdout maxBuffer length exceeded' });
    expect(err.stdout.length).toBe(999_999);
  });

  it('runs in the given cwd with the given environment, else the caller’s', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'boulder-run-file-')));
    try {
      const given = await runner()('sh', ['-c', 'pwd; echo "$MARK"'], { cwd: dir, env: { PATH: process.env.PATH ?? '', MARK: 'given' } });
      expect(given.stdout).toBe(`${dir}\ngiven\n`);
      // Set after the spawner started: a run without env gets the caller's environment of now.
      process.env['BOULDER_TEST_MARK'] = 'inherited';
      const inherited = await runner()('sh', ['-c', 'pwd; echo "$BOULDER_TEST_MARK"']);
      expect(inherited.stdout).toBe(`${process.cwd()}\ninherited\n`);
    } finally {
      delete process.env['BOULDER_TEST_MARK'];
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers concurrent runs each with its own output', async () => {
    const started = performance.now();
    const runs = Array.from({ length: 20 }, (_, i) => runner()('sh', ['-c', 'sleep 0.2; echo "$1"; exit "$2"', 'sh', `run-${i}`, String(i % 2)]));
    const outcomes = await Promise.allSettled(runs);
    outcomes.forEach((outcome, i) => {
      if (i % 2 === 0) expect(outcome).toEqual({ status: 'fulfilled', value: { stdout: `run-${i}\n`, stderr: '' } });
      else expect(outcome).toMatchObject({ status: 'rejected', reason: { exitCode: 1, stdout: `run-${i}\n` } });
    });
    // Concurrent, not one after another (20 × 200 ms).
    expect(performance.now() - started).toBeLessThan(2500);
  });
});
