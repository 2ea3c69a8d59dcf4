/**
 * Black-box tests of deletion and waiting (issues 20 and 11 item 7) with the real bin/boulder.js
 * and a real background daemon converging `backend: mock` workspaces:
 * - `delete --wait` starts the daemon when none runs (like apply) and completes;
 * - `delete --no-daemon --wait` with no daemon fails at once, saying how to proceed;
 * - a wait checks that a daemon runs, at its start and periodically;
 * - `apply --wait` on an invalid repository path ends within 5 s with the condition's message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
let scratch: string;
const pids = new Set<number>();
const boulder = (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> =>
  runBoulder(['--state-dir', stateDir, ...args], options);

function manifest(name: string, extra = ''): string {
  return `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  backend: mock\n  image: busybox\n${extra}`;
}

async function daemonPid(): Promise<number | undefined> {
  const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
  return status.pid;
}

async function stopDaemon(): Promise<void> {
  await daemonPid();
  expect((await boulder(['daemon', 'stop', '--timeout', '10s'])).code).toBe(0);
  expect(await daemonPid()).toBeUndefined();
}

beforeAll(async () => {
  await ensureBuilt();
  scratch = await mkdtemp(join(tmpdir(), 'bcli-del-'));
});

afterEach(async () => {
  await boulder(['daemon', 'stop', '--timeout', '10s']);
});

afterAll(async () => {
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('deletion with the daemon stopped', () => {
  it('delete --wait starts the daemon (like apply) and completes', async () => {
    stateDir = await tempStateDir();
    expect((await boulder(['apply', '-f', '-', '--wait', '--timeout', '20s'], { stdin: manifest('gone') })).code).toBe(0);
    await stopDaemon();

    const r = await boulder(['delete', 'ws', 'gone', '--wait', '--timeout', '20s']);
    expect(r.stderr).toMatch(/^started boulder daemon \(pid \d+\) for /m);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "gone" deleted\n' });
    expect(await daemonPid()).toBeDefined();
    expect((await boulder(['get', 'ws', 'gone'])).code).toBe(4);
  });

  it('delete --no-daemon --wait fails at once, saying nothing will process the deletion and how to run it', async () => {
    stateDir = await tempStateDir();
    expect((await boulder(['apply', '-f', '-', '--wait', '--timeout', '20s'], { stdin: manifest('held') })).code).toBe(0);
    await stopDaemon();

    const r = await boulder(['delete', 'ws', 'held', '--no-daemon', '--wait', '--timeout', '60s']);
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(5_000);
    expect(r.stdout).toBe('workspace.nexus.dev "held" deleted\n');
    expect(r.stderr).toMatch(/no boulder daemon is running for .*, so nothing will process the deletion of workspace\/held \(finalizer nexus\.dev\/cleanup pending\); run `boulder reconcile --once`/);
    expect(await daemonPid()).toBeUndefined();

    // The object shows Terminating meanwhile, with its finalizer pending …
    const get = await boulder(['get', 'ws', 'held']);
    expect(get.stdout).toMatch(/^held\s+Terminating\s/m);
    const describe = await boulder(['describe', 'ws', 'held']);
    expect(describe.stdout).toMatch(/^Phase:\s+Terminating \(waiting for finalizers: nexus\.dev\/cleanup\)$/m);
    // … and the command it named processes it.
    expect((await boulder(['reconcile', '--once', '--timeout', '20s'])).code).toBe(0);
    expect((await boulder(['get', 'ws', 'held'])).code).toBe(4);
  });
});

describe('waits check the daemon', () => {
  it('says so at the start when no daemon runs, and when it stops during the wait', async () => {
    stateDir = await tempStateDir();
    expect((await boulder(['apply', '-f', '-', '--no-daemon'], { stdin: manifest('idle') })).code).toBe(0);
    const alone = await boulder(['wait', 'ws/idle', '--for=condition=Ready', '--timeout', '1s']);
    expect(alone.code).toBe(6);
    expect(alone.stderr).toMatch(/^warning: no boulder daemon is running for .*, so nothing will act on this; start one with `boulder daemon`/m);

    // With a daemon: no warning until it is stopped under the wait (checked every 200 ms here).
    expect((await boulder(['apply', '-f', '-', '--wait', '--timeout', '20s'], { stdin: manifest('busy') })).code).toBe(0);
    await daemonPid();
    const waiting = startBoulder(['--state-dir', stateDir, 'wait', 'ws/busy', '--for=delete', '--timeout', '20s'], { env: { BOULDER_DAEMON_CHECK_MS: '200' } });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(waiting.stderr()).toBe('');
    await stopDaemon();
    await waiting.until((_out, err) => /warning: no boulder daemon is running/.test(err), 5_000);
    waiting.child.kill('SIGINT');
    await waiting.exited;
  });
});

describe('apply --wait fails fast', () => {
  it('on an invalid repository path: non-zero within 5 s with the condition\'s message', async () => {
    stateDir = await tempStateDir();
    const missing = join(scratch, 'no-such-repository');
    const r = await boulder(['apply', '-f', '-', '--wait'], { stdin: manifest('norepo', `  repository:\n    path: ${missing}\n`), timeoutMs: 60_000 });
    await daemonPid();
    expect(r.code, r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(5_000);
    expect(r.stderr).toContain(`workspace/norepo: failed after`);
    expect(r.stderr).toContain(`error: workspace.nexus.dev/norepo failed: NotAGitRepository: repository path ${missing} does not exist`);

    // Re-applying the same spec fails at once too (the failure stands for this generation); `wait` as well.
    const again = await boulder(['wait', 'ws/norepo', '--for=condition=Ready', '--timeout', '60s']);
    expect(again.code).toBe(1);
    expect(again.ms).toBeLessThan(5_000);
    expect(again.stderr).toContain('NotAGitRepository');
  });
});
