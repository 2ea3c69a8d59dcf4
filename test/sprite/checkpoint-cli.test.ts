/**
 * `boulder workspace checkpoint | checkpoints | restore` on a sprite workspace, run in-process
 * against the local Sprites API, with the API reached through the user configuration
 * (`backends.sprite.api_key: env:…`, `api_endpoint`) as the CLI reads it: a checkpoint is listed and
 * recorded in status; restore asks for confirmation (a "no" changes nothing) and, confirmed, brings
 * the files back; the token never reaches the output.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { runCli } from '../../cmd/main.ts';
import { TextBuffer } from '../../cmd/test-support.ts';
import { startFakeSprites, type FakeSprites } from './fake/index.ts';
import { isReady, spriteWorkspace, startSpriteControllers, waitWorkspace, type SpriteControllers } from './harness.ts';

let fake: FakeSprites;
let controllers: SpriteControllers;
let home: string;
const ns = `sprc-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  fake = await startFakeSprites();
  controllers = await startSpriteControllers({ apiUrl: fake.url, token: () => Promise.resolve(fake.token) });
  home = await mkdtemp(join(tmpdir(), 'boulder-sprite-cli-'));
  await writeFile(join(home, 'config.yaml'), `backends:\n  sprite:\n    api_key: env:TEST_SPRITES_TOKEN\n    api_endpoint: ${fake.url}\n`);
}, 60_000);

afterAll(async () => {
  await controllers?.stop();
  await fake?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

async function boulder(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out = new TextBuffer();
  const err = new TextBuffer();
  // The controllers' store, left open when the command closes its client.
  const store = controllers.client;
  const client = new Proxy(store, { get: (t, p) => (p === 'close' ? () => Promise.resolve() : (Reflect.get(t, p) as unknown)) });
  const code = await runCli(['workspace', ...args, '-n', ns, '--state-dir', home], {
    stdout: out,
    stderr: err,
    stdin: () => Promise.resolve(stdin),
    env: { TEST_SPRITES_TOKEN: fake.token, NEXUS_USER_CONFIG: join(home, 'config.yaml'), NEXUS_NODE_CONFIG: '', PATH: process.env['PATH'] ?? '' },
    cwd: home,
    openClient: () => Promise.resolve(client),
  });
  return { code, out: out.text, err: err.text };
}

describe('workspace checkpoint, checkpoints, restore', () => {
  it('takes, lists and restores checkpoints, asking before the destructive restore', async () => {
    const { client, provider } = controllers;
    await client.create(spriteWorkspace(ns, 'cp'));
    const ws = (await waitWorkspace(client, ns, 'cp', isReady, 'Ready'))!;
    const target = { namespace: ns, name: 'cp', uid: ws.metadata.uid ?? '' };
    await provider.exec(target, ['sh', '-c', 'echo one > state.txt']);

    const taken = await boulder(['checkpoint', 'cp', '--comment', 'state one']);
    expect(taken.code).toBe(0);
    const id = taken.out.trim();
    expect(id).toMatch(/^v\d+$/);
    expect(fake.sprite(provider.name(target))!.checkpoints).toContain(id);
    await waitWorkspace(client, ns, 'cp', (w: Workspace | undefined) => w?.status?.sprite?.lastCheckpoint === id, 'lastCheckpoint in status');

    const listed = await boulder(['checkpoints', 'cp']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${id}\\s+\\S+\\s+state one$`, 'm'));
    expect(listed.out).not.toContain('Current');

    await provider.exec(target, ['sh', '-c', 'echo two > state.txt']);
    const refused = await boulder(['restore', 'cp', id], 'no\n');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('not restored');
    expect((await provider.exec(target, ['cat', 'state.txt'])).stdout).toBe('two\n');

    const restored = await boulder(['restore', 'cp', id], 'yes\n');
    expect(restored).toMatchObject({ code: 0, out: `workspace.nexus.dev/cp restored to ${id}\n` });
    expect((await provider.exec(target, ['cat', 'state.txt'])).stdout).toBe('one\n');

    for (const r of [taken, listed, refused, restored]) expect(r.out + r.err).not.toContain(fake.token);
  });

  it('says checkpoints exist only for sprite workspaces', async () => {
    await controllers.client.create({ ...spriteWorkspace(ns, 'other'), spec: { backend: 'docker', image: 'busybox' } } as Workspace);
    const result = await boulder(['checkpoints', 'other']);
    expect(result.code).toBe(3);
    expect(result.err).toContain('checkpoints exist only for sprite workspaces');
  });
});
