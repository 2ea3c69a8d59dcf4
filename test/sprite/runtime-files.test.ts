/**
 * The file API's runtime path against a Sprite (the local implementation of the documented
 * Sprites API): a sprite workspace has no worktree, so its files are reached through the Sprite
 * provider's exec (the exec WebSocket) in its workspace folder. Proves a write is what a command
 * in the Sprite reads, a command's write is what read returns, list/CAS/rename/remove, a 2 MiB
 * round trip, and a Sprite-side `evil -> /` refused for read and write.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { ApiError } from '../../server/rpc/method.ts';
import type { RuntimeFiles } from '../../server/methods/files/runtime-fs.ts';
import { openWorkspaceFiles } from '../../server/methods/files/workspace-files.ts';
import { startFakeSprites, type FakeSprites } from './fake/index.ts';
import { isReady, spriteWorkspace, startSpriteControllers, waitWorkspace, type SpriteControllers } from './harness.ts';

let fake: FakeSprites;
let controllers: SpriteControllers;
const ns = `sprf-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  fake = await startFakeSprites({ wake: { coldMs: 50 } });
  controllers = await startSpriteControllers({ apiUrl: fake.url, token: () => Promise.resolve(fake.token), maxRetryWaitMs: 5_000 });
}, 60_000);

afterAll(async () => {
  await controllers?.stop();
  await fake?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

async function write(files: RuntimeFiles, path: string, data: Buffer | string, ifMatch?: string): Promise<string> {
  const upload = files.begin(path, true);
  const bytes = Buffer.from(data);
  for (let at = 0; at < bytes.length; at += 1024 * 1024) await upload.append(bytes.subarray(at, at + 1024 * 1024));
  return upload.commit(ifMatch);
}

async function readAll(files: RuntimeFiles, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  await files.read(path, 0, 1 << 30, (b) => (parts.push(Buffer.from(b)), Promise.resolve()));
  return Buffer.concat(parts);
}

describe('file API of a Sprite workspace (no worktree) through the Sprite exec', () => {
  it('round trips both ways, CAS, 2 MiB, evil -> / refused', async () => {
    const { client, provider, providers } = controllers;
    await client.create(spriteWorkspace(ns, 'files'));
    const ws = (await waitWorkspace(client, ns, 'files', isReady, 'Ready')) as Workspace;
    const target = { namespace: ns, name: 'files', uid: ws.metadata.uid ?? '' };
    const inSprite = async (script: string): Promise<string> => {
      const r = await provider.exec(target, ['sh', '-c', script], { workdir: '/home/sprite/workspace' });
      if (r.exitCode !== 0) throw new Error(`exec failed: ${r.stderr}`);
      return r.stdout;
    };
    const opened = await openWorkspaceFiles({ client, providers }, { workspace: 'files', namespace: ns });
    expect(opened.kind).toBe('runtime');
    const files = (opened as { kind: 'runtime'; files: RuntimeFiles }).files;
    expect(files.folder).toBe('/home/sprite/workspace');

    await write(files, 'src/app.ts', 'from the API\n');
    expect(await inSprite('cat src/app.ts')).toBe('from the API\n');
    await inSprite('echo from the sprite > src/sprite.txt');
    expect((await readAll(files, 'src/sprite.txt')).toString()).toBe('from the sprite\n');
    expect((await files.list('src', 1, 100)).entries.map((e) => e.path)).toEqual(['src/app.ts', 'src/sprite.txt']);
    const sha = (await files.stat('src/app.ts', true)).sha256!;
    expect(await codeOf(write(files, 'src/app.ts', 'stale', 'f'.repeat(64)))).toBe('PreconditionFailed');
    await write(files, 'src/app.ts', 'v2', sha);
    expect(await inSprite('cat src/app.ts')).toBe('v2');
    await files.rename('src/sprite.txt', 'moved.txt', false);
    await files.remove('src', true);
    expect(await inSprite('ls')).toBe('moved.txt\n');

    const big = Buffer.alloc(2 * 1024 * 1024 + 3);
    for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff;
    await write(files, 'big.bin', big);
    expect((await readAll(files, 'big.bin')).equals(big)).toBe(true);

    await inSprite('ln -s / evil && ln -s /etc/passwd passwd-link');
    expect(await codeOf(readAll(files, 'evil/etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(readAll(files, 'passwd-link'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write(files, 'evil/tmp/planted', 'x'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write(files, 'passwd-link', 'x'))).toBe('PathEscapesWorkspace');
    await client.delete('Workspace', ns, 'files');
  }, 60_000);
});
