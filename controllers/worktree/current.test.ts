import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCurrentWorkspace, writeCurrentWorkspace } from './current.ts';
import { ensureWorktree } from './ensure.ts';
import { WorktreeError } from './errors.ts';
import { git, initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

afterAll(removeTempDirs);

describe('current workspace record', () => {
  it('reads undefined before anything was written', async () => {
    expect(await readCurrentWorkspace(makeTempDir())).toBeUndefined();
  });

  it('writes <repo>/.nexus/current and reads it back, replacing the previous value', async () => {
    const repo = initRepo(makeTempDir());
    await writeCurrentWorkspace(repo, 'first');
    expect(await readCurrentWorkspace(repo)).toBe('first');
    await writeCurrentWorkspace(repo, 'second');
    expect(await readCurrentWorkspace(repo)).toBe('second');
    expect(readFileSync(join(repo, '.nexus/current'), 'utf8')).toBe('second\n');
    expect(readdirSync(join(repo, '.nexus'))).toEqual(['current']);
  });

  it('never lets a reader see a partial file while writers race', async () => {
    const repo = initRepo(makeTempDir());
    const names = Array.from({ length: 30 }, (_, i) => `workspace-${i}`);
    const reads: (string | undefined)[] = [];
    await Promise.all([
      ...names.map((name) => writeCurrentWorkspace(repo, name)),
      ...names.map(async () => reads.push(await readCurrentWorkspace(repo))),
    ]);
    for (const read of reads) if (read !== undefined) expect(names).toContain(read);
    expect(names).toContain(await readCurrentWorkspace(repo));
    expect(readdirSync(join(repo, '.nexus'))).toEqual(['current']);
  });

  it('rejects a name that is not a workspace name', async () => {
    await expect(writeCurrentWorkspace(makeTempDir(), 'a/b')).rejects.toBeInstanceOf(WorktreeError);
  });

  it('is kept out of git status once the repository has a workspace worktree', async () => {
    const repo = initRepo(makeTempDir());
    await ensureWorktree({ repoPath: repo, name: 'w', branch: 'nexus/w', baseRef: 'HEAD' });
    await writeCurrentWorkspace(repo, 'w');
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
