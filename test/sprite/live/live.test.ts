/**
 * The live check: the same end-to-end path as test/sprite/e2e.test.ts against the real Sprites
 * API (SPRITES_TOKEN, optional SPRITES_API_URL). What only this verifies: the real service's
 * answers to the documented shapes the local API implements (labels on PUT, exec framing and
 * session re-attach, NDJSON checkpoint ids, the proxy handshake), the real wake timings, and that
 * the workspace folder and environment file work for the Sprite's own user.
 * It creates Sprites named nexus-live-<random>-… and deletes them at the end, even on failure.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../../apis/types/index.ts';
import { deleteSprite } from '../../../controllers/providers/sprite/sprites-api.ts';
import { eventually, getObject, isReady, patchSpec, spriteWorkspace, startSpriteControllers, waitBinding, waitWorkspace, type SpriteControllers } from '../harness.ts';

const token = process.env['SPRITES_TOKEN'] ?? '';
const apiUrl = process.env['SPRITES_API_URL'];
let controllers: SpriteControllers;
let base: string;
const ns = `live-${randomUUID().slice(0, 6)}`;
const created: string[] = [];

beforeAll(async () => {
  if (token === '') throw new Error('SPRITES_TOKEN is not set (run through npm run test:sprite-live)');
  controllers = await startSpriteControllers({ ...(apiUrl !== undefined ? { apiUrl } : {}), token: () => Promise.resolve(token) }, { resyncPeriodMs: 10_000 });
  base = await mkdtemp(join(tmpdir(), 'boulder-sprite-live-'));
});

afterAll(async () => {
  for (const name of created) await deleteSprite(controllers.provider.client, name).catch(() => undefined);
  await controllers?.stop();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const target = (ws: Workspace) => ({ namespace: ws.metadata.namespace ?? 'default', name: ws.metadata.name, uid: ws.metadata.uid ?? '' });
const fileText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

describe('sprite backend against the real Sprites API', () => {
  it('apply → Ready, exec with streams, sync both ways, a forwarded port, pause → checkpoint → wake, delete', async () => {
    const { client, provider } = controllers;
    const repo = join(base, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'README.md'), '# live\n');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial'], { cwd: repo });
    await client.create(
      spriteWorkspace(ns, 'live', {
        repository: { path: repo },
        sync: { mode: 'two-way-safe' },
        ports: { http: { containerPort: 8080 } },
        services: { www: { image: 'unused', command: ['python3', '-m', 'http.server', '8080'] } },
      } as never),
    );
    let ws = (await waitWorkspace(client, ns, 'live', isReady, 'Ready', 180_000))!;
    created.push(provider.name(target(ws)));
    const worktree = ws.status!.worktreePath!;

    const stdin = new PassThrough();
    let out = '';
    const stdout = new PassThrough().on('data', (c: Buffer) => (out += c.toString()));
    const running = provider.exec(target(ws), ['sh', '-c', 'cat; echo err >&2; exit 5'], { stdin, stdout, stderr: new PassThrough().resume() });
    stdin.end('piped\n');
    expect((await running).exitCode).toBe(5);
    expect(out).toBe('piped\n');

    const inSprite = await provider.exec(target(ws), ['cat', 'README.md']);
    expect(inSprite.stdout).toBe('# live\n');
    await writeFile(join(worktree, 'from-host.txt'), 'host\n');
    await eventually(async () => (await provider.exec(target(ws), ['cat', 'from-host.txt'])).stdout === 'host\n', 'host → sprite', 60_000);
    await provider.exec(target(ws), ['sh', '-c', 'echo sprite > from-sprite.txt']);
    await eventually(async () => (await fileText(join(worktree, 'from-sprite.txt'))) === 'sprite\n', 'sprite → host', 60_000);

    const pb = (await waitBinding(client, ns, 'live-http', (b) => b?.status?.phase === 'Bound', 'bound', 60_000))!;
    await eventually(async () => (await fetch(`http://127.0.0.1:${pb.status!.hostPort}/workspace/from-host.txt`)).status === 200, 'HTTP through the proxy', 60_000);

    await patchSpec(client, ns, 'live', (spec) => (spec.state = 'Paused'));
    ws = (await waitWorkspace(client, ns, 'live', (w) => isReady(w) && w?.status?.phase === 'Paused', 'Paused', 120_000))!;
    expect(ws.status?.sprite?.lastCheckpoint).toMatch(/^v\d+$/);
    await patchSpec(client, ns, 'live', (spec) => (spec.state = 'Running'));
    ws = (await waitWorkspace(client, ns, 'live', (w) => isReady(w) && w?.status?.phase === 'Running', 'Running', 120_000))!;
    expect((await provider.exec(target(ws), ['cat', 'from-sprite.txt'])).stdout).toBe('sprite\n');

    await client.delete('Workspace', ns, 'live');
    await eventually(async () => (await getObject(client, 'Workspace', ns, 'live')) === undefined, 'deleted', 120_000);
  });
});
