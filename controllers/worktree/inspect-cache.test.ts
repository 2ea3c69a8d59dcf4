import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureWorktree } from './ensure.ts';
import { inspectWorktreeDir } from './inspect.ts';
import { forgetInspectedWorktrees, inspectWorktreeDirCached } from './inspect-cache.ts';
import { commitFile, git, initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

afterAll(removeTempDirs);

/** A fresh worktree (and its repository) whose files are older than the cache's settle time. */
async function settledWorktree(): Promise<string> {
  return (await settledRepoAndWorktree()).path;
}

async function settledRepoAndWorktree(): Promise<{ repo: string; path: string }> {
  const repo = initRepo(makeTempDir());
  const { path } = await ensureWorktree({ repoPath: repo, name: 'alpha', branch: 'nexus/alpha', baseRef: 'HEAD' });
  await sleep(120);
  return { repo, path };
}

describe('inspectWorktreeDirCached (a real git repository)', () => {
  beforeEach(forgetInspectedWorktrees);

  it('sees the branch moved from outside the worktree (its ref only changes)', async () => {
    const { repo, path } = await settledRepoAndWorktree();
    const first = await inspectWorktreeDirCached(path);
    expect(await inspectWorktreeDirCached(path)).toBe(first);
    const moved = commitFile(repo, 'elsewhere.txt', 'x');
    git(repo, 'update-ref', 'refs/heads/nexus/alpha', moved);
    expect(await inspectWorktreeDirCached(path)).toMatchObject({ kind: 'worktree', head: moved });
  });

  it('answers like git, and from memory while nothing changed', async () => {
    const path = await settledWorktree();
    const first = await inspectWorktreeDirCached(path);
    expect(first).toEqual(await inspectWorktreeDir(path));
    expect(await inspectWorktreeDirCached(path)).toBe(first);
  });

  it('sees a commit on the branch (loose ref), a packed ref, a branch switch and a detached HEAD', async () => {
    const path = await settledWorktree();
    const first = await inspectWorktreeDirCached(path);
    expect(await inspectWorktreeDirCached(path)).toBe(first);

    const committed = commitFile(path, 'a.txt', 'a');
    const afterCommit = await inspectWorktreeDirCached(path);
    expect(afterCommit).toMatchObject({ kind: 'worktree', head: committed, ref: 'refs/heads/nexus/alpha' });

    await sleep(120);
    await inspectWorktreeDirCached(path);
    git(path, 'pack-refs', '--all');
    const next = commitFile(path, 'b.txt', 'b');
    git(path, 'pack-refs', '--all');
    expect(await inspectWorktreeDirCached(path)).toMatchObject({ head: next });

    await sleep(120);
    await inspectWorktreeDirCached(path);
    git(path, 'switch', '-q', '-c', 'other');
    expect(await inspectWorktreeDirCached(path)).toMatchObject({ ref: 'refs/heads/other' });

    await sleep(120);
    await inspectWorktreeDirCached(path);
    git(path, 'switch', '-q', '--detach', committed);
    expect(await inspectWorktreeDirCached(path)).toMatchObject({ ref: 'HEAD', head: committed });
  });

  it('sees the worktree removed', async () => {
    const path = await settledWorktree();
    await inspectWorktreeDirCached(path);
    expect(await inspectWorktreeDirCached(path)).toMatchObject({ kind: 'worktree' });
    rmSync(path, { recursive: true, force: true });
    expect(await inspectWorktreeDirCached(path)).toEqual({ kind: 'absent' });
  });
});
