/**
 * `boulder up` on the real Docker engine, black-box: in a temporary git repository, `boulder init`
 * writes the starter configuration; `boulder up --image boulder-test/debian:bookworm --wait`
 * (which starts a background daemon) brings the workspace to Ready — container running with the
 * worktree at /workspace, the configured env, the post_start script run; then `boulder down
 * --wait` leaves nothing: no Docker object labelled for the workspace's namespace, no worktree.
 * Fails (never skips) without an engine or the test image. The daemon is stopped in afterAll.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from '../cli/harness.ts';
import {
  DEBIAN,
  dockerExec,
  linkedWorktrees,
  mainContainer,
  managedObjects,
  newRepo,
  removeObjects,
  removeRepos,
  requireEngine,
  runNamespace,
  worktreeDirs,
} from './workspace-harness.ts';
import { rm } from 'node:fs/promises';

const NS = runNamespace('up');
const NAME = 'front-door';
let stateDir: string;
let repo: string;
const pids = new Set<number>();

/** Runs boulder in the repository, with no node or user configuration of the machine. */
function boulder(args: string[], timeoutMs = 180_000): Promise<RunResult> {
  return runBoulder(['--state-dir', stateDir, ...args], { cwd: repo, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' }, timeoutMs });
}

// Checked before every test (memoized) so that without an engine each test fails, none skips.
let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([DEBIAN]);
  await engineReady;
});

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  repo = newRepo({ 'app/hello.txt': 'hello from the repository\n' });
});

afterAll(async () => {
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  const leftovers = await managedObjects(NS).catch(() => []);
  await removeObjects(leftovers);
  removeRepos();
  await rm(stateDir, { recursive: true, force: true });
}, 60_000);

describe('boulder init → up → down on Docker', () => {
  let uid: string;

  it('boulder up --wait brings the workspace to Ready', async () => {
    expect(await boulder(['init'])).toMatchObject({ code: 0, stdout: 'wrote .nexus/config.yaml\n' });
    const started = performance.now();
    const up = await boulder(['up', '-n', NS, '--image', DEBIAN, '--set', `workspace.name=${NAME}`, '--wait', '--timeout', '150s']);
    const status = JSON.parse((await runBoulder(['--state-dir', stateDir, 'daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
    if (status.pid !== undefined) pids.add(status.pid);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toBe(`workspace.nexus.dev/${NAME} created\n`);
    expect(up.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^workspace/${NS}/${NAME}: Ready \\(\\d+\\.\\ds\\)$`));
    console.info(`[up] boulder up --wait → Ready in ${Math.round(performance.now() - started)} ms`);

    const get = await boulder(['get', 'ws', NAME, '-n', NS, '-o', 'json']);
    const ws = JSON.parse(get.stdout) as {
      metadata: { uid: string; labels: Record<string, string> };
      spec: { image: string; repository: { path: string } };
      status: { phase: string; worktreePath: string; scripts?: { postStart?: { exitCode: number } } };
    };
    uid = ws.metadata.uid;
    expect(ws.spec).toMatchObject({ image: DEBIAN, repository: { path: repo } });
    expect(ws.metadata.labels['nexus.dev/project']).toBe('repo');
    expect(ws.status.phase).toBe('Running');
    expect(ws.status.worktreePath).toBe(join(repo, '.nexus', 'worktrees', NAME));
    expect(ws.status.scripts?.postStart?.exitCode).toBe(0);

    const main = await mainContainer(uid);
    expect(main?.State.Running).toBe(true);
    expect(main?.Config.Env).toContain('APP_ENV=development');
    const cat = await dockerExec(main?.Id as string, ['cat', '/workspace/app/hello.txt']);
    expect(cat).toMatchObject({ exitCode: 0, stdout: 'hello from the repository\n' });
    expect(await readFile(join(ws.status.worktreePath, 'app', 'hello.txt'), 'utf8')).toBe('hello from the repository\n');
  });

  it('boulder down --wait leaves no Docker object and no worktree', async () => {
    const down = await boulder(['down', '-n', NS, '--set', `workspace.name=${NAME}`, '--wait', '--timeout', '60s']);
    expect(down).toMatchObject({ code: 0, stdout: `workspace.nexus.dev "${NAME}" deleted\n` });
    expect((await boulder(['get', 'ws', NAME, '-n', NS])).code).toBe(4);
    expect(await managedObjects(NS)).toEqual([]);
    expect(await mainContainer(uid)).toBeUndefined();
    expect(linkedWorktrees(repo)).toEqual([]);
    expect(worktreeDirs(repo)).toEqual([]);
  });
});
