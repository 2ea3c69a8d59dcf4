import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContextError, scanBuildContext, type BuildSource } from './build-context.ts';

describe('scanBuildContext', () => {
  let dir: string;
  let source: BuildSource;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'boulder-ctx-'));
    source = { kind: 'build', context: dir, dockerfile: 'Dockerfile', args: {} };
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    await mkdir(path.join(dir, 'src/deep'), { recursive: true });
    await writeFile(path.join(dir, 'src/app.js'), 'console.log(1)\n');
    await writeFile(path.join(dir, 'src/deep/x.txt'), 'x');
    await mkdir(path.join(dir, 'node_modules/pkg'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules/pkg/index.js'), '');
    await writeFile(path.join(dir, 'debug.log'), 'noise');
    await writeFile(path.join(dir, 'keep.log'), 'kept');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every file without a .dockerignore', async () => {
    const scanned = await scanBuildContext(source);
    expect(scanned.files).toEqual(['Dockerfile', 'debug.log', 'keep.log', 'node_modules/pkg/index.js', 'src/app.js', 'src/deep/x.txt']);
    expect(scanned.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('respects .dockerignore (with exceptions) but always sends the Dockerfile and .dockerignore', async () => {
    await writeFile(path.join(dir, '.dockerignore'), 'node_modules\n*.log\n!keep.log\nDockerfile\n.dockerignore\n');
    const scanned = await scanBuildContext(source);
    expect(scanned.files).toEqual(['.dockerignore', 'Dockerfile', 'keep.log', 'src/app.js', 'src/deep/x.txt']);
  });

  it('hash changes with contents, executable bit, symlinks, dockerfile, args and target, not with ignored files', async () => {
    await writeFile(path.join(dir, '.dockerignore'), 'debug.log\n');
    const cache = new Map();
    const first = (await scanBuildContext(source, cache)).contentHash;
    expect((await scanBuildContext(source, cache)).contentHash).toBe(first);
    await writeFile(path.join(dir, 'debug.log'), 'more noise');
    expect((await scanBuildContext(source, cache)).contentHash).toBe(first);
    const hashes = new Set([first]);
    await writeFile(path.join(dir, 'src/app.js'), 'console.log(2)\n');
    hashes.add((await scanBuildContext(source, cache)).contentHash);
    await chmod(path.join(dir, 'src/app.js'), 0o755);
    hashes.add((await scanBuildContext(source, cache)).contentHash);
    await symlink('app.js', path.join(dir, 'src/link.js'));
    hashes.add((await scanBuildContext(source, cache)).contentHash);
    hashes.add((await scanBuildContext({ ...source, args: { A: '1' } }, cache)).contentHash);
    hashes.add((await scanBuildContext({ ...source, target: 'dev' }, cache)).contentHash);
    expect(hashes.size).toBe(6);
  });

  it('fails clearly when the Dockerfile is missing', async () => {
    await expect(scanBuildContext({ ...source, dockerfile: 'nope/Dockerfile' })).rejects.toThrow(BuildContextError);
    await expect(scanBuildContext({ ...source, dockerfile: 'nope/Dockerfile' })).rejects.toThrow(/Dockerfile "nope\/Dockerfile" not found/);
  });
});
