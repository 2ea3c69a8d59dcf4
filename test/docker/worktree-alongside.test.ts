/**
 * A new workspace's worktree made alongside the container's create and start (issue 19;
 * controllers/workspace/worktree-steps.ts), on the real Docker engine with the controllers wired
 * as `boulder daemon` wires them: the container bind-mounts the empty directory reserved for the
 * worktree while `git worktree add` fills it, the workspace ends Ready with the committed files
 * visible through the container (git run through a spawner process, as the daemon runs it), and
 * the converge's phase spans show the worktree overlapping
 * ensure. A worktree that cannot be made (the branch checked out elsewhere) fails before any
 * container with the reason and message `ensureWorktree` gives; a `git worktree add` that fails
 * after the container started leaves WorktreeReady False, no Ready and no directory, and once
 * fixed a retry recovers: the container, which mounted the removed directory, is restarted and
 * sees the worktree.
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSpawner } from '../../controllers/runtime/child-process/run-file.ts';
import type { Spawner } from '../../controllers/runtime/child-process/spawner.ts';
import { readySpawner } from '../../controllers/runtime/child-process/testing.ts';
import { ensureWorktree, isWorktreeError } from '../../controllers/worktree/index.ts';
import { git } from '../../controllers/worktree/test-repos.ts';
import {
  BUSYBOX,
  conditionOf,
  type ControllerHarness,
  dockerExec,
  mainContainer,
  newRepo,
  requireEngine,
  runNamespace,
  startControllers,
  tearDownNamespace,
  waitForWorkspace,
  waitReady,
  workspaceManifest,
  worktreeDirs,
} from './workspace-harness.ts';

const NS = runNamespace('wta');
let h: ControllerHarness;
let spawner: Spawner;
let spawnerPid: number | undefined;

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  spawner = await readySpawner();
  spawnerPid = spawner.pid;
  useSpawner(spawner);
  h = await startControllers();
});

afterAll(async () => {
  const { leftovers, worktrees } = await tearDownNamespace(h, NS);
  // Still the first spawner: none was lost on the way.
  const pid = spawner.pid;
  useSpawner(undefined);
  spawner.close();
  expect(pid).toBe(spawnerPid);
  expect(leftovers).toEqual([]);
  expect(worktrees).toEqual([]);
}, 60_000);

/** The spans of the debug line of `name`'s first converge that changed the runtime. */
function firstConvergeSpans(name: string): Record<string, [number, number]> {
  const line = h.logLines().find((l) => l['key'] === `${NS}/${name}` && l['msg'] === `workspace/${name}: converge phases (ms)`);
  expect(line, 'the converge phases debug line').toBeDefined();
  return line!['spans'] as Record<string, [number, number]>;
}

/** Deletes a workspace and waits until it is gone (its finalizer removes runtime and worktree). */
async function deleteAndWait(name: string): Promise<void> {
  await h.client.delete('Workspace', NS, name);
  await waitForWorkspace(h.client, NS, name, (ws) => ws === undefined, 30_000, 'deletion');
}

describe('a new worktree made alongside the container', () => {
  it('ends Ready with the committed files visible through the container; the worktree overlapped ensure', async () => {
    const repo = newRepo({ 'app/hello.txt': 'committed line\n' });
    const name = 'along';
    const created = await h.client.create(workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo } }));
    const ws = await waitReady(h.client, NS, name);
    const worktree = path.join(repo, '.nexus', 'worktrees', name);
    const main = (await mainContainer(created.metadata.uid!))!;
    expect(ws.status?.worktreePath).toBe(worktree);
    expect(conditionOf(ws, 'WorktreeReady')).toMatchObject({ status: 'True', message: expect.stringContaining(`on nexus/${name}`) });
    expect(main.Mounts.find((m) => m.Destination === '/workspace')?.Source).toBe(worktree);
    // Through the real container: the files git wrote after the container mounted the directory.
    expect(await dockerExec(main.Id, ['cat', '/workspace/app/hello.txt'])).toMatchObject({ exitCode: 0, stdout: 'committed line\n' });
    expect(await dockerExec(main.Id, ['cat', `${worktree}/app/hello.txt`])).toMatchObject({ exitCode: 0, stdout: 'committed line\n' });

    // status.timings.phases: the worktree, ensure, and the wall of the group running them.
    const phases = ws.status?.timings?.phases ?? {};
    expect(Object.keys(phases)).toEqual(expect.arrayContaining(['inputs', 'worktree', 'ensure', 'runtime', 'converge']));
    // The spans (debug line): the worktree started before ensure ended and ended after it began.
    const spans = firstConvergeSpans(name);
    expect(spans['worktree']![0]).toBeLessThan(spans['ensure']![1]);
    expect(spans['worktree']![1]).toBeGreaterThan(spans['ensure']![0]);
    await deleteAndWait(name);
    expect(existsSync(worktree)).toBe(false);
  });

  it('a worktree that cannot be made (branch checked out elsewhere): the worktree error as today, before any container', async () => {
    const repo = newRepo({ 'app/hello.txt': 'committed line\n' });
    const name = 'taken';
    // The workspace's branch checked out in the main checkout: git worktree add refuses it.
    git(repo, 'switch', '-q', '-c', `nexus/${name}`);
    // What the worktree module reports for it (reason and message), which the workspace must show.
    const expected = await ensureWorktree({ repoPath: repo, name, branch: `nexus/${name}`, baseRef: 'HEAD' }).then(
      () => undefined,
      (err: unknown) => (isWorktreeError(err) ? { reason: err.reason, message: err.message } : undefined),
    );
    expect(expected?.reason).toBe('BranchCheckedOutElsewhere');
    const created = await h.client.create(workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo } }));
    const failed = (await waitForWorkspace(h.client, NS, name, (ws) => conditionOf(ws, 'WorktreeReady')?.status === 'False', 30_000, 'WorktreeReady=False'))!;
    expect(conditionOf(failed, 'WorktreeReady')).toMatchObject({ status: 'False', ...expected });
    expect(conditionOf(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'BranchCheckedOutElsewhere' });
    expect(await mainContainer(created.metadata.uid!)).toBeUndefined();
    expect(worktreeDirs(repo)).toEqual([]);
    await deleteAndWait(name);
  });

  it('a git worktree add failing after the container started: WorktreeReady=False, not Ready, no directory left; recovered once fixed', async () => {
    const repo = newRepo({ 'app/hello.txt': 'committed line\n' });
    const name = 'addfails';
    const worktree = path.join(repo, '.nexus', 'worktrees', name);
    // git cannot make the worktree's admin directory: the checks pass, `git worktree add` fails.
    await writeFile(path.join(repo, '.git', 'worktrees'), 'not a directory\n');
    const created = await h.client.create(workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo } }));
    const failed = (await waitForWorkspace(h.client, NS, name, (ws) => conditionOf(ws, 'WorktreeReady')?.status === 'False', 30_000, 'WorktreeReady=False'))!;
    expect(conditionOf(failed, 'WorktreeReady')).toMatchObject({ status: 'False', reason: 'GitFailed', message: expect.stringContaining(`git worktree add ${worktree}`) });
    expect(conditionOf(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'GitFailed' });
    // The container was created and started alongside: the converge waited for it, then removed
    // the directory it had reserved.
    expect((await mainContainer(created.metadata.uid!))?.State.Running).toBe(true);
    expect(existsSync(worktree)).toBe(false);
    expect(worktreeDirs(repo)).toEqual([]);

    // Fixed: a retry makes the worktree and restarts the container (which mounted the directory
    // removed meanwhile), so the files are visible through it.
    await rm(path.join(repo, '.git', 'worktrees'));
    const ready = await waitReady(h.client, NS, name);
    expect(conditionOf(ready, 'WorktreeReady')?.status).toBe('True');
    const main = (await mainContainer(created.metadata.uid!))!;
    expect(await dockerExec(main.Id, ['cat', '/workspace/app/hello.txt'])).toMatchObject({ exitCode: 0, stdout: 'committed line\n' });
    expect(h.logLines().map((l) => l['msg'])).toContainEqual(expect.stringMatching(new RegExp(`^workspace/${name}: worktree .* made while the container ran`)));
    await deleteAndWait(name);
    expect(existsSync(worktree)).toBe(false);
  });
});
