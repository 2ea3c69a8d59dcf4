/**
 * A workspace whose cleanup the real Docker engine refuses (issue 20), black-box through the real
 * `boulder` binary and its background daemon. The obstacle: a file in the main container's
 * writable layer (overlay2 UpperDir) made immutable with `chattr +i`, so the engine's removal fails
 * deterministically — "driver overlay2 failed to remove root filesystem: unlinkat …: operation not
 * permitted", the same class of error as the "device or resource busy" seen after an engine restart
 * (a flag on a file inside a bind mount is not enough: the engine never deletes those). While it
 * holds, `delete --wait` prints the engine's message as soon as the controller records it and ends
 * at its timeout with it; `get` shows Terminating (READY False, REASON CleanupFailed with -o wide),
 * `describe` the pending finalizer and a CleanupFailed event with the next retry. Once the flag is
 * cleared, the next retry removes everything and the workspace goes.
 * Needs root and an ext4/xfs Docker root (chattr); fails, never skips, without an engine.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from '../cli/harness.ts';
import { DEBIAN, docker, dockerExec, mainContainer, managedObjects, removeObjects, requireEngine, runNamespace } from './workspace-harness.ts';

const NS = runNamespace('stuck');
const NAME = 'stuck';
let stateDir: string;
let stuckFile: string | undefined;
const pids = new Set<number>();

function boulder(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runBoulder(['--state-dir', stateDir, ...args], { env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' }, timeoutMs: options.timeoutMs ?? 120_000, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
}

function chattr(flag: '+i' | '-i', path: string): void {
  execFileSync('chattr', [flag, path]);
}

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([DEBIAN]);
  await engineReady;
});

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
});

afterAll(async () => {
  if (stuckFile !== undefined) {
    try {
      chattr('-i', stuckFile);
    } catch {
      // already removed with its layer
    }
  }
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await removeObjects(await managedObjects(NS).catch(() => []));
  await rm(stateDir, { recursive: true, force: true });
}, 60_000);

describe('cleanup refused by the Docker engine', () => {
  it('shows Terminating and CleanupFailed in delete --wait, get and describe, and finishes once the obstacle is gone', async () => {
    const manifest = `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${NAME}\n  namespace: ${NS}\nspec:\n  backend: docker\n  image: ${DEBIAN}\n`;
    const applied = await boulder(['apply', '-f', '-', '--wait', '--timeout', '100s'], { stdin: manifest });
    const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
    if (status.pid !== undefined) pids.add(status.pid);
    expect(applied.code, applied.stderr).toBe(0);
    const uid = (JSON.parse((await boulder(['get', 'ws', NAME, '-n', NS, '-o', 'json'])).stdout) as { metadata: { uid: string } }).metadata.uid;
    const main = (await mainContainer(uid))!;
    expect((await dockerExec(main.Id, ['sh', '-c', 'echo held > /stuck'])).exitCode).toBe(0);
    const upper = ((await docker.getContainer(main.Id).inspect()).GraphDriver.Data as Record<string, string> | null | undefined)?.['UpperDir'];
    expect(upper, 'overlay2 UpperDir of the main container').toBeDefined();
    stuckFile = join(upper as string, 'stuck');
    chattr('+i', stuckFile);

    const stuck = await boulder(['delete', 'ws', NAME, '-n', NS, '--wait', '--timeout', '6s']);
    expect(stuck.code, stuck.stderr).toBe(6);
    expect(stuck.stdout).toBe(`workspace.nexus.dev "${NAME}" deleted\n`);
    expect(stuck.stderr).toMatch(new RegExp(`^workspace/${NAME}: cleanup failed, still waiting: .*failed to remove root filesystem.*operation not permitted \\(attempt \\d+; retrying in [\\d.]+s, at \\S+Z\\)$`, 'm'));
    expect(stuck.stderr).toMatch(new RegExp(`^error: timed out waiting for delete on workspaces/${NAME}: CleanupFailed: .*operation not permitted`, 'm'));

    const get = await boulder(['get', 'ws', NAME, '-n', NS, '-o', 'wide']);
    const [header, row] = get.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
    expect(row?.[header!.indexOf('PHASE')]).toBe('Terminating');
    expect(row?.[header!.indexOf('READY')]).toBe('False');
    expect(row?.[header!.indexOf('REASON')]).toBe('CleanupFailed');
    const json = JSON.parse((await boulder(['get', 'ws', NAME, '-n', NS, '-o', 'json'])).stdout) as { status: { phase: string }; metadata: { finalizers: string[] } };
    expect(json.status.phase).toBe('Terminating');
    expect(json.metadata.finalizers).toEqual(['nexus.dev/cleanup']);
    const describe = (await boulder(['describe', 'ws', NAME, '-n', NS])).stdout;
    expect(describe).toMatch(/^Phase:\s+Terminating \(waiting for finalizers: nexus\.dev\/cleanup\)$/m);
    expect(describe).toMatch(/^\s+Ready\s+False\s+CleanupFailed\s+.*operation not permitted/m);
    expect(describe).toMatch(/^Events:\n\s+TYPE\s+REASON\s+AGE\s+MESSAGE\n\s+Warning\s+CleanupFailed\s+\S+\s+.*operation not permitted \(attempt \d+; retrying in/m);

    chattr('-i', stuckFile);
    const done = await boulder(['wait', `ws/${NAME}`, '-n', NS, '--for=delete', '--timeout', '90s']);
    expect(done.code, done.stderr).toBe(0);
    expect(await mainContainer(uid)).toBeUndefined();
    expect(await managedObjects(NS)).toEqual([]);
  }, 240_000);
});
