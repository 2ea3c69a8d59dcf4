import { execFileSync } from 'node:child_process';
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

  it('takes nothing from a "__proto__" key (it is a property, not the prototype, as with JSON.parse)', async () => {
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, '{"__proto__": {"image": "attacker/image"}, "name": "x"}');
    const imported = await readDevcontainer(file, repo);
    expect(imported.config.workspace?.image).toBeUndefined();
  });

  it('a document that is not an object is an error naming the file, not a silent empty import', async () => {
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, '["image", "debian:12"]\n');
    await expect(readDevcontainer(file, repo, '.devcontainer/devcontainer.json')).rejects.toThrow('.devcontainer/devcontainer.json: must be a JSON object of devcontainer properties, not a list');
  });
});


describe('readDevcontainer: the file itself must be inside the repository', () => {
  const SECRET = '{"image": "from-outside", "containerEnv": {"TOKEN": "s3cret"}}';

  it('refuses a devcontainer.json that is a link to a file outside the repository, reading nothing of it', async () => {
    writeFileSync(join(dir, 'outside.json'), SECRET);
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    symlinkSync(join(dir, 'outside.json'), file);
    const err = await readDevcontainer(file, repo, '.devcontainer/devcontainer.json').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BadRequest' });
    expect((err as Error).message).toMatch(/^\.devcontainer\/devcontainer\.json must be a regular file inside the repository: .*resolves to .*outside\.json, outside .*; it was not read$/);
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('refuses one reached through a .devcontainer directory that is a link out', async () => {
    rmSync(join(repo, '.devcontainer'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'devcontainer.json'), SECRET);
    symlinkSync(join(dir, 'elsewhere'), join(repo, '.devcontainer'));
    await expect(readDevcontainer(join(repo, '.devcontainer', 'devcontainer.json'), repo, 'dc')).rejects.toThrow(/^dc must be a regular file inside the repository: .*outside/);
  });

  it('reads one that is a link to another file of the repository', async () => {
    writeFileSync(join(repo, 'shared.json'), '{"image": "debian:12"} // shared\n');
    symlinkSync('../shared.json', join(repo, '.devcontainer', 'devcontainer.json'));
    const imported = await readDevcontainer(join(repo, '.devcontainer', 'devcontainer.json'), repo);
    expect(imported.config.workspace?.image).toBe('debian:12');
  });

  it('refuses a named pipe without waiting for a writer', async () => {
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    execFileSync('mkfifo', [file]);
    await expect(readDevcontainer(file, repo, 'dc')).rejects.toThrow(/^dc must be a regular file inside the repository: .*is not a regular file; it was not read$/);
  });

  it('keeps the size bound', async () => {
    const file = join(repo, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, `{"name": "${'x'.repeat(4 * 1024 * 1024)}"}`);
    await expect(readDevcontainer(file, repo, 'dc')).rejects.toThrow('dc: is larger than 4 MiB, the most boulder reads from one input');
  });
});
