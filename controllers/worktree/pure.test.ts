import { describe, expect, it } from 'vitest';
import { WorktreeError } from './errors.ts';
import { EXCLUDE_PATTERNS, withExcludePatterns } from './exclude.ts';
import { gitEnvironment } from './git.ts';
import { classifyGitFailure, summarizeGitMessage } from './git-messages.ts';
import { assertValidNames, defaultWorktreeBranch, isValidBranchName, isValidWorkspaceName, worktreePath } from './names.ts';
import { parseStatusPorcelainZ } from './status-porcelain.ts';
import { parseGitmodulesPaths } from './submodules.ts';
import { parseWorktreeList } from './worktree-list.ts';

describe('names', () => {
  it('places worktrees at <repo>/.nexus/worktrees/<name>, absolute', () => {
    expect(worktreePath('/src/app', 'dev')).toBe('/src/app/.nexus/worktrees/dev');
    expect(worktreePath('/src/app/', 'dev')).toBe('/src/app/.nexus/worktrees/dev');
    expect(worktreePath('relative', 'dev')).toBe(`${process.cwd()}/relative/.nexus/worktrees/dev`);
    expect(defaultWorktreeBranch('dev')).toBe('nexus/dev');
  });

  it.each(['dev', 'my-ws', 'ws.2', 'A_b', '0'])('accepts the workspace name %s', (name) => {
    expect(isValidWorkspaceName(name)).toBe(true);
  });

  it.each(['', '.', '..', '.hidden', '-x', 'a/b', 'a..b', 'x.lock', 'a b', 'é'])('rejects the workspace name %j', (name) => {
    expect(isValidWorkspaceName(name)).toBe(false);
  });

  it.each(['main', 'nexus/dev', 'feature/a-b.c', 'v1.2'])('accepts the branch %s', (branch) => {
    expect(isValidBranchName(branch)).toBe(true);
  });

  it.each(['', '@', '-x', '/a', 'a/', 'a//b', 'a..b', 'a@{1}', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a.', 'a/.b', 'a.lock', 'a/b.lock/c'])(
    'rejects the branch %j',
    (branch) => {
      expect(isValidBranchName(branch)).toBe(false);
    },
  );

  it('throws InvalidName, not transient', () => {
    const err = (() => {
      try {
        assertValidNames('ok', 'bad branch');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(WorktreeError);
    expect((err as WorktreeError).reason).toBe('InvalidName');
    expect((err as WorktreeError).transient).toBe(false);
  });
});

describe('WorktreeError', () => {
  it('maps transient reasons to Unavailable and the others to Invalid', () => {
    expect(new WorktreeError('GitLocked', 'busy')).toMatchObject({ transient: true, code: 'Unavailable', name: 'WorktreeError' });
    expect(new WorktreeError('GitFailed', 'x')).toMatchObject({ transient: true, code: 'Unavailable' });
    for (const reason of ['NotAGitRepository', 'ShallowClone', 'BaseRefNotFound', 'BranchCheckedOutElsewhere', 'WorktreePathConflict', 'InvalidName'] as const) {
      expect(new WorktreeError(reason, 'x')).toMatchObject({ transient: false, code: 'Invalid', reason });
    }
  });
});

describe('classifyGitFailure', () => {
  it('recognizes lock contention as GitLocked', () => {
    expect(classifyGitFailure("fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems to be running").reason).toBe('GitLocked');
    expect(
      classifyGitFailure("fatal: cannot lock ref 'refs/heads/nexus/a': Unable to create '/r/.git/refs/heads/nexus/a.lock': File exists.").reason,
    ).toBe('GitLocked');
  });

  it('does not take a directory/file ref conflict for a lock', () => {
    expect(classifyGitFailure("fatal: cannot lock ref 'refs/heads/nexus/a': 'refs/heads/nexus' exists; cannot create 'refs/heads/nexus/a'").reason).toBe('GitFailed');
  });

  it('extracts where a branch is checked out', () => {
    expect(classifyGitFailure("fatal: 'nexus/a' is already checked out at '/src/app'\n")).toEqual({ reason: 'BranchCheckedOutElsewhere', checkedOutAt: '/src/app' });
    expect(classifyGitFailure("fatal: 'nexus/a' is already used by worktree at '/w'\n")).toEqual({ reason: 'BranchCheckedOutElsewhere', checkedOutAt: '/w' });
  });

  it('recognizes a taken path and a missing repository', () => {
    expect(classifyGitFailure("fatal: '/p' already exists").reason).toBe('WorktreePathConflict');
    expect(classifyGitFailure("fatal: '/p' is a missing but locked worktree;").reason).toBe('WorktreePathConflict');
    expect(classifyGitFailure('fatal: not a git repository (or any of the parent directories): .git').reason).toBe('NotAGitRepository');
    expect(classifyGitFailure('something else').reason).toBe('GitFailed');
  });
});

describe('summarizeGitMessage', () => {
  it('joins fatal and error lines on one line, without duplicates', () => {
    const stderr = [
      "Cloning into '/w/lib'...",
      "fatal: '/gone' does not appear to be a git repository",
      'fatal: Could not read from remote repository.',
      "fatal: clone of 'file:///gone' into submodule path '/w/lib' failed",
      "Failed to clone 'lib'. Retry scheduled",
      "fatal: '/gone' does not appear to be a git repository",
    ].join('\n');
    expect(summarizeGitMessage(stderr)).toBe(
      "'/gone' does not appear to be a git repository; Could not read from remote repository.; clone of 'file:///gone' into submodule path '/w/lib' failed",
    );
  });

  it('falls back to the last line and truncates long output', () => {
    expect(summarizeGitMessage('one\ntwo\n\n')).toBe('two');
    expect(summarizeGitMessage('')).toBe('git failed without a message');
    const long = summarizeGitMessage(`fatal: ${'x'.repeat(1000)}`);
    expect(long.length).toBe(400);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('parseWorktreeList', () => {
  it('parses main, linked, detached, locked and prunable entries', () => {
    const output = [
      'worktree /src/app',
      'HEAD 1111111111111111111111111111111111111111',
      'branch refs/heads/main',
      '',
      'worktree /src/app/.nexus/worktrees/a',
      'HEAD 2222222222222222222222222222222222222222',
      'branch refs/heads/nexus/a',
      'locked reason here',
      '',
      'worktree /tmp/x',
      'HEAD 3333333333333333333333333333333333333333',
      'detached',
      'prunable gitdir file points to non-existent location',
      '',
    ].join('\n');
    expect(parseWorktreeList(output)).toEqual([
      { path: '/src/app', head: '1'.repeat(40), branch: 'refs/heads/main', bare: false, detached: false },
      { path: '/src/app/.nexus/worktrees/a', head: '2'.repeat(40), branch: 'refs/heads/nexus/a', bare: false, detached: false, locked: 'reason here' },
      { path: '/tmp/x', head: '3'.repeat(40), bare: false, detached: true, prunable: 'gitdir file points to non-existent location' },
    ]);
  });

  it('keeps paths with spaces and parses a bare entry', () => {
    expect(parseWorktreeList('worktree /a b/c\nbare\n')).toEqual([{ path: '/a b/c', bare: true, detached: false }]);
  });
});

describe('parseStatusPorcelainZ', () => {
  it('lists modified, staged, untracked and renamed paths (skipping the original of a rename)', () => {
    const output = [' M README.md', 'A  staged.txt', 'R  new name.txt', 'old name.txt', '?? dir/', ''].join('\0');
    expect(parseStatusPorcelainZ(output)).toEqual([
      { status: ' M', path: 'README.md' },
      { status: 'A ', path: 'staged.txt' },
      { status: 'R ', path: 'new name.txt' },
      { status: '??', path: 'dir/' },
    ]);
    expect(parseStatusPorcelainZ('')).toEqual([]);
  });
});

describe('parseGitmodulesPaths', () => {
  it('reads the path of every submodule', () => {
    const content = '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://x/lib.git\n[submodule "b"]\n    path=  "with space"  \n';
    expect(parseGitmodulesPaths(content)).toEqual(['vendor/lib', 'with space']);
    expect(parseGitmodulesPaths('')).toEqual([]);
  });
});

describe('withExcludePatterns', () => {
  it('appends the missing patterns under a header, keeping existing content', () => {
    const next = withExcludePatterns('# git ls-files --others --exclude-from=.git/info/exclude\n*.log');
    expect(next).toBe(`# git ls-files --others --exclude-from=.git/info/exclude\n*.log\n# boulder (nexus.dev) workspace worktrees and state\n${EXCLUDE_PATTERNS.join('\n')}\n`);
    expect(withExcludePatterns(next ?? '')).toBeUndefined();
  });

  it('adds only what is missing', () => {
    expect(withExcludePatterns('/.nexus/worktrees/\n', ['/.nexus/worktrees/', '/.nexus/current'])).toBe(
      '/.nexus/worktrees/\n# boulder (nexus.dev) workspace worktrees and state\n/.nexus/current\n',
    );
  });
});

describe('gitEnvironment', () => {
  it('drops variables that redirect git, disables prompts, keeps the rest', () => {
    const env = gitEnvironment({ GIT_DIR: '/x', GIT_WORK_TREE: '/y', GIT_SSL_CAINFO: '/ca', GIT_SSH_COMMAND: 'ssh -i k', HOME: '/h' });
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_WORK_TREE).toBeUndefined();
    expect(env).toMatchObject({ GIT_SSL_CAINFO: '/ca', GIT_SSH_COMMAND: 'ssh -i k', HOME: '/h', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });
  });
});
