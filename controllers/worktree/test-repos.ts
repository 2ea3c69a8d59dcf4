/**
 * Test support: real git repositories in temp directories (no mocks). Used by this module's tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gitEnvironment } from './git.ts';

/** Identity and settings for commits made by tests, independent of the machine's git config. */
const TEST_GIT_CONFIG = [
  '-c', 'user.email=test@example.com',
  '-c', 'user.name=Boulder Test',
  '-c', 'init.defaultBranch=main',
  '-c', 'commit.gpgsign=false',
  '-c', 'protocol.file.allow=always',
];

/** Runs git synchronously in `cwd` and returns stdout (trimmed); throws with stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...TEST_GIT_CONFIG, ...args], {
    cwd,
    env: gitEnvironment(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Temp directories created by `makeTempDir`, removed by `removeTempDirs`. */
const tempDirs: string[] = [];

/** A new empty temp directory (removed by `removeTempDirs`). */
export function makeTempDir(prefix = 'boulder-worktree-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory `makeTempDir` created. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` to `file` in `repo` (creating directories), stages and commits it; returns the commit. */
export function commitFile(repo: string, file: string, content: string, message = `change ${file}`): string {
  const path = join(repo, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  git(repo, 'add', '--', file);
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/** A new repository at `<parent>/<name>` on branch `main` with one commit (README.md). */
export function initRepo(parent: string, name = 'repo'): string {
  const repo = join(parent, name);
  git(parent, 'init', '-q', repo);
  commitFile(repo, 'README.md', '# test\n', 'initial');
  return repo;
}

/**
 * Lets git fetch `file://` submodules for the rest of this process (git ≥ 2.38 refuses them by
 * default); works for the module's own git calls, which inherit process.env.
 */
export function allowFileProtocolForSubmodules(): void {
  process.env.GIT_CONFIG_COUNT = '1';
  process.env.GIT_CONFIG_KEY_0 = 'protocol.file.allow';
  process.env.GIT_CONFIG_VALUE_0 = 'always';
}
