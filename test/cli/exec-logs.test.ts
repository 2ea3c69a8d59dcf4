/**
 * Black-box tests of `boulder exec` and `boulder logs` against the real Docker engine (DOCKER_HOST
 * or the default socket): a `backend: docker` workspace with one service, converged by a
 * background daemon, then exec (stdout/stderr, exit code propagation, stdin, --service, env,
 * workdir) and logs (all, --tail, -f, --service). Fails, never skips, when no engine answers.
 * afterAll deletes the workspace, stops the daemon and checks that no labelled object is left.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

const BUSYBOX = 'boulder-test/busybox:latest';
const NAME = `bx${process.pid}`;
const docker = new Dockerode();
let stateDir: string;
let manifestDir: string;
let daemonPid: number | undefined;
const boulder = (args: string[], stdin?: string): Promise<RunResult> =>
  runBoulder(['--state-dir', stateDir, ...args], { timeoutMs: 60_000, ...(stdin !== undefined ? { stdin } : {}) });

const manifest = `apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${NAME}
spec:
  backend: docker
  image: ${BUSYBOX}
  env:
    ROLE: main
  services:
    svc:
      image: ${BUSYBOX}
      env:
        ROLE: service
      command: ["sh", "-c", "echo line-1; echo line-2; echo oops >&2; sleep 0.3; echo line-3; trap 'exit 0' TERM; while :; do sleep 1; done"]
`;

/** Labelled Docker objects (containers, networks, volumes) of this test's workspace. */
async function leftovers(): Promise<string[]> {
  const filters = { label: [`nexus.dev/workspace=${NAME}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return [...containers.map((c) => `container ${c.Names.join(',')}`), ...networks.map((n) => `network ${n.Name}`), ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`)];
}

/** Why the workspace could not be set up; every test fails with it (the suite never skips). */
let setupError: Error | undefined;

async function setUp(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`no Docker engine answers (DOCKER_HOST=${process.env['DOCKER_HOST'] ?? 'unset'}): ${(err as Error).message}; run .ci/run or start dockerd`, { cause: err });
  }
  await docker.getImage(BUSYBOX).inspect();
  await ensureBuilt();
  stateDir = await tempStateDir();
  manifestDir = await mkdtemp(join(tmpdir(), 'bcli-exec-'));
  await writeFile(join(manifestDir, 'ws.yaml'), manifest);
  const applied = await boulder(['apply', '-f', join(manifestDir, 'ws.yaml'), '--wait', '--timeout', '90s']);
  const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
  daemonPid = status.pid;
  if (applied.code !== 0) throw new Error(`apply --wait failed (${applied.code}):\n${applied.stdout}${applied.stderr}`);
}

/** A test that fails with the setup error when the engine or the workspace is missing. */
function test(title: string, body: () => Promise<void>): void {
  it(title, async () => {
    if (setupError !== undefined) throw setupError;
    await body();
  });
}

beforeAll(async () => {
  setupError = await setUp().then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
}, 120_000);

afterAll(async () => {
  if (stateDir !== undefined) {
    await boulder(['delete', 'ws', NAME, '--wait', '--timeout', '60s', '--ignore-not-found']);
    await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
    if (daemonPid !== undefined && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
  if (manifestDir !== undefined) await rm(manifestDir, { recursive: true, force: true });
  expect(await leftovers()).toEqual([]);
}, 120_000);

describe('boulder exec', () => {
  test('streams stdout and stderr and exits with the command\'s exit code', async () => {
    const r = await boulder(['exec', NAME, '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'to-out\n', stderr: 'to-err\n' });
    expect((await boulder(['exec', NAME, '--', 'true'])).code).toBe(0);
    expect((await boulder(['exec', NAME, '--', 'sh', '-c', 'exit 42'])).code).toBe(42);
  });

  test('runs in a service container with --service, with env and workdir', async () => {
    expect((await boulder(['exec', NAME, '--', 'sh', '-c', 'echo $ROLE'])).stdout).toBe('main\n');
    expect((await boulder(['exec', NAME, '--service', 'svc', '--', 'sh', '-c', 'echo $ROLE'])).stdout).toBe('service\n');
    const r = await boulder(['exec', NAME, '-e', 'EXTRA=x=1', '-w', '/tmp', '--', 'sh', '-c', 'echo $EXTRA; pwd']);
    expect(r).toMatchObject({ code: 0, stdout: 'x=1\n/tmp\n' });
  });

  test('forwards stdin with -i; -t without a terminal warns and runs without one', async () => {
    expect(await boulder(['exec', NAME, '-i', '--', 'cat'], 'hello\nworld\n')).toMatchObject({ code: 0, stdout: 'hello\nworld\n' });
    const t = await boulder(['exec', NAME, '-it', '--', 'sh', '-c', 'read x; echo got-$x'], 'abc\n');
    expect(t).toMatchObject({ code: 0, stdout: 'got-abc\n' });
    expect(t.stderr).toContain('Unable to use a TTY - input is not a terminal');
  });

  test('fails with exit 4 for a missing workspace and 2 without a command', async () => {
    expect(await boulder(['exec', 'nope', '--', 'true'])).toMatchObject({ code: 4, stderr: 'Error from server (NotFound): workspaces.nexus.dev "nope" not found\n' });
    expect((await boulder(['exec', NAME])).code).toBe(2);
  });
});

describe('boulder logs', () => {
  test('prints a service\'s output, split into stdout and stderr, and --tail', async () => {
    const all = await boulder(['logs', NAME, '--service', 'svc']);
    expect(all).toMatchObject({ code: 0, stdout: 'line-1\nline-2\nline-3\n', stderr: 'oops\n' });
    const tail = await boulder(['logs', NAME, '--service', 'svc', '--tail', '1']);
    expect(tail.stdout).toBe('line-3\n');
    expect((await boulder(['logs', NAME])).code).toBe(0);
  });

  test('follows with -f until interrupted, then exits 0', async () => {
    const follow = startBoulder(['--state-dir', stateDir, 'logs', NAME, '--service', 'svc', '-f']);
    await follow.until((out) => out.includes('line-3\n'), 20_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(follow.child.exitCode).toBeNull();
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
    expect(follow.stdout()).toBe('line-1\nline-2\nline-3\n');
  });

  test('fails clearly for a mock workspace', async () => {
    expect((await boulder(['ws', 'create', 'mocky', '--image', BUSYBOX, '--backend', 'mock'])).code).toBe(0);
    const r = await boulder(['logs', 'mocky']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: logs is not supported for backend mock/);
    expect((await boulder(['exec', 'mocky', '--', 'true'])).stderr).toMatch(/^error: exec is not supported for backend mock/);
    expect((await boulder(['delete', 'ws', 'mocky', '--wait'])).code).toBe(0);
  });
});
