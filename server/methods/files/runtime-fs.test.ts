/**
 * RuntimeFiles against the real script: a stand-in provider whose `exec` runs the command with the
 * host's `sh` in a temp directory (the "runtime"), with real files and symlinks; plus the pure
 * parsers against hostile output.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult, Provider } from '../../../controllers/providers/types.ts';
import { ApiError } from '../../rpc/method.ts';
import { pollRuntimeFiles, RuntimeFiles, type PollEvent } from './runtime-fs.ts';
import { parseList, parseReadHeader, parseStat, parseStatus, UntrustedOutputError } from './runtime-script.ts';

let dir: string;
let folder: string;
let files: RuntimeFiles;

/** A provider whose exec runs locally (what `docker exec` or kwok's Pod exec would do in a container). */
function localProvider(): Provider {
  return {
    exec(_target: unknown, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
      return new Promise((resolve, reject) => {
        const child = spawn(command[0] as string, command.slice(1), { cwd: options.workdir, stdio: ['pipe', 'pipe', 'pipe'] });
        // Like kwok's Pod exec, the end of stdin never reaches the process: the framing ends an upload.
        if (options.stdin !== undefined) options.stdin.pipe(child.stdin, { end: false });
        else child.stdin.end();
        child.stdin.on('error', () => undefined);
        child.stdout.pipe(options.stdout as NodeJS.WritableStream);
        child.stderr.pipe(options.stderr as NodeJS.WritableStream, { end: false });
        options.signal?.addEventListener('abort', () => child.kill());
        child.on('error', reject);
        child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: '', stderr: '' }));
      });
    },
  } as unknown as Provider;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-fs-'));
  folder = join(dir, 'workspace');
  mkdirSync(join(folder, 'src'), { recursive: true });
  writeFileSync(join(folder, 'src', 'app.ts'), 'app');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret'), 'secret');
  symlinkSync('/', join(folder, 'evil'));
  symlinkSync(join(dir, 'outside', 'secret'), join(folder, 'secret-link'));
  symlinkSync('src/app.ts', join(folder, 'inside-link'));
  files = new RuntimeFiles(localProvider(), { namespace: 'default', name: 'w', uid: 'u' }, folder);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(path: string, offset = 0, length = 1 << 30): Promise<Buffer> {
  const parts: Buffer[] = [];
  await files.read(path, offset, length, (bytes) => {
    parts.push(Buffer.from(bytes));
    return Promise.resolve();
  });
  return Buffer.concat(parts);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

async function write(path: string, data: Buffer | string, ifMatch?: string, createParents = false): Promise<string> {
  const upload = files.begin(path, createParents);
  await upload.append(Buffer.from(data));
  return upload.commit(ifMatch);
}

describe('RuntimeFiles (script run by a real sh)', () => {
  it('stats, lists and reads, with ranges', async () => {
    const info = await files.stat('src/app.ts', true);
    expect(info).toMatchObject({ path: 'src/app.ts', type: 'file', size: 3, sha256: createHash('sha256').update('app').digest('hex') });
    expect((await files.stat('evil')).target).toBe('/');
    expect((await files.stat('')).type).toBe('directory');
    const listing = await files.list('', 2, 100);
    expect(listing.entries.map((e) => e.path)).toEqual(['evil', 'inside-link', 'secret-link', 'src', 'src/app.ts']);
    expect(listing.entries.find((e) => e.path === 'evil')).toMatchObject({ type: 'symlink', target: '/' });
    expect((await files.list('', 1, 2)).truncated).toBe(true);
    expect((await readAll('src/app.ts')).toString()).toBe('app');
    expect((await readAll('src/app.ts', 1, 1)).toString()).toBe('p');
    expect((await readAll('inside-link')).toString()).toBe('app');
  });

  it('refuses symlinks leading out of the folder, for read, write, list and walk', async () => {
    expect(await codeOf(readAll('secret-link'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(readAll('evil/etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(files.stat('evil/etc'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(files.list('evil', 1, 10))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write('evil/tmp/x', 'x'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write('secret-link', 'pwned'))).toBe('PathEscapesWorkspace');
    expect(readFileSync(join(dir, 'outside', 'secret'), 'utf8')).toBe('secret');
    expect(await codeOf(files.mkdir('evil/x', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(files.rename('src/app.ts', 'evil/tmp/app.ts', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(files.stat('../outside/secret'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(files.stat('/etc/passwd'))).toBe('PathEscapesWorkspace');
    await files.remove('evil', false);
    expect(existsSync('/etc/passwd')).toBe(true);
  });

  it('writes atomically with compare-and-swap, and leaves no temp file', async () => {
    const sha = await write('src/new.txt', 'hello', '');
    expect(sha).toBe(createHash('sha256').update('hello').digest('hex'));
    expect(readFileSync(join(folder, 'src', 'new.txt'), 'utf8')).toBe('hello');
    expect(await codeOf(write('src/new.txt', 'again', ''))).toBe('PreconditionFailed');
    expect(await codeOf(write('src/new.txt', 'again', 'f'.repeat(64)))).toBe('PreconditionFailed');
    await write('src/new.txt', 'again', sha);
    expect(readFileSync(join(folder, 'src', 'new.txt'), 'utf8')).toBe('again');
    await write('deep/er/file', 'x', undefined, true);
    expect(readFileSync(join(folder, 'deep', 'er', 'file'), 'utf8')).toBe('x');
    expect(await codeOf(write('src', 'x'))).toBe('Conflict');
    expect(readdirSync(join(folder, 'src')).sort()).toEqual(['app.ts', 'new.txt']);
  });

  it('an aborted upload leaves the target alone and no temp file', async () => {
    const upload = files.begin('src/app.ts', false);
    await upload.append(Buffer.from('partial'));
    await upload.abort();
    expect(readFileSync(join(folder, 'src', 'app.ts'), 'utf8')).toBe('app');
    expect(readdirSync(join(folder, 'src'))).toEqual(['app.ts']);
  });

  it('round-trips a 3 MiB binary file in chunks', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    const upload = files.begin('big.bin', false);
    for (let at = 0; at < data.length; at += 1024 * 1024) await upload.append(data.subarray(at, at + 1024 * 1024));
    await upload.commit(undefined);
    expect(readFileSync(join(folder, 'big.bin')).equals(data)).toBe(true);
    expect((await readAll('big.bin')).equals(data)).toBe(true);
    expect((await readAll('big.bin', 1_000_000, 2_000_000)).equals(data.subarray(1_000_000, 3_000_000))).toBe(true);
  });

  it('mkdir, remove, rename', async () => {
    await files.mkdir('a/b', true);
    expect(await codeOf(files.mkdir('a', false))).toBe('Conflict');
    await files.rename('src/app.ts', 'a/b/app.ts', false);
    expect(readFileSync(join(folder, 'a', 'b', 'app.ts'), 'utf8')).toBe('app');
    await write('x', 'x');
    expect(await codeOf(files.rename('x', 'a/b/app.ts', false))).toBe('Conflict');
    await files.rename('x', 'a/b/app.ts', true);
    expect(await codeOf(files.remove('a', false))).toBe('Conflict');
    await files.remove('a', true);
    expect(existsSync(join(folder, 'a'))).toBe(false);
    expect(await codeOf(files.remove('a', true))).toBe('NotFound');
  });
});

describe('the polling watch', () => {
  it('reports ready, then additions, changes and removals below the prefix', async () => {
    const events: PollEvent[] = [];
    const stop = new AbortController();
    const polling = pollRuntimeFiles(files, 'src', { depth: 4, entries: 100 }, (e) => (events.push(e), Promise.resolve()), stop.signal, 50);
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(check()).toBe(true);
    };
    await until(() => events.some((e) => e.kind === 'ready'));
    writeFileSync(join(folder, 'src', 'added.txt'), 'x');
    await until(() => events.some((e) => e.kind === 'change' && e.path === 'src/added.txt' && e.type === 'file'));
    writeFileSync(join(folder, 'src', 'app.ts'), 'longer content');
    await until(() => events.some((e) => e.kind === 'change' && e.path === 'src/app.ts'));
    rmSync(join(folder, 'src', 'added.txt'));
    await until(() => events.some((e) => e.kind === 'change' && e.path === 'src/added.txt' && e.type === 'removed'));
    stop.abort();
    await polling;
    expect(events.filter((e) => e.kind === 'change' && !e.path.startsWith('src/'))).toEqual([]);
  });
});

/** A runtime that ignores the script and answers `stdout` (then a status line claiming success). */
function lyingProvider(stdout: (op: string) => Buffer): Provider {
  return {
    exec(_target: unknown, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
      const op = command[4] as string;
      const out = options.stdout as NodeJS.WritableStream;
      const data = stdout(op);
      for (let at = 0; at < data.length; at += 65536) out.write(data.subarray(at, at + 65536));
      out.end();
      (options.stderr as NodeJS.WritableStream).end('nexus-fs-rc 0\n');
      return new Promise((resolve) => setImmediate(() => resolve({ exitCode: 0, stdout: '', stderr: '' })));
    },
  } as unknown as Provider;
}

describe('a lying runtime', () => {
  const target = { namespace: 'default', name: 'w', uid: 'u' };

  it('an oversized stat answer is TooLarge; garbage is Unavailable; a read never passes on more than asked', async () => {
    const huge = new RuntimeFiles(lyingProvider(() => Buffer.alloc(8 * 1024 * 1024, 0x41)), target, '/workspace');
    expect(await codeOf(huge.stat('x'))).toBe('TooLarge');
    expect(await codeOf(huge.list('', 1, 10))).toBe('Unavailable');
    expect(await codeOf(huge.read('x', 0, 10, () => Promise.resolve()))).toBe('Unavailable');
    const flood = new RuntimeFiles(lyingProvider(() => Buffer.concat([Buffer.from('OK 4\n'), Buffer.alloc(5 * 1024 * 1024, 0x42)])), target, '/workspace');
    let got = 0;
    const { sent } = await flood.read('x', 0, 4, (b) => ((got += b.length), Promise.resolve()));
    expect([sent, got]).toEqual([4, 4]);
    const escaping = new RuntimeFiles(lyingProvider(() => Buffer.from('81a4 1 0 ./../../etc/shadow\n41ed 0 0 ./ok\n--links--\n')), target, '/workspace');
    expect((await escaping.list('', 4, 10)).entries.map((e) => e.path)).toEqual(['ok']);
  });
});

describe('parsers of the runtime output (untrusted)', () => {
  it('refuses what does not parse, and bounds what does', () => {
    expect(() => parseStat('x', 'garbage')).toThrow(UntrustedOutputError);
    expect(() => parseStat('x', '81a4 99999999999999999 0')).toThrow(UntrustedOutputError);
    expect(() => parseStat('x', '81a4 3 0\nH nothex')).toThrow(UntrustedOutputError);
    expect(() => parseStat('x', '81a4 3 0\nextra')).toThrow(UntrustedOutputError);
    expect(parseStat('x', '81a4 3 1700000000\n')).toMatchObject({ type: 'file', size: 3, mode: 0o644 });
    expect(() => parseList('', '81a4 3 0 ./a\n', 1, 10)).toThrow(UntrustedOutputError);
    // Names that do not validate (`..`, absolute, deeper than asked) are dropped.
    const listing = parseList('', '81a4 3 0 ./../x\n81a4 3 0 ./a\n81a4 3 0 ./a/b/c\na1ff 1 0 ./l\n--links--\n./l\n/\n', 1, 10);
    expect(listing.entries.map((e) => e.path)).toEqual(['a', 'l']);
    expect(listing.entries[1]).toMatchObject({ type: 'symlink', target: '/' });
    expect(() => parseReadHeader(Buffer.alloc(100, 0x41))).toThrow(UntrustedOutputError);
    expect(() => parseReadHeader(Buffer.from('OK -1\n'))).toThrow(UntrustedOutputError);
    expect(parseReadHeader(Buffer.from('OK 12\nabc'))).toEqual({ size: 12, headerBytes: 6 });
    // The status is the last line of stderr only: one printed earlier (by a hostile file name, say) is not it.
    expect(parseStatus('oops\nnexus-fs-rc 11\n')).toEqual({ code: 11, message: 'oops' });
    expect(parseStatus('nexus-fs-rc 0\nmore\n')).toBeUndefined();
    expect(parseStatus('')).toBeUndefined();
  });
});
