import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileContent, FileEntry, Operation, ScanResult, WriteOperation } from '../endpoint.ts';
import { createIgnoreMatcher } from '../ignore.ts';
import { diffListing } from '../scope.ts';
import { DigestCache, RACY_WINDOW_MS } from './digest-cache.ts';
import { withExecutable } from './hash.ts';
import { createLocalEndpoint, type LocalEndpoint } from './local-endpoint.ts';
import { symlinkStaysInside } from './scanner.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const ignore = createIgnoreMatcher(['*.log']);

let root: string;
let endpoint: LocalEndpoint;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'boulder-local-'));
  endpoint = createLocalEndpoint(join(root, 'tree'));
  await mkdir(join(root, 'tree'));
});

afterEach(async () => {
  await endpoint.close();
  await rm(root, { recursive: true, force: true });
});

const at = (path: string): string => join(root, 'tree', path);
const scan = (subtrees?: string[], maxEntries?: number): Promise<ScanResult> =>
  endpoint.scan({ ignore, ...(subtrees === undefined ? {} : { subtrees }), ...(maxEntries === undefined ? {} : { maxEntries }) });
const fileOf = (content: string, executable = false): FileEntry => ({ kind: 'file', digest: sha(content), size: Buffer.byteLength(content), executable });

async function* contentsOf(...items: Array<[string, string | null]>): AsyncIterable<FileContent> {
  for (const [path, content] of items) {
    yield {
      path,
      expected: fileOf(content ?? ''),
      data: content === null ? null : (async function* () {
        const bytes = Buffer.from(content);
        yield bytes.subarray(0, 3);
        yield bytes.subarray(3);
      })(),
    };
  }
}

async function* none(): AsyncIterable<FileContent> {
  // nothing
}

const write = (path: string, content: string, executable = false): WriteOperation => ({
  op: 'write',
  path,
  expected: undefined,
  digest: sha(content),
  size: Buffer.byteLength(content),
  executable,
  source: 'stream',
});

async function leftovers(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      if (name.startsWith('.boulder-sync-')) out.push(name);
      if ((await lstat(join(dir, name))).isDirectory()) await walk(join(dir, name));
    }
  };
  await walk(join(root, 'tree'));
  return out;
}

describe('scan', () => {
  it('reports files with digests and exec bits, directories, inside symlinks; prunes ignored paths; flags problems', async () => {
    await mkdir(at('src/empty'), { recursive: true });
    await writeFile(at('src/a.ts'), 'a');
    await writeFile(at('run.sh'), '#!/bin/sh');
    await chmod(at('run.sh'), 0o750);
    await writeFile(at('debug.log'), 'ignored');
    await mkdir(at('node_modules/x'), { recursive: true });
    await symlink('src/a.ts', at('link'));
    await symlink('/etc/hostname', at('abs'));
    await symlink('../../x', at('src/escape'));
    await writeFile(at('.boulder-sync-abc.tmp'), 'temp');
    execFileSync('mkfifo', [at('pipe')]);
    const result = await endpoint.scan({ ignore: createIgnoreMatcher(['*.log', 'node_modules/']) });
    expect(result.root).toBe('directory');
    expect(Object.fromEntries([...result.entries].map(([p, e]) => [p, e.kind === 'file' ? { ...e, mtimeMs: 0 } : e]))).toEqual({
      src: { kind: 'directory' },
      'src/empty': { kind: 'directory' },
      'src/a.ts': { kind: 'file', digest: sha('a'), size: 1, executable: false, mtimeMs: 0 },
      'run.sh': { kind: 'file', digest: sha('#!/bin/sh'), size: 9, executable: true, mtimeMs: 0 },
      link: { kind: 'symlink', target: 'src/a.ts' },
    });
    expect(result.ignored.sort()).toEqual(['debug.log', 'node_modules']);
    expect(result.problems.map((p) => `${p.path}:${p.reason}`).sort()).toEqual(['abs:symlink-outside-root', 'pipe:unsupported-type', 'src/escape:symlink-outside-root']);
    expect(result.limitExceeded).toBe(false);
  });

  it('reports an absent root and a root that is a file', async () => {
    await rm(at(''), { recursive: true });
    expect((await scan()).root).toBe('absent');
    await writeFile(at(''), 'file');
    expect((await scan()).root).toBe('not-directory');
  });

  it('stops at maxEntries and says so', async () => {
    for (let i = 0; i < 20; i++) await writeFile(at(`f${i}`), `${i}`);
    const limited = await scan(undefined, 10);
    expect(limited.limitExceeded).toBe(true);
    expect((await scan(undefined, 20)).limitExceeded).toBe(false);
  });

  it('sees a same-size rewrite even with the mtime put back (ctime is part of the cache key)', async () => {
    await writeFile(at('f'), 'AAAA');
    const old = new Date(Date.now() - 10_000);
    await utimes(at('f'), old, old);
    await new Promise((r) => setTimeout(r, RACY_WINDOW_MS + 20));
    expect(((await scan()).entries.get('f') as FileEntry).digest).toBe(sha('AAAA'));
    await writeFile(at('f'), 'BBBB');
    await utimes(at('f'), old, old);
    expect(((await scan()).entries.get('f') as FileEntry).digest).toBe(sha('BBBB'));
  });

  it('accelerated scans reuse the previous result outside the hinted subtrees', async () => {
    await writeFile(at('a.txt'), 'a1');
    await mkdir(at('d/e'), { recursive: true });
    await writeFile(at('d/e/f.txt'), 'f1');
    await scan();
    await writeFile(at('a.txt'), 'a2 (not hinted)');
    await writeFile(at('d/e/f.txt'), 'f2');
    await writeFile(at('d/new.txt'), 'n');
    const partial = await scan(['d/e/f.txt', 'd/new.txt']);
    expect((partial.entries.get('a.txt') as FileEntry).digest).toBe(sha('a1'));
    expect((partial.entries.get('d/e/f.txt') as FileEntry).digest).toBe(sha('f2'));
    expect(partial.entries.has('d/new.txt')).toBe(true);
    expect(((await scan()).entries.get('a.txt') as FileEntry).digest).toBe(sha('a2 (not hinted)'));
  });

  it('accelerated scans escalate to the nearest surviving directory (a deleted parent)', async () => {
    await mkdir(at('x/y'), { recursive: true });
    await writeFile(at('x/y/z.txt'), 'z');
    await writeFile(at('x/keep.txt'), 'k');
    await scan();
    await rm(at('x'), { recursive: true });
    const partial = await scan(['x/y/z.txt']);
    expect([...partial.entries.keys()]).toEqual([]);
  });

  it('accelerated scans update the returned listing in place and report exactly how it changed; a full scan builds a new one', async () => {
    await writeFile(at('a.txt'), 'a1');
    await writeFile(at('gone.txt'), 'g');
    await mkdir(at('d/e'), { recursive: true });
    await writeFile(at('d/e/f.txt'), 'f1');
    await writeFile(at('same.txt'), 's');
    const first = await scan();
    const before = new Map(first.entries);
    await writeFile(at('a.txt'), 'a2');
    await rm(at('gone.txt'));
    await rm(at('d'), { recursive: true });
    await writeFile(at('new.txt'), 'n');
    const partial = await scan(['a.txt', 'gone.txt', 'd', 'new.txt', 'same.txt']);
    expect(partial.entries).toBe(first.entries);
    expect(partial.delta?.base).toBe(first.entries);
    const expected = diffListing(before, partial.entries);
    expect(partial.delta?.changed).toEqual(expected?.changed);
    expect(partial.delta?.removed).toEqual(expected?.removed);
    expect([...(partial.delta?.changed.keys() ?? [])].sort()).toEqual(['a.txt', 'new.txt']);
    expect([...(partial.delta?.removed.keys() ?? [])].sort()).toEqual(['d', 'd/e', 'd/e/f.txt', 'gone.txt']);
    const full = await scan();
    expect(full.entries).not.toBe(partial.entries);
    expect(full.delta).toBeUndefined();
  });

  it('a listing returned without its escaping symlinks is never changed; the delta is against the map last returned', async () => {
    await mkdir(at('d'));
    await writeFile(at('d/f.txt'), 'f');
    const first = await scan();
    const before = new Map(first.entries);
    // Lexically inside, but through d/up (the root) it climbs out.
    await symlink('..', at('d/up'));
    await symlink('up/..', at('d/x'));
    const second = await scan(['d/up', 'd/x']);
    expect(second.entries).not.toBe(first.entries);
    expect(second.entries.has('d/x')).toBe(false);
    expect(second.problems.map((p) => p.path)).toContain('d/x');
    expect(second.delta?.base).toBe(first.entries);
    const expected = diffListing(before, second.entries);
    expect(second.delta?.changed).toEqual(expected?.changed);
    expect(second.delta?.removed).toEqual(expected?.removed);
    const returned = new Map(second.entries);
    await rm(at('d/x'));
    const third = await scan(['d/x']);
    expect(third.delta).toBeUndefined();
    expect(third.entries).not.toBe(second.entries);
    expect(second.entries).toEqual(returned);
    expect(diffListing(second.entries, third.entries)?.changed.size).toBe(0);
  });

  it('accelerated scans include what apply changed even without hints', async () => {
    await writeFile(at('a.txt'), 'a');
    await scan();
    const [result] = await endpoint.apply([write('b.txt', 'b')], contentsOf(['b.txt', 'b']));
    expect(result?.status).toBe('ok');
    expect((await scan([])).entries.has('b.txt')).toBe(true);
  });
});

describe('apply', () => {
  it('creates directories, files (with exec bit), and symlinks; mkdir of the root creates it', async () => {
    await rm(at(''), { recursive: true });
    const results = await endpoint.apply(
      [{ op: 'mkdir', path: '' }, { op: 'mkdir', path: 'd' }, write('d/f.sh', '#!/bin/sh\n', true), write('d/plain', 'plain'), { op: 'symlink', path: 'l', target: 'd/f.sh', expected: undefined }],
      contentsOf(['d/f.sh', '#!/bin/sh\n'], ['d/plain', 'plain']),
    );
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await readFile(at('d/f.sh'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await stat(at('d/f.sh'))).mode & 0o111).not.toBe(0);
    expect((await stat(at('d/plain'))).mode & 0o111).toBe(0);
    expect(await readlink(at('l'))).toBe('d/f.sh');
    expect(await leftovers()).toEqual([]);
  });

  it('never replaces a file that appeared after the scan, nor one changed since', async () => {
    await writeFile(at('new.txt'), 'created by the user meanwhile');
    await writeFile(at('old.txt'), 'edited by the user');
    const results = await endpoint.apply(
      [write('new.txt', 'synced'), { ...write('old.txt', 'synced'), expected: fileOf('what the scan saw') }],
      contentsOf(['new.txt', 'synced'], ['old.txt', 'synced']),
    );
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(await readFile(at('new.txt'), 'utf8')).toBe('created by the user meanwhile');
    expect(await readFile(at('old.txt'), 'utf8')).toBe('edited by the user');
    expect(await leftovers()).toEqual([]);
  });

  it('replaces a file that still matches, keeping its other permission bits', async () => {
    await writeFile(at('f'), 'v1');
    await chmod(at('f'), 0o600);
    const [result] = await endpoint.apply([{ ...write('f', 'v2', true), expected: fileOf('v1') }], contentsOf(['f', 'v2']));
    expect(result).toMatchObject({ status: 'ok', entry: { kind: 'file', digest: sha('v2') } });
    expect(await readFile(at('f'), 'utf8')).toBe('v2');
    expect((await stat(at('f'))).mode & 0o777).toBe(0o700);
  });

  it('discards bytes that do not hash to the expected digest (source changed during transfer)', async () => {
    await writeFile(at('f'), 'v1');
    const op = { ...write('f', 'v2'), expected: fileOf('v1') };
    const results = await endpoint.apply([op, write('g', 'g')], contentsOf(['f', 'v2 torn'], ['g', 'g']));
    expect(results.map((r) => r.status)).toEqual(['source-changed', 'ok']);
    expect(await readFile(at('f'), 'utf8')).toBe('v1');
    const vanished = await endpoint.apply([write('h', 'h')], contentsOf(['h', null]));
    expect(vanished[0]?.status).toBe('source-changed');
    expect(await leftovers()).toEqual([]);
  });

  it('removes only unchanged content: files, symlinks, empty directories', async () => {
    await mkdir(at('d'));
    await writeFile(at('d/same'), 'same');
    await writeFile(at('d/edited'), 'edited');
    await symlink('x', at('l'));
    const ops: Operation[] = [
      { op: 'remove', path: 'd/same', expected: fileOf('same') },
      { op: 'remove', path: 'd/edited', expected: fileOf('before edit') },
      { op: 'remove', path: 'd', expected: { kind: 'directory' } },
      { op: 'remove', path: 'l', expected: { kind: 'symlink', target: 'other' } },
      { op: 'remove', path: 'missing', expected: fileOf('x') },
    ];
    const results = await endpoint.apply(ops, none());
    expect(results.map((r) => r.status)).toEqual(['ok', 'changed', 'changed', 'changed', 'changed']);
    expect(await readdir(at('d'))).toEqual(['edited']);
    expect(await readlink(at('l'))).toBe('x');
    const second = await endpoint.apply([{ op: 'remove', path: 'd/edited', expected: fileOf('edited') }, { op: 'remove', path: 'd', expected: { kind: 'directory' } }], none());
    expect(second.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(await leftovers()).toEqual([]);
  });

  it('changes only the exec bit of an unchanged file', async () => {
    await writeFile(at('s'), 'x');
    await chmod(at('s'), 0o640);
    const results = await endpoint.apply([{ op: 'chmod', path: 's', executable: true, expected: fileOf('x') }], none());
    expect(results[0]?.status).toBe('ok');
    expect((await stat(at('s'))).mode & 0o777).toBe(0o750);
    const refused = await endpoint.apply([{ op: 'chmod', path: 's', executable: false, expected: fileOf('not x', true) }], none());
    expect(refused[0]?.status).toBe('changed');
  });

  it('copies content it already holds (rename detection) and verifies it', async () => {
    await writeFile(at('old'), 'payload');
    const results = await endpoint.apply([{ ...write('new', 'payload'), source: { copyFrom: 'old' } }, { ...write('bad', 'other'), source: { copyFrom: 'old' } }], none());
    expect(results.map((r) => r.status)).toEqual(['ok', 'source-changed']);
    expect(await readFile(at('new'), 'utf8')).toBe('payload');
    await expect(stat(at('bad'))).rejects.toThrow();
  });

  it('writes under a directory that could not be created are refused, and their content is consumed', async () => {
    await writeFile(at('d'), 'a file where a directory should go');
    const results = await endpoint.apply([{ op: 'mkdir', path: 'd' }, write('d/f', 'f'), write('g', 'g')], contentsOf(['d/f', 'f'], ['g', 'g']));
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed', 'ok']);
    expect(await readFile(at('g'), 'utf8')).toBe('g');
  });

  it('replaces a symlink atomically when it still matches', async () => {
    await symlink('a', at('l'));
    const results = await endpoint.apply([{ op: 'symlink', path: 'l', target: 'b', expected: { kind: 'symlink', target: 'a' } }], none());
    expect(results[0]?.status).toBe('ok');
    expect(await readlink(at('l'))).toBe('b');
  });
});

describe('readFiles', () => {
  it('streams files in order, small and large, and yields null for vanished ones', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    await writeFile(at('big'), big);
    await writeFile(at('small'), 'small');
    const requests = [
      { path: 'small', expected: fileOf('small') },
      { path: 'gone', expected: fileOf('x') },
      { path: 'big', expected: { kind: 'file', digest: sha(big), size: big.length, executable: false } as FileEntry },
    ];
    const seen: Array<[string, string | null]> = [];
    for await (const item of endpoint.readFiles(requests)) {
      if (item.data === null) {
        seen.push([item.path, null]);
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of item.data) chunks.push(Buffer.from(chunk));
      seen.push([item.path, sha(Buffer.concat(chunks))]);
    }
    expect(seen).toEqual([['small', sha('small')], ['gone', null], ['big', sha(big)]]);
  });
});

describe('watch', () => {
  it('hints changed paths, never the endpoint temp files, and stops on abort', async () => {
    const controller = new AbortController();
    const hints: Array<string | undefined> = [];
    const collecting = (async () => {
      for await (const hint of endpoint.watch(controller.signal)) hints.push(hint.path);
    })();
    await new Promise((r) => setTimeout(r, 100));
    await writeFile(at('.boulder-sync-x.tmp'), 'temp');
    await mkdir(at('sub'));
    await writeFile(at('sub/file.txt'), 'x');
    for (let i = 0; i < 100 && !hints.includes('sub/file.txt'); i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await collecting;
    expect(hints[0]).toBeUndefined();
    expect(hints).toContain('sub/file.txt');
    expect(hints.some((h) => h?.includes('.boulder-sync-') === true)).toBe(false);
  });

  it('waits for a missing root and hints a full rescan when it appears', async () => {
    await rm(at(''), { recursive: true });
    const controller = new AbortController();
    const iterator = endpoint.watch(controller.signal)[Symbol.asyncIterator]();
    const first = iterator.next();
    await new Promise((r) => setTimeout(r, 50));
    await mkdir(at(''));
    expect((await first).value).toEqual({});
    controller.abort();
    await iterator.return?.();
  });
});

describe('helpers', () => {
  it('symlinkStaysInside is lexical and rejects absolute targets', () => {
    expect(symlinkStaysInside('a/l', 'b')).toBe(true);
    expect(symlinkStaysInside('a/l', '../b')).toBe(true);
    expect(symlinkStaysInside('a/l', '../../b')).toBe(false);
    expect(symlinkStaysInside('l', '.')).toBe(true);
    expect(symlinkStaysInside('l', '/etc')).toBe(false);
    expect(symlinkStaysInside('l', '')).toBe(false);
  });

  it('withExecutable mirrors read bits and clears all x bits', () => {
    expect(withExecutable(0o644, true)).toBe(0o755);
    expect(withExecutable(0o600, true)).toBe(0o700);
    expect(withExecutable(0o755, false)).toBe(0o644);
    expect(withExecutable(0o200, true)).toBe(0o300);
  });

  it('DigestCache trusts only files older than the racy window, by stat key', async () => {
    await writeFile(at('f'), 'x');
    const stats = await stat(at('f'));
    const cache = new DigestCache();
    cache.set('f', stats, 'recent', stats.mtimeMs + 1);
    expect(cache.get('f', stats)).toBeUndefined();
    cache.set('f', stats, 'old', stats.mtimeMs + RACY_WINDOW_MS + 1);
    expect(cache.get('f', stats)).toBe('old');
    expect(cache.get('f', { ...stats, size: stats.size + 1 } as typeof stats)).toBeUndefined();
    cache.retain(() => false);
    expect(cache.size).toBe(0);
  });
});

describe('persisted digest cache', () => {
  it('a new endpoint on the same root trusts the persisted digests (same stat key); a foreign file is ignored', async () => {
    const base = await mkdtemp(join(tmpdir(), 'boulder-digests-'));
    try {
      const root = join(base, 'root');
      await mkdir(root);
      for (let i = 0; i < 5; i++) await writeFile(join(root, `f${i}`), `content ${i}`);
      // Hashed well after the last change, so the racy rule lets the cache keep them.
      await new Promise((r) => setTimeout(r, RACY_WINDOW_MS + 50));
      const path = join(base, 'state', 'digests-alpha.json');
      const ignore = createIgnoreMatcher([], { defaults: true });
      const first = createLocalEndpoint(root, { digestCachePath: path });
      const scanned = await first.scan({ ignore });
      await first.close();
      const saved = JSON.parse(await readFile(path, 'utf8')) as { version: number; root: string; entries: string[][] };
      expect(saved.entries).toHaveLength(5);
      expect((scanned.entries.get('f0') as FileEntry).digest).toBe(createHash('sha256').update('content 0').digest('hex'));

      // A digest only the persisted file knows (same key): a new endpoint must take it from there.
      const planted = 'b'.repeat(64);
      for (const entry of saved.entries) if (entry[0] === 'f0') entry[2] = planted;
      await writeFile(path, JSON.stringify(saved));
      const second = createLocalEndpoint(root, { digestCachePath: path });
      expect(((await second.scan({ ignore })).entries.get('f0') as FileEntry).digest).toBe(planted);
      await second.close();

      await writeFile(path, JSON.stringify({ ...saved, root: '/elsewhere' }));
      const third = createLocalEndpoint(root, { digestCachePath: path });
      expect(((await third.scan({ ignore })).entries.get('f0') as FileEntry).digest).toBe(createHash('sha256').update('content 0').digest('hex'));
      await third.close();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
