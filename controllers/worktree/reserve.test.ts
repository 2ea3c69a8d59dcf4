import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWorktree } from './ensure.ts';
import { releaseWorktreeDir, reserveWorktreeDir } from './reserve.ts';
import { initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

afterAll(() => removeTempDirs());

describe('reserveWorktreeDir', () => {
  it('makes the empty worktree directory (and .nexus/worktrees), which git worktree add then fills in place', async () => {
    const repo = initRepo(makeTempDir());
    const reservation = (await reserveWorktreeDir(repo, 'feat'))!;
    const path = join(repo, '.nexus/worktrees/feat');
    expect(reservation).toEqual({ path, made: [join(repo, '.nexus'), join(repo, '.nexus/worktrees'), path] });
    expect(readdirSync(path)).toEqual([]);
    const inode = statSync(path).ino;
    const info = await ensureWorktree({ repoPath: repo, name: 'feat', branch: 'nexus/feat', baseRef: 'HEAD' });
    expect(info).toMatchObject({ path, created: true });
    // Same directory: a bind mount of it made before shows the files.
    expect(statSync(path).ino).toBe(inode);
    expect(readdirSync(path).sort()).toEqual(['.git', 'README.md']);
    // Released after git filled it: nothing is removed.
    await releaseWorktreeDir(reservation);
    expect(readdirSync(path).sort()).toEqual(['.git', 'README.md']);
  });

  it('makes only the missing directories, and release removes only those, while empty', async () => {
    const repo = initRepo(makeTempDir());
    mkdirSync(join(repo, '.nexus/worktrees'), { recursive: true });
    writeFileSync(join(repo, '.nexus/current'), 'other\n');
    const reservation = (await reserveWorktreeDir(repo, 'b'))!;
    expect(reservation.made).toEqual([join(repo, '.nexus/worktrees/b')]);
    await releaseWorktreeDir(reservation);
    expect(existsSync(join(repo, '.nexus/worktrees/b'))).toBe(false);
    expect(existsSync(join(repo, '.nexus/worktrees'))).toBe(true);
    await releaseWorktreeDir(reservation); // idempotent
  });

  it('release leaves a directory someone put files in', async () => {
    const repo = initRepo(makeTempDir());
    const reservation = (await reserveWorktreeDir(repo, 'c'))!;
    writeFileSync(join(reservation.path, 'keep.txt'), 'mine');
    await releaseWorktreeDir(reservation);
    expect(readdirSync(reservation.path)).toEqual(['keep.txt']);
  });

  it('never makes anything through a symlinked .nexus or .nexus/worktrees, nor over an existing entry', async () => {
    const elsewhere = makeTempDir();
    const linkedNexus = initRepo(makeTempDir());
    symlinkSync(elsewhere, join(linkedNexus, '.nexus'));
    expect(await reserveWorktreeDir(linkedNexus, 'x')).toBeUndefined();
    const linkedWorktrees = initRepo(makeTempDir());
    mkdirSync(join(linkedWorktrees, '.nexus'));
    symlinkSync(elsewhere, join(linkedWorktrees, '.nexus/worktrees'));
    expect(await reserveWorktreeDir(linkedWorktrees, 'x')).toBeUndefined();
    expect(readdirSync(elsewhere)).toEqual([]);
    // A file where .nexus should be: nothing made, and what was made before it is removed again.
    const fileNexus = initRepo(makeTempDir());
    writeFileSync(join(fileNexus, '.nexus'), 'not a directory');
    expect(await reserveWorktreeDir(fileNexus, 'x')).toBeUndefined();
    // The directory already there (e.g. made by a concurrent converge): not ours to make or remove.
    const taken = initRepo(makeTempDir());
    mkdirSync(join(taken, '.nexus/worktrees/x'), { recursive: true });
    expect(await reserveWorktreeDir(taken, 'x')).toBeUndefined();
    expect(existsSync(join(taken, '.nexus/worktrees/x'))).toBe(true);
    const linkedLeaf = initRepo(makeTempDir());
    mkdirSync(join(linkedLeaf, '.nexus/worktrees'), { recursive: true });
    symlinkSync(elsewhere, join(linkedLeaf, '.nexus/worktrees/x'));
    expect(await reserveWorktreeDir(linkedLeaf, 'x')).toBeUndefined();
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a name that cannot name a directory, like ensureWorktree', async () => {
    const repo = initRepo(makeTempDir());
    await expect(reserveWorktreeDir(repo, '../escape')).rejects.toMatchObject({ reason: 'InvalidName' });
    expect(existsSync(join(repo, '.nexus'))).toBe(false);
  });
});
