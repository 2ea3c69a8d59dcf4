import { mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertBuildContained } from '../../../controllers/workspace/build-containment.ts';
import { BuildContextError, scanBuildContext, type BuildSource } from './build-context.ts';
import { packBuildContext } from './context-pack.ts';

const SECRET = 'PRIVATE-KEY-OUTSIDE-THE-REPOSITORY';

interface TarEntry {
  name: string;
  type: 'file' | 'symlink' | 'directory' | 'other';
  linkname: string;
  content: string;
}

/** The entries of a ustar stream (names under 100 bytes: what these tests pack). */
function tarEntries(bytes: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  const text = (from: number, length: number, at: number): string => bytes.subarray(at + from, at + from + length).toString('utf8').replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= bytes.length; ) {
    if (bytes.subarray(at, at + 512).every((b) => b === 0)) break;
    const size = parseInt(text(124, 12, at).trim() || '0', 8);
    const flag = text(156, 1, at);
    const type = flag === '0' || flag === '' ? 'file' : flag === '2' ? 'symlink' : flag === '5' ? 'directory' : 'other';
    entries.push({ name: text(0, 100, at), type, linkname: text(157, 100, at), content: bytes.subarray(at + 512, at + 512 + size).toString('utf8') });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Everything the stream produced, and how it ended. */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks) };
  } catch (err) {
    return { bytes: Buffer.concat(chunks), error: err as Error };
  }
}

describe('packBuildContext (the context as checked, never through a link)', () => {
  let dir: string;
  let repo: string;
  let outside: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'boulder-pack-')));
    repo = path.join(dir, 'repo');
    outside = path.join(dir, 'home-ssh');
    await mkdir(path.join(repo, 'app', 'sub'), { recursive: true });
    await writeFile(path.join(repo, 'app', 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    await writeFile(path.join(repo, 'app', 'sub', 'id_rsa'), 'harmless\n');
    await writeFile(path.join(repo, 'app', 'a.txt'), 'a\n');
    await mkdir(outside);
    await writeFile(path.join(outside, 'id_rsa'), SECRET);
    await writeFile(path.join(outside, 'Dockerfile'), SECRET);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const build = (context: string): BuildSource => ({ kind: 'build', context, dockerfile: 'Dockerfile', args: {} });

  /** The containment check, then the scan: what the build does before it packs. */
  async function checked(context: string): Promise<{ source: BuildSource; files: string[] }> {
    const source = (await assertBuildContained(build(context), repo)) as BuildSource;
    return { source, files: (await scanBuildContext(source)).files };
  }

  it('packs the files of the context, and a link in it as a link (its target string), never its target', async () => {
    await symlink(path.join(outside, 'id_rsa'), path.join(repo, 'app', 'key'));
    await symlink(outside, path.join(repo, 'app', 'ssh'));
    const { source, files } = await checked(path.join(repo, 'app'));
    expect(files).toEqual(['Dockerfile', 'a.txt', 'key', 'ssh', 'sub/id_rsa']);
    const { bytes, error } = await drain(packBuildContext(source.context, files));
    expect(error).toBeUndefined();
    const entries = tarEntries(bytes);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['Dockerfile', 'file'],
      ['a.txt', 'file'],
      ['key', 'symlink'],
      ['ssh', 'symlink'],
      ['sub/id_rsa', 'file'],
    ]);
    expect(entries.find((e) => e.name === 'key')?.linkname).toBe(path.join(outside, 'id_rsa'));
    expect(entries.find((e) => e.name === 'sub/id_rsa')?.content).toBe('harmless\n');
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('stops, packing nothing of it, when a directory of the context is swapped for a link out after the check', async () => {
    const { source, files } = await checked(path.join(repo, 'app'));
    // The workspace's container (bind mode) swaps sub/ for a link to ~/.ssh between check and pack.
    await rename(path.join(repo, 'app', 'sub'), path.join(dir, 'old-sub'));
    await symlink(outside, path.join(repo, 'app', 'sub'));
    const { bytes, error } = await drain(packBuildContext(source.context, files));
    expect(error).toBeInstanceOf(BuildContextError);
    expect(error?.message).toMatch(/app\/sub of the build context now leads to .*home-ssh \(a directory was replaced by a symbolic link/);
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('stops when the context itself is swapped for a link out after the check (it packs the checked path, not the new target)', async () => {
    const { source, files } = await checked(path.join(repo, 'app'));
    await rename(path.join(repo, 'app'), path.join(dir, 'old-app'));
    await symlink(outside, path.join(repo, 'app'));
    const { bytes, error } = await drain(packBuildContext(source.context, files));
    expect(error).toBeInstanceOf(BuildContextError);
    expect(error?.message).toMatch(/now leads to .*home-ssh/);
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('packs a file swapped for a link after the scan as that link, not what it points to', async () => {
    const { source, files } = await checked(path.join(repo, 'app'));
    await rm(path.join(repo, 'app', 'a.txt'));
    await symlink(path.join(outside, 'id_rsa'), path.join(repo, 'app', 'a.txt'));
    const { bytes, error } = await drain(packBuildContext(source.context, files));
    expect(error).toBeUndefined();
    expect(tarEntries(bytes).find((e) => e.name === 'a.txt')).toMatchObject({ type: 'symlink', linkname: path.join(outside, 'id_rsa') });
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('builds from the resolved context: a context reached through an inner link is packed from its real directory', async () => {
    await symlink('app', path.join(repo, 'linked'));
    const { source, files } = await checked(path.join(repo, 'linked'));
    expect(source.context).toBe(path.join(repo, 'app'));
    // Repointing the lexical link afterwards changes nothing: the pack never looks at it again.
    await rm(path.join(repo, 'linked'));
    await symlink(outside, path.join(repo, 'linked'));
    const { bytes, error } = await drain(packBuildContext(source.context, files));
    expect(error).toBeUndefined();
    expect(tarEntries(bytes).find((e) => e.name === 'Dockerfile')?.content).toBe('FROM scratch\nCOPY . /\n');
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('refuses an entry that is not below the context', async () => {
    const { source } = await checked(path.join(repo, 'app'));
    expect(() => packBuildContext(source.context, ['../../home-ssh/id_rsa'])).toThrow(/not a valid path/);
  });
});
