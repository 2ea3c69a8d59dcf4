import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalError } from '../runtime/errors.ts';
import { assertBuildContained, assertBuildPathsRelative } from './build-containment.ts';

let dir: string;
let repo: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'build-containment-'));
  repo = join(dir, 'repo');
  mkdirSync(join(repo, 'app'), { recursive: true });
  writeFileSync(join(repo, 'app', 'Dockerfile'), 'FROM scratch\n');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'Dockerfile'), 'FROM scratch\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const build = (context: string, dockerfile = 'Dockerfile') => ({ kind: 'build' as const, context, dockerfile, args: {} });

describe('assertBuildContained (realpath at build time)', () => {
  it('accepts a context and Dockerfile of the repository, also through links that stay inside, and returns them resolved', async () => {
    symlinkSync('app', join(repo, 'linked'));
    symlinkSync('Dockerfile', join(repo, 'app', 'Dockerfile.link'));
    const realApp = join(realpathSync(repo), 'app');
    await expect(assertBuildContained(build(join(repo, 'app')), repo)).resolves.toEqual(build(realApp));
    // The build uses what the check resolved: the real context and the real Dockerfile in it.
    await expect(assertBuildContained(build(join(repo, 'linked'), 'Dockerfile.link'), repo)).resolves.toEqual(build(realApp, 'Dockerfile'));
    await expect(assertBuildContained({ kind: 'image', ref: 'x' }, repo)).resolves.toEqual({ kind: 'image', ref: 'x' });
  });

  it('refuses a context that is a link out of the repository', async () => {
    symlinkSync(join(dir, 'outside'), join(repo, 'evil'));
    symlinkSync('/', join(repo, 'root'));
    const err = await assertBuildContained(build(join(repo, 'evil')), repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).reason).toBe('BuildPathOutsideRepository');
    expect((err as Error).message).toContain('outside the repository');
    await expect(assertBuildContained(build(join(repo, 'root')), repo)).rejects.toThrow(/resolves to \/, outside the repository/);
  });

  it('refuses a Dockerfile that is a link out of the context', async () => {
    symlinkSync(join(dir, 'outside', 'Dockerfile'), join(repo, 'app', 'Evil.Dockerfile'));
    await expect(assertBuildContained(build(join(repo, 'app'), 'Evil.Dockerfile'), repo)).rejects.toThrow(/spec.build.dockerfile: .* outside the build context/);
  });

  it('refuses a link loop, and leaves a missing context to the build', async () => {
    symlinkSync('loop', join(repo, 'loop'));
    await expect(assertBuildContained(build(join(repo, 'loop')), repo)).rejects.toThrow(/too many levels of symbolic links/);
    await expect(assertBuildContained(build(join(repo, 'missing')), repo)).resolves.toEqual(build(join(repo, 'missing')));
  });
});

describe('assertBuildPathsRelative', () => {
  it('refuses .. and absolute paths with a terminal condition', () => {
    expect(() => assertBuildPathsRelative({ context: '../..' })).toThrow(TerminalError);
    expect(() => assertBuildPathsRelative({ context: '.', dockerfile: '/etc/passwd' })).toThrow(/spec.build.dockerfile: must be relative/);
    expect(() => assertBuildPathsRelative({ context: 'app', dockerfile: 'Dockerfile' })).not.toThrow();
  });
});
