import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPlannedWorktree, ensureWorktree, planWorktree, type WorktreeInfo } from './ensure.ts';
import { WorktreeError } from './errors.ts';
import { worktreePath } from './names.ts';
import { allowFileProtocolForSubmodules, commitFile, git, initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

afterAll(removeTempDirs);

/** The WorktreeError `promise` rejects with (fails the test when it resolves or rejects otherwise). */
async function worktreeFailure(promise: Promise<unknown>): Promise<WorktreeError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorktreeError);
  return err as WorktreeError;
}

/** Median of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('ensureWorktree: creation and idempotency', () => {
  let repo: string;
  let first: WorktreeInfo;

  beforeAll(async () => {
    repo = initRepo(makeTempDir());
    first = await ensureWorktree({ repoPath: repo, name: 'alpha', branch: 'nexus/alpha', baseRef: 'HEAD' });
  });

  it('creates <repo>/.nexus/worktrees/<name> on a new branch from the base ref', () => {
    expect(first).toMatchObject({ path: join(repo, '.nexus/worktrees/alpha'), branch: 'nexus/alpha', created: true, submodules: 'none' });
    expect(first.path).toBe(worktreePath(repo, 'alpha'));
    expect(first.head).toBe(git(repo, 'rev-parse', 'main'));
    expect(git(first.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('nexus/alpha');
    expect(git(repo, 'rev-parse', 'nexus/alpha')).toBe(first.head);
  });

  it('reports the real absolute common git dir', () => {
    expect(first.commonGitDir).toBe(realpathSync(resolve(repo, git(repo, 'rev-parse', '--git-common-dir'))));
    expect(first.commonGitDir).toBe(realpathSync(join(repo, '.git')));
  });

  it('does not set an upstream on the new branch', () => {
    expect(() => git(repo, 'rev-parse', '--abbrev-ref', 'nexus/alpha@{upstream}')).toThrow();
  });

  it('is idempotent: a second call changes nothing and says created false', async () => {
    const marker = join(first.path, 'work-in-progress.txt');
    writeFileSync(marker, 'keep me');
    const again = await ensureWorktree({ repoPath: repo, name: 'alpha', branch: 'nexus/alpha', baseRef: 'HEAD' });
    expect(again).toEqual({ ...first, created: false });
    expect(readFileSync(marker, 'utf8')).toBe('keep me');
    rmSync(marker);
  });

  it('answers the idempotent call quickly (one git call)', async () => {
    const timings: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      await ensureWorktree({ repoPath: repo, name: 'alpha', branch: 'nexus/alpha', baseRef: 'HEAD' });
      timings.push(performance.now() - start);
    }
    const start = performance.now();
    git(repo, 'rev-parse', 'HEAD');
    const oneGitCall = performance.now() - start;
    console.log(`ensureWorktree (existing): median ${median(timings).toFixed(1)} ms, min ${Math.min(...timings).toFixed(1)} ms; one sync git call ${oneGitCall.toFixed(1)} ms`);
    expect(median(timings)).toBeLessThan(250);
  });

  it('keeps .nexus/worktrees out of git status through info/exclude, writing nothing into the tree', () => {
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(readFileSync(join(repo, '.git/info/exclude'), 'utf8')).toContain('/.nexus/worktrees/');
    expect(existsSync(join(repo, '.nexus/.gitignore'))).toBe(false);
    expect(existsSync(join(repo, '.gitignore'))).toBe(false);
  });

  it('gives a worktree where git status works and whose .git file points into the common git dir', () => {
    const dotGit = readFileSync(join(first.path, '.git'), 'utf8').trim();
    expect(dotGit.startsWith(`gitdir: ${first.commonGitDir}/worktrees/`)).toBe(true);
    expect(git(first.path, 'status', '--porcelain')).toBe('');
    writeFileSync(join(first.path, 'new.txt'), 'x');
    expect(git(first.path, 'status', '--porcelain')).toBe('?? new.txt');
    rmSync(join(first.path, 'new.txt'));
  });

  it('works when mounted elsewhere with the common git dir at its own path (simulated /workspace mount)', () => {
    const mount = join(makeTempDir(), 'workspace');
    cpSync(first.path, mount, { recursive: true });
    expect(git(mount, 'rev-parse', '--show-toplevel')).toBe(realpathSync(mount));
    expect(git(mount, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('nexus/alpha');
    expect(git(mount, 'status', '--porcelain')).toBe('');
    writeFileSync(join(mount, 'README.md'), 'changed in the container\n');
    expect(git(mount, 'status', '--porcelain')).toBe('M README.md');
  });

  it('accepts the repository through a symlinked path', async () => {
    const link = join(makeTempDir(), 'link-to-repo');
    symlinkSync(repo, link);
    const viaLink = await ensureWorktree({ repoPath: link, name: 'alpha', branch: 'nexus/alpha', baseRef: 'HEAD' });
    expect(viaLink).toMatchObject({ created: false, head: first.head, commonGitDir: first.commonGitDir });
  });
});

describe('ensureWorktree: branches and base refs', () => {
  let repo: string;
  let initial: string;
  let second: string;

  beforeAll(() => {
    repo = initRepo(makeTempDir());
    initial = git(repo, 'rev-parse', 'HEAD');
    second = commitFile(repo, 'a.txt', 'a\n');
    git(repo, 'branch', 'feature', initial);
    git(repo, 'tag', 'v1', initial);
  });

  it('checks out an existing branch instead of creating it (baseRef ignored)', async () => {
    git(repo, 'branch', 'nexus/reuse', initial);
    const info = await ensureWorktree({ repoPath: repo, name: 'reuse', branch: 'nexus/reuse', baseRef: 'main' });
    expect(info).toMatchObject({ created: true, head: initial, branch: 'nexus/reuse' });
    expect(git(repo, 'rev-parse', 'nexus/reuse')).toBe(initial);
  });

  it.each([
    ['a branch', 'feature'],
    ['a tag', 'v1'],
    ['a commit', 'INITIAL'],
    ['a relative rev', 'main~1'],
  ])('creates the branch from %s other than HEAD', async (_what, ref) => {
    const baseRef = ref === 'INITIAL' ? initial : ref;
    const name = `from-${_what.replace(/\W+/g, '-')}`;
    const info = await ensureWorktree({ repoPath: repo, name, branch: `nexus/${name}`, baseRef });
    expect(info.created).toBe(true);
    expect(info.head).toBe(initial);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(second);
  });

  it('falls back to origin/<baseRef> when the branch exists only on the remote', async () => {
    const clone = join(makeTempDir(), 'clone');
    git(repo, 'clone', '-q', `file://${repo}`, clone);
    expect(() => git(clone, 'rev-parse', '--verify', 'refs/heads/feature')).toThrow();
    const info = await ensureWorktree({ repoPath: clone, name: 'remote-base', branch: 'nexus/remote-base', baseRef: 'feature' });
    expect(info.head).toBe(initial);
  });

  it('fails with BaseRefNotFound when the base ref names no commit', async () => {
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'nobase', branch: 'nexus/nobase', baseRef: 'does-not-exist' }));
    expect(err.reason).toBe('BaseRefNotFound');
    expect(err.transient).toBe(false);
    expect(err.message).toContain('"does-not-exist"');
    expect(existsSync(worktreePath(repo, 'nobase'))).toBe(false);
    expect(() => git(repo, 'rev-parse', '--verify', 'refs/heads/nexus/nobase')).toThrow();
  });

  it('rejects a base ref that looks like an option', async () => {
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'opt', branch: 'nexus/opt', baseRef: '--output=/tmp/x' }));
    expect(err.reason).toBe('BaseRefNotFound');
  });

  it('fails with InvalidName for a bad workspace or branch name', async () => {
    expect((await worktreeFailure(ensureWorktree({ repoPath: repo, name: '../escape', branch: 'nexus/x', baseRef: 'HEAD' }))).reason).toBe('InvalidName');
    expect((await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'ok', branch: 'bad..branch', baseRef: 'HEAD' }))).reason).toBe('InvalidName');
  });

  it('creates many worktrees of one repository concurrently', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `many-${i}`);
    const infos = await Promise.all(names.map((name) => ensureWorktree({ repoPath: repo, name, branch: `nexus/${name}`, baseRef: 'main' })));
    expect(infos.every((info) => info.created && info.head === second)).toBe(true);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('answers concurrent calls for one workspace with one creation', async () => {
    const input = { repoPath: repo, name: 'raced', branch: 'nexus/raced', baseRef: 'main' };
    const infos = await Promise.all([ensureWorktree(input), ensureWorktree(input), ensureWorktree(input)]);
    expect(infos.map((info) => info.created).sort()).toEqual([false, false, true]);
  });

  it('recreates a worktree whose directory was deleted by hand (prunes the stale registration)', async () => {
    const info = await ensureWorktree({ repoPath: repo, name: 'deleted', branch: 'nexus/deleted', baseRef: 'main' });
    commitFile(info.path, 'work.txt', 'committed work\n');
    const committed = git(info.path, 'rev-parse', 'HEAD');
    rmSync(info.path, { recursive: true, force: true });
    const again = await ensureWorktree({ repoPath: repo, name: 'deleted', branch: 'nexus/deleted', baseRef: 'main' });
    expect(again).toMatchObject({ created: true, head: committed });
  });
});

describe('ensureWorktree: failures', () => {
  it('fails with NotAGitRepository for a missing path', async () => {
    const err = await worktreeFailure(ensureWorktree({ repoPath: join(makeTempDir(), 'nope'), name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('NotAGitRepository');
    expect(err.transient).toBe(false);
    expect(err.message).toContain('does not exist');
  });

  it('fails with NotAGitRepository for a directory that is not a repository', async () => {
    const dir = makeTempDir();
    const err = await worktreeFailure(ensureWorktree({ repoPath: dir, name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('NotAGitRepository');
    expect(err.message).toContain('not a git repository');
    expect(existsSync(join(dir, '.nexus'))).toBe(false);
  });

  it('fails with NotAGitRepository for a subdirectory of a repository, naming the top level', async () => {
    const repo = initRepo(makeTempDir());
    mkdirSync(join(repo, 'sub'));
    const err = await worktreeFailure(ensureWorktree({ repoPath: join(repo, 'sub'), name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('NotAGitRepository');
    expect(err.message).toContain(`use ${realpathSync(repo)} as the repository path`);
  });

  it('fails with BranchCheckedOutElsewhere naming the main checkout', async () => {
    const repo = initRepo(makeTempDir());
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'a', branch: 'main', baseRef: 'HEAD' }));
    expect(err.reason).toBe('BranchCheckedOutElsewhere');
    expect(err.transient).toBe(false);
    expect(err.message).toContain(`checked out at ${realpathSync(repo)};`);
  });

  it('fails with BranchCheckedOutElsewhere naming another worktree', async () => {
    const repo = initRepo(makeTempDir());
    const elsewhere = join(makeTempDir(), 'elsewhere');
    git(repo, 'worktree', 'add', '-q', '-b', 'nexus/taken', elsewhere);
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'taken', branch: 'nexus/taken', baseRef: 'HEAD' }));
    expect(err.reason).toBe('BranchCheckedOutElsewhere');
    expect(err.message).toContain(realpathSync(elsewhere));
  });

  it('fails with WorktreePathConflict when the path holds other files', async () => {
    const repo = initRepo(makeTempDir());
    mkdirSync(worktreePath(repo, 'a'), { recursive: true });
    writeFileSync(join(worktreePath(repo, 'a'), 'file.txt'), 'not a worktree');
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('WorktreePathConflict');
    expect(err.message).toContain('is not a git worktree');
  });

  it('uses an existing empty directory at the path', async () => {
    const repo = initRepo(makeTempDir());
    mkdirSync(worktreePath(repo, 'empty'), { recursive: true });
    expect((await ensureWorktree({ repoPath: repo, name: 'empty', branch: 'nexus/empty', baseRef: 'HEAD' })).created).toBe(true);
  });

  it('fails with WorktreePathConflict when our worktree is on another branch', async () => {
    const repo = initRepo(makeTempDir());
    const info = await ensureWorktree({ repoPath: repo, name: 'a', branch: 'nexus/a', baseRef: 'HEAD' });
    git(info.path, 'switch', '-q', '-c', 'other');
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('WorktreePathConflict');
    expect(err.message).toContain('is on branch other, not on nexus/a');
  });

  it('fails with WorktreePathConflict when the path is a worktree of another repository', async () => {
    const parent = makeTempDir();
    const repo = initRepo(parent, 'one');
    const other = initRepo(parent, 'two');
    git(other, 'worktree', 'add', '-q', '-b', 'nexus/a', worktreePath(repo, 'a'));
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'a', branch: 'nexus/a', baseRef: 'HEAD' }));
    expect(err.reason).toBe('WorktreePathConflict');
    expect(err.message).toContain('another repository');
  });

  it('fails with a transient GitLocked while another process holds the ref lock', async () => {
    const repo = initRepo(makeTempDir());
    mkdirSync(join(repo, '.git/refs/heads/nexus'), { recursive: true });
    const lock = join(repo, '.git/refs/heads/nexus/locked.lock');
    writeFileSync(lock, '');
    const err = await worktreeFailure(ensureWorktree({ repoPath: repo, name: 'locked', branch: 'nexus/locked', baseRef: 'HEAD' }));
    expect(err.reason).toBe('GitLocked');
    expect(err.transient).toBe(true);
    expect(err.code).toBe('Unavailable');
    rmSync(lock);
    expect((await ensureWorktree({ repoPath: repo, name: 'locked', branch: 'nexus/locked', baseRef: 'HEAD' })).created).toBe(true);
  });
});

describe('ensureWorktree: shallow clones', () => {
  let shallow: string;

  beforeAll(() => {
    const parent = makeTempDir();
    const source = initRepo(parent, 'source');
    commitFile(source, 'b.txt', 'b\n');
    git(source, 'branch', 'feature', 'HEAD~1');
    shallow = join(parent, 'shallow');
    git(parent, 'clone', '-q', '--depth', '1', `file://${source}`, shallow);
    expect(git(shallow, 'rev-parse', '--is-shallow-repository')).toBe('true');
  });

  it.each(['feature', 'HEAD~1'])('fails with ShallowClone when %s is missing because of shallowness', async (baseRef) => {
    const err = await worktreeFailure(ensureWorktree({ repoPath: shallow, name: 'a', branch: 'nexus/a', baseRef }));
    expect(err.reason).toBe('ShallowClone');
    expect(err.transient).toBe(false);
    expect(err.message).toContain(`git -C ${shallow} fetch --unshallow`);
  });

  it('works in a shallow clone when the base ref is present', async () => {
    const info = await ensureWorktree({ repoPath: shallow, name: 'b', branch: 'nexus/b', baseRef: 'main' });
    expect(info.created).toBe(true);
    expect(git(info.path, 'status', '--porcelain')).toBe('');
    expect(git(info.path, 'log', '--format=%s')).toBe('change b.txt');
  });
});

describe('ensureWorktree: submodules', () => {
  let parent: string;
  let repo: string;

  beforeAll(() => {
    allowFileProtocolForSubmodules();
    parent = makeTempDir();
    const library = initRepo(parent, 'library');
    commitFile(library, 'lib.txt', 'library code\n');
    repo = initRepo(parent, 'app');
    git(repo, 'submodule', 'add', '-q', `file://${library}`, 'vendor/library');
    git(repo, 'commit', '-q', '-m', 'add submodule');
  });

  it('initialises submodules in the worktree', async () => {
    const info = await ensureWorktree({ repoPath: repo, name: 'sub', branch: 'nexus/sub', baseRef: 'HEAD' });
    expect(info.submodules).toBe('initialized');
    expect(readFileSync(join(info.path, 'vendor/library/lib.txt'), 'utf8')).toBe('library code\n');
    expect(git(info.path, 'status', '--porcelain')).toBe('');
    const again = await ensureWorktree({ repoPath: repo, name: 'sub', branch: 'nexus/sub', baseRef: 'HEAD' });
    expect(again).toMatchObject({ created: false, submodules: 'initialized' });
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('keeps the worktree and reports notInitialized when the submodule cannot be fetched', async () => {
    rmSync(join(parent, 'library'), { recursive: true, force: true });
    const info = await ensureWorktree({ repoPath: repo, name: 'nosub', branch: 'nexus/nosub', baseRef: 'HEAD' });
    expect(info.created).toBe(true);
    expect(typeof info.submodules).toBe('object');
    const reason = (info.submodules as { notInitialized: string }).notInitialized;
    expect(reason).not.toContain('\n');
    expect(reason).toMatch(/library/);
    expect(existsSync(join(info.path, 'README.md'))).toBe(true);
    // the next call retries and reports the same
    expect((await ensureWorktree({ repoPath: repo, name: 'nosub', branch: 'nexus/nosub', baseRef: 'HEAD' })).submodules).toEqual(info.submodules);
  });
});

describe('planWorktree then addPlannedWorktree (ensureWorktree in two halves)', () => {
  it('plans a new worktree without writing anything, then adds it; an existing one is confirmed by the plan', async () => {
    const repo = initRepo(makeTempDir());
    const input = { repoPath: repo, name: 'later', branch: 'nexus/later', baseRef: 'HEAD' };
    const plan = await planWorktree(input);
    if (plan.kind !== 'add') throw new Error('expected a plan to add');
    expect(plan.path).toBe(worktreePath(repo, 'later'));
    expect(plan.repo.commonGitDir).toBe(realpathSync(join(repo, '.git')));
    expect(existsSync(join(repo, '.nexus'))).toBe(false);
    expect(git(repo, 'branch', '--list', 'nexus/later')).toBe('');
    const info = await addPlannedWorktree(plan);
    expect(info).toMatchObject({ path: plan.path, branch: 'nexus/later', created: true });
    expect(git(info.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('nexus/later');
    expect(await planWorktree(input)).toEqual({ kind: 'exists', info: { ...info, created: false } });
    // A plan run late, after someone else made the worktree: taken as it is.
    expect(await addPlannedWorktree(plan)).toMatchObject({ path: plan.path, created: false });
  });

  it('the plan fails as ensureWorktree does (branch checked out elsewhere), before anything is written', async () => {
    const repo = initRepo(makeTempDir());
    git(repo, 'switch', '-q', '-c', 'nexus/held');
    const err = await worktreeFailure(planWorktree({ repoPath: repo, name: 'held', branch: 'nexus/held', baseRef: 'HEAD' }));
    expect(err.reason).toBe('BranchCheckedOutElsewhere');
    expect(existsSync(join(repo, '.nexus'))).toBe(false);
  });
});
