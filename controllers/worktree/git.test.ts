/**
 * runGit's answers and errors, the same whether git runs from this process or through a spawner
 * (what the daemon does): okExitCodes answers, GitCommandError with git's exit code and stderr,
 * the timeout, a directory that is gone. Real git, real repositories.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSpawner } from '../runtime/child-process/run-file.ts';
import type { Spawner } from '../runtime/child-process/spawner.ts';
import { readySpawner } from '../runtime/child-process/testing.ts';
import { GitCommandError, runGit } from './git.ts';
import { initRepo, makeTempDir, removeTempDirs } from './test-repos.ts';

let repo: string;
let spawner: Spawner;

beforeAll(async () => {
  repo = initRepo(makeTempDir());
  spawner = await readySpawner();
});

afterAll(() => {
  useSpawner(undefined);
  spawner.close();
  removeTempDirs();
});

/** The pid of the process that forked git (read by a git alias from git's own /proc entry). */
async function gitForkedBy(): Promise<number> {
  const alias = "alias.parent-of-git=!f() { cut -d' ' -f4 /proc/$PPID/stat; }; f";
  return Number((await runGit(repo, ['-c', alias, 'parent-of-git'])).stdout.trim());
}

describe.each([
  ['in this process', () => useSpawner(undefined), () => process.pid],
  ['through the spawner', () => useSpawner(spawner), () => spawner.pid],
])('runGit %s', (_name, route, expectedParent) => {
  beforeAll(() => route());

  it('runs git from the expected process', async () => {
    expect(await gitForkedBy()).toBe(expectedParent());
  });

  it('resolves with stdout, and an okExitCodes exit as an answer', async () => {
    expect(await runGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).toEqual({ stdout: 'main\n', stderr: '', exitCode: 0 });
    expect(await runGit(repo, ['rev-parse', '--verify', '--quiet', 'refs/heads/nope'], { okExitCodes: [1] })).toEqual({ stdout: '', stderr: '', exitCode: 1 });
  });

  it('rejects another exit with GitCommandError carrying the exit code and git’s stderr', async () => {
    const err = await runGit(repo, ['checkout', 'no-such-branch']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(err).toMatchObject({ exitCode: 1, args: ['checkout', 'no-such-branch'], stderr: expect.stringContaining("pathspec 'no-such-branch' did not match") as unknown });
  });

  it('reports a timeout', async () => {
    const err = await runGit(repo, ['-c', 'alias.slow=!sleep 2', 'slow'], { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect((err as GitCommandError).message).toContain('timed out after 100 ms');
  });

  it('rejects a directory that is gone with GitCommandError without exit code', async () => {
    const err = await runGit(join(repo, 'gone'), ['status']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(err).toMatchObject({ exitCode: undefined, stderr: expect.stringContaining('ENOENT') as unknown });
  });
});
