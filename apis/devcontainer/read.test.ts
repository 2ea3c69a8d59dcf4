import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDevcontainer } from './read.ts';

let dir: string;
let repo: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devcontainer-read-'));
  repo = join(dir, 'repo');
  mkdirSync(join(repo, '.devcontainer'), { recursive: true });
  writeFileSync(join(repo, '.devcontainer', 'Dockerfile'), 'FROM scratch\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(doc: object): string {
  const file = join(repo, '.devcontainer', 'devcontainer.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('readDevcontainer: build containment on disk', () => {
  it('keeps a build inside the repository', async () => {
    const imported = await readDevcontainer(write({ build: { dockerfile: 'Dockerfile' } }), repo);
    expect(imported.config.workspace?.build).toEqual({ context: '.devcontainer', dockerfile: 'Dockerfile' });
  });

  it('drops a build whose context is a symbolic link out of the repository, saying why', async () => {
    symlinkSync('/', join(repo, '.devcontainer', 'ctx'));
    const imported = await readDevcontainer(write({ build: { context: 'ctx', dockerfile: 'ctx/etc/hostname' } }), repo);
    expect(imported.config.workspace).toBeUndefined();
    expect(imported.unmapped).toContainEqual({ key: 'build.context', reason: expect.stringMatching(/resolves to \/, outside the repository/) as unknown as string });
  });

  it('drops a build whose Dockerfile is a symbolic link out of the context', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    symlinkSync(join(dir, 'Dockerfile'), join(repo, '.devcontainer', 'Evil'));
    const imported = await readDevcontainer(write({ name: 'x', build: { dockerfile: 'Evil' } }), repo);
    expect(imported.config.workspace?.build).toBeUndefined();
    expect(imported.unmapped.map((u) => u.key)).toContain('build.dockerfile');
  });

  it('a document that is not an object is an error naming the file, not a silent empty import', async () => {
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, '["image", "debian:12"]\n');
    await expect(readDevcontainer(file, repo, '.devcontainer/devcontainer.json')).rejects.toThrow('.devcontainer/devcontainer.json: must be a JSON object of devcontainer properties, not a list');
  });
});

