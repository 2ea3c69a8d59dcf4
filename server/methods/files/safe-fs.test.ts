import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../rpc/method.ts';
import { SafeRoot } from './safe-fs.ts';

let world: string;
let root: string;
let outside: string;
let safe: SafeRoot;

beforeEach(() => {
  world = mkdtempSync(join(tmpdir(), 'safe-fs-'));
  root = join(world, 'ws');
  outside = join(world, 'outside');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'src', 'app.ts'), 'app');
  writeFileSync(join(outside, 'secret'), 'secret');
  // Hostile links a workspace can plant: to a directory outside, to a file outside, to the parent.
  symlinkSync(outside, join(root, 'out'));
  symlinkSync(join(outside, 'secret'), join(root, 'secret-link'));
  symlinkSync('..', join(root, 'up'));
  symlinkSync('src/app.ts', join(root, 'inner-link'));
  safe = SafeRoot.open(root);
});

afterEach(() => {
  safe.close();
  rmSync(world, { recursive: true, force: true });
});

async function readAll(path: string): Promise<string> {
  const file = safe.openForRead(path);
  try {
    const buffer = Buffer.alloc(file.size);
    await file.read(buffer, 0, file.size, 0);
    return buffer.toString('utf8');
  } finally {
    file.close();
  }
}

async function codeOf(act: () => unknown): Promise<string> {
  try {
    await act();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 'ok';
}

/** Writes `text` to `path` through a temp file and commits it. */
async function write(path: string, text: string, createParents = false): Promise<void> {
  const temp = safe.createTemp(path, createParents);
  await temp.append(Buffer.from(text));
  temp.commit();
}

describe('SafeRoot: paths a client names', () => {
  it('reads and writes plain files below the root', async () => {
    expect(await readAll('src/app.ts')).toBe('app');
    await write('src/new.ts', 'new');
    expect(readFileSync(join(root, 'src', 'new.ts'), 'utf8')).toBe('new');
    await write('deep/er/x.txt', 'x', true);
    expect(readFileSync(join(root, 'deep', 'er', 'x.txt'), 'utf8')).toBe('x');
    expect(readdirSync(join(root, 'src')).filter((n) => n.includes('boulder'))).toEqual([]);
  });

  it.each([
    ['../outside/secret', 'PathEscapesWorkspace'],
    ['src/../../outside/secret', 'PathEscapesWorkspace'],
    ['/etc/passwd', 'PathEscapesWorkspace'],
    ['src/./app.ts', 'InvalidParams'],
    ['src//app.ts', 'InvalidParams'],
    ['a\0b', 'InvalidParams'],
    ['', 'InvalidParams'],
  ])('refuses %j as %s for read, write, stat, remove', async (path, code) => {
    expect(await codeOf(() => safe.openForRead(path))).toBe(code);
    expect(await codeOf(() => safe.createTemp(path, true))).toBe(code);
    expect(await codeOf(() => safe.remove(path, true))).toBe(code);
    expect(await codeOf(() => safe.mkdir(path, true))).toBe(code);
    if (path !== '') expect(await codeOf(() => safe.stat(path))).toBe(code);
  });

  it('never follows a symlink parent out of the root (read, write, mkdir, remove, rename, list)', async () => {
    expect(await codeOf(() => safe.openForRead('out/secret'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.createTemp('out/planted', false))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.createTemp('out/sub/planted', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.mkdir('out/dir', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.remove('out/secret', false))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.rename('src/app.ts', 'out/app.ts', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.rename('out/secret', 'stolen', true))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.openForRead('up/outside/secret'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.list('out', 1, 100))).toBe('PathEscapesWorkspace');
    expect(readdirSync(outside)).toEqual(['secret']);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('secret');
  });

  it('refuses reading through a final symlink that leads out, but follows one that stays inside', async () => {
    expect(await codeOf(() => safe.openForRead('secret-link'))).toBe('PathEscapesWorkspace');
    expect(await readAll('inner-link')).toBe('app');
  });

  it('refuses writing through a final symlink (never followed when writing) and leaves the target alone', async () => {
    expect(await codeOf(() => safe.createTemp('secret-link', false))).toBe('PathEscapesWorkspace');
    expect(await codeOf(() => safe.createTemp('inner-link', false))).toBe('PathEscapesWorkspace');
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('secret');
  });

  it('removes a symlink itself, never what it points to; recursive removal does not cross links', async () => {
    mkdirSync(join(root, 'tree', 'sub'), { recursive: true });
    symlinkSync(outside, join(root, 'tree', 'sub', 'escape'));
    safe.remove('tree', true);
    expect(existsSync(join(root, 'tree'))).toBe(false);
    safe.remove('out', false);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('secret');
  });

  it('stat and list report symlinks as data and never enter them', () => {
    expect(safe.stat('out')).toMatchObject({ type: 'symlink', target: outside });
    const listed = safe.list('', 5, 1000).entries.map((e) => e.path);
    expect(listed).toContain('out');
    expect(listed).toContain('src/app.ts');
    expect(listed.some((p) => p.startsWith('out/') || p.startsWith('up/'))).toBe(false);
  });

  it('list honours depth and limit', () => {
    mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
    expect(safe.list('a', 1, 100).entries.map((e) => e.path)).toEqual(['a/b']);
    expect(safe.list('a', 3, 100).entries.map((e) => e.path)).toEqual(['a/b', 'a/b/c']);
    expect(safe.list('', 10, 2)).toMatchObject({ truncated: true });
  });

  it('opens only regular files for content (a planted FIFO does not hang the daemon)', async () => {
    execFileSync('mkfifo', [join(root, 'fifo')]);
    expect(await codeOf(() => safe.openForRead('fifo'))).toBe('InvalidParams');
    expect(await codeOf(() => safe.openForRead('src'))).toBe('Conflict');
  });

  it('a parent swapped for a link after the walk cannot redirect a write: it lands in the directory held', async () => {
    const temp = safe.createTemp('src/late.ts', false);
    renameSync(join(root, 'src'), join(root, 'src-old'));
    symlinkSync(outside, join(root, 'src'));
    await temp.append(Buffer.from('late'));
    temp.commit();
    expect(existsSync(join(outside, 'late.ts'))).toBe(false);
    expect(readFileSync(join(root, 'src-old', 'late.ts'), 'utf8')).toBe('late');
  });

  it('rename without overwrite refuses an existing target; mkdir and remove behave like the shell', async () => {
    writeFileSync(join(root, 'b.txt'), 'b');
    expect(await codeOf(() => safe.rename('src/app.ts', 'b.txt', false))).toBe('Conflict');
    safe.rename('src/app.ts', 'moved.ts', false);
    expect(readFileSync(join(root, 'moved.ts'), 'utf8')).toBe('app');
    safe.mkdir('x/y', true);
    expect(await codeOf(() => safe.mkdir('x', false))).toBe('Conflict');
    expect(await codeOf(() => safe.remove('x', false))).toBe('Conflict');
    expect(await codeOf(() => safe.remove('nope', false))).toBe('NotFound');
  });
});
