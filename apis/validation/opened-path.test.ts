import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvFiles } from '../config/dotenv.ts';
import { OutsideRootError, pathOfDescriptor, readTextInside } from './opened-path.ts';

const SECRET = 'AWS_SECRET=from-outside';

let dir: string;
let repo: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'opened-path-')));
  repo = join(dir, 'repo');
  mkdirSync(join(repo, 'conf'), { recursive: true });
  writeFileSync(join(repo, 'conf', '.env'), 'A=inside\n');
  mkdirSync(join(dir, 'aws'));
  writeFileSync(join(dir, 'aws', '.env'), `${SECRET}\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readTextInside (the check made on the descriptor that is read)', () => {
  it('reads a file of the root, also through a link that stays inside', async () => {
    symlinkSync('conf/.env', join(repo, 'link.env'));
    await expect(readTextInside(join(repo, 'conf', '.env'), repo)).resolves.toBe('A=inside\n');
    await expect(readTextInside(join(repo, 'link.env'), repo)).resolves.toBe('A=inside\n');
  });

  it('refuses, reading nothing, a file reached through a directory swapped for a link out after the realpath check', async () => {
    // The check saw conf/ as a directory of the repository; then conf/ became a link to ~/.aws.
    rmSync(join(repo, 'conf'), { recursive: true });
    symlinkSync(join(dir, 'aws'), join(repo, 'conf'));
    const err = await readTextInside(join(repo, 'conf', '.env'), repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutsideRootError);
    expect((err as Error).message).toBe(`${join(repo, 'conf', '.env')} resolves to ${join(dir, 'aws', '.env')}, outside ${repo}; it was not read`);
    expect((err as Error).message).not.toContain(SECRET);
    // Through loadEnvFiles (what resolveWorkspaceEnv does for a project's env_files): an issue, no value.
    const loaded = await loadEnvFiles(['conf/.env'], repo, undefined, (p) => readTextInside(p, repo));
    expect(loaded.values).toEqual({});
    expect(loaded.issues.map((i) => i.message)).toEqual([`env file cannot be read (${(err as Error).message})`]);
  });

  it('refuses what is not a regular file', async () => {
    await expect(readTextInside(join(repo, 'conf'), repo)).rejects.toThrow(/is not a regular file; it was not read/);
  });

  it('knows where an open descriptor is (Linux /proc)', async () => {
    const { open } = await import('node:fs/promises');
    const handle = await open(join(repo, 'conf', '.env'));
    try {
      await expect(pathOfDescriptor(handle.fd)).resolves.toBe(join(repo, 'conf', '.env'));
    } finally {
      await handle.close();
    }
  });
});
