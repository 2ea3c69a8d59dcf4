import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWorktree, type WorktreeInfo } from './ensure.ts';
import { worktreePath } from './names.ts';
import { removeWorktree } from './remove.ts';
import { allowFileProtocolForSubmodules, commitFile, git, initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

afterAll(removeTempDirs);

/** A repository with the worktree of workspace `name` on `nexus/<name>`. */
async function repoWithWorktree(name = 'ws'): Promise<{ repo: string; info: WorktreeInfo }> {
  const repo = initRepo(makeTempDir());
  const info = await ensureWorktree({ repoPath: repo, name, branch: `nexus/${name}`, baseRef: 'HEAD' });
  return { repo, info };
}

/** True when git still lists a worktree at `path`. */
function registered(repo: string, path: string): boolean {
  return git(repo, 'worktree', 'list', '--porcelain').includes(`worktree ${path}`);
}

describe('removeWorktree', () => {
  it('removes a clean worktree and keeps its branch with the committed work', async () => {
    const { repo, info } = await repoWithWorktree();
    const committed = commitFile(info.path, 'feature.txt', 'done\n');
    const result = await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false });
    expect(result).toEqual({ removed: true });
    expect(existsSync(info.path)).toBe(false);
    expect(registered(repo, info.path)).toBe(false);
    expect(git(repo, 'rev-parse', 'nexus/ws')).toBe(committed);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('keeps a worktree with modified, staged and untracked files and lists them', async () => {
    const { repo, info } = await repoWithWorktree();
    writeFileSync(join(info.path, 'README.md'), 'modified\n');
    writeFileSync(join(info.path, 'staged.txt'), 'staged\n');
    git(info.path, 'add', 'staged.txt');
    writeFileSync(join(info.path, 'untracked.txt'), 'untracked\n');
    const result = await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false });
    expect(result.removed).toBe(false);
    expect(result.kept?.reason).toBe('UncommittedChanges');
    for (const file of ['README.md', 'staged.txt', 'untracked.txt']) expect(result.kept?.message).toContain(file);
    expect(result.kept?.message).toContain('nexus/ws');
    expect(existsSync(join(info.path, 'untracked.txt'))).toBe(true);
    expect(registered(repo, info.path)).toBe(true);
  });

  it('lists at most five changed paths', async () => {
    const { repo, info } = await repoWithWorktree();
    for (let i = 0; i < 7; i++) writeFileSync(join(info.path, `file-${i}.txt`), 'x');
    const result = await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false });
    expect(result.kept?.message).toContain('file-4.txt, and 2 more');
    expect(result.kept?.message).not.toContain('file-5.txt');
  });

  it('removes a worktree with uncommitted changes when forced, keeping the branch', async () => {
    const { repo, info } = await repoWithWorktree();
    writeFileSync(join(info.path, 'untracked.txt'), 'lost on purpose\n');
    const result = await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: true });
    expect(result).toEqual({ removed: true });
    expect(existsSync(info.path)).toBe(false);
    expect(git(repo, 'rev-parse', '--verify', 'refs/heads/nexus/ws')).toBe(info.head);
  });

  it('keeps a detached HEAD with commits no ref contains, unless forced', async () => {
    const { repo, info } = await repoWithWorktree();
    git(info.path, 'switch', '-q', '--detach');
    commitFile(info.path, 'orphan.txt', 'only here\n');
    const kept = await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false });
    expect(kept.kept?.reason).toBe('UnreferencedCommits');
    expect((await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: true })).removed).toBe(true);
  });

  it('removes a detached HEAD whose commit a branch contains', async () => {
    const { repo, info } = await repoWithWorktree();
    git(info.path, 'switch', '-q', '--detach');
    expect((await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false })).removed).toBe(true);
  });

  it('keeps a locked worktree unless forced', async () => {
    const { repo, info } = await repoWithWorktree();
    git(repo, 'worktree', 'lock', info.path);
    expect((await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false })).kept?.reason).toBe('Locked');
    expect((await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: true })).removed).toBe(true);
  });

  it('removes a worktree with initialised submodules', async () => {
    allowFileProtocolForSubmodules();
    const parent = makeTempDir();
    const library = initRepo(parent, 'library');
    const repo = initRepo(parent, 'app');
    git(repo, 'submodule', 'add', '-q', `file://${library}`, 'library');
    git(repo, 'commit', '-q', '-m', 'add submodule');
    const info = await ensureWorktree({ repoPath: repo, name: 'sub', branch: 'nexus/sub', baseRef: 'HEAD' });
    expect(info.submodules).toBe('initialized');
    expect(await removeWorktree({ repoPath: repo, name: 'sub', branch: 'nexus/sub', force: false })).toEqual({ removed: true });
    expect(existsSync(info.path)).toBe(false);
  });

  it('is idempotent: a missing worktree answers removed false', async () => {
    const { repo } = await repoWithWorktree();
    expect((await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false })).removed).toBe(true);
    expect(await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false })).toEqual({ removed: false });
  });

  it('is safe when ensureWorktree never ran, even without a repository', async () => {
    const repo = initRepo(makeTempDir());
    expect(await removeWorktree({ repoPath: repo, name: 'never', branch: 'nexus/never', force: false })).toEqual({ removed: false });
    const gone = join(makeTempDir(), 'no-such-repo');
    expect(await removeWorktree({ repoPath: gone, name: 'never', branch: 'nexus/never', force: true })).toEqual({ removed: false });
    expect(await removeWorktree({ repoPath: makeTempDir(), name: 'never', branch: 'nexus/never', force: true })).toEqual({ removed: false });
  });

  it('prunes the registration of a worktree whose directory was deleted by hand', async () => {
    const { repo, info } = await repoWithWorktree();
    rmSync(info.path, { recursive: true, force: true });
    expect(registered(repo, info.path)).toBe(true);
    expect(await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false })).toEqual({ removed: false });
    expect(registered(repo, info.path)).toBe(false);
  });

  it('leaves a directory that is not our worktree in place, even when forced', async () => {
    const repo = initRepo(makeTempDir());
    const path = worktreePath(repo, 'foreign');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'precious.txt'), 'not ours');
    const result = await removeWorktree({ repoPath: repo, name: 'foreign', branch: 'nexus/foreign', force: true });
    expect(result.kept?.reason).toBe('NotOurWorktree');
    expect(existsSync(join(path, 'precious.txt'))).toBe(true);
  });

  it('recreates the worktree from the kept branch afterwards', async () => {
    const { repo, info } = await repoWithWorktree();
    const committed = commitFile(info.path, 'progress.txt', 'step 1\n');
    await removeWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', force: false });
    const again = await ensureWorktree({ repoPath: repo, name: 'ws', branch: 'nexus/ws', baseRef: 'HEAD' });
    expect(again).toMatchObject({ created: true, head: committed });
  });
});
