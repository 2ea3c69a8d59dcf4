/**
 * End to end, the sprite backend against the local implementation of the documented Sprites API
 * (test/sprite/fake: real HTTP + WebSocket, each Sprite's commands real local processes): the
 * controllers as the daemon runs them, with the Sprite provider's thin client.
 * Proven here: apply → Ready; exec with streams (stdin, stdout, stderr, exit code); a
 * two-way-safe synced workspace whose edits propagate both ways; a PortBinding forwarding a
 * host port through the proxy WebSocket to an HTTP server inside the Sprite (real TCP);
 * pause → checkpoint → the Sprite sleeps cold → wake; delete leaves nothing; drift repair when
 * the Sprite is deleted behind boulder's back.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { updateSprite } from '../../controllers/providers/sprite/sprites-api.ts';
import { startFakeSprites, type FakeSprites } from './fake/index.ts';
import { conditionOf, eventually, getObject, isReady, patchSpec, spriteWorkspace, startSpriteControllers, waitBinding, waitWorkspace, type SpriteControllers } from './harness.ts';

let fake: FakeSprites;
let controllers: SpriteControllers;
let base: string;
const ns = `spr-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  fake = await startFakeSprites({ wake: { coldMs: 50 } });
  controllers = await startSpriteControllers({ apiUrl: fake.url, token: () => Promise.resolve(fake.token), maxRetryWaitMs: 5_000 });
  base = await mkdtemp(join(tmpdir(), 'boulder-sprite-e2e-'));
}, 60_000);

afterAll(async () => {
  await controllers?.stop();
  await fake?.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const target = (ws: Workspace) => ({ namespace: ws.metadata.namespace ?? 'default', name: ws.metadata.name, uid: ws.metadata.uid ?? '' });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function fileText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

describe('sprite backend against the local Sprites API', () => {
  it('apply → Ready, exec with streams, delete leaves nothing', async () => {
    const { client, provider } = controllers;
    const started = Date.now();
    await client.create(spriteWorkspace(ns, 'basic'));
    const ws = (await waitWorkspace(client, ns, 'basic', isReady, 'Ready'))!;
    console.log(`[sprite] apply → Ready ${Date.now() - started} ms`);
    const name = provider.name(target(ws));
    const sprite = fake.sprite(name);
    expect(sprite).toBeDefined();
    expect(ws.status?.containerId).toBe(sprite!.id);
    expect(ws.status?.sprite?.name).toBe(name);
    expect(['cold', 'warm', 'running']).toContain(ws.status?.sprite?.status);
    expect(conditionOf(ws, 'ContainerReady')?.message).toContain('sprite status');
    expect(sprite!.labels).toEqual(expect.arrayContaining(['nexus.dev/workspace=basic', `nexus.dev/namespace=${ns}`, `nexus.dev/uid=${ws.metadata.uid}`, 'app.kubernetes.io/managed-by=boulder']));

    // Collected output and the exit code.
    const collected = await provider.exec(target(ws), ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(collected).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
    // Streams: stdin forwarded, stdout/stderr streamed to the caller's writers.
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const running = provider.exec(target(ws), ['sh', '-c', 'while read l; do echo "got $l"; echo "e $l" >&2; done; exit 3'], { stdin, stdout, stderr });
    stdin.write('a\n');
    stdin.write('b\n');
    stdin.end();
    const streamed = await running;
    expect(streamed.exitCode).toBe(3);
    expect(out).toBe('got a\ngot b\n');
    expect(err).toBe('e a\ne b\n');
    // The workspace folder is the working directory, and the environment reaches the command.
    const pwd = await provider.exec(target(ws), ['sh', '-c', 'basename "$(pwd)"']);
    expect(pwd.stdout.trim()).toBe('workspace');
    // A TTY: raw frames, the process sees a terminal.
    let ttyOut = '';
    const ttyStdout = new PassThrough().on('data', (c: Buffer) => (ttyOut += c.toString()));
    const tty = await provider.exec(target(ws), ['sh', '-c', '[ -t 1 ] && echo on-a-tty; exit 2'], { tty: true, stdout: ttyStdout, stderr: new PassThrough() });
    expect(tty.exitCode).toBe(2);
    expect(ttyOut).toContain('on-a-tty');
    // The TTY starts at the terminal's size and follows its resize events.
    let sizes = '';
    const screen = Object.assign(new PassThrough().on('data', (c: Buffer) => (sizes += c.toString())), { columns: 100, rows: 30 });
    const sized = provider.exec(target(ws), ['sh', '-c', 'stty size; sleep 1; stty size'], { tty: true, stdout: screen, stderr: new PassThrough() });
    await eventually(() => sizes.includes('30 100'), 'initial size');
    Object.assign(screen, { columns: 120, rows: 40 }).emit('resize');
    expect((await sized).exitCode).toBe(0);
    expect(sizes).toContain('40 120');
    // A public URL (url_settings.auth public, set outside boulder here) is reported in status.
    await updateSprite(provider.client, name, { url_settings: { auth: 'public' } });
    const withUrl = await waitWorkspace(client, ns, 'basic', (w) => w?.status?.sprite?.url !== undefined, 'public URL in status');
    expect(withUrl?.status?.sprite?.url).toMatch(/^https?:\/\//);
    expect(conditionOf(withUrl, 'ContainerReady')?.message).toContain('public URL');

    await client.delete('Workspace', ns, 'basic');
    await eventually(async () => (await getObject(client, 'Workspace', ns, 'basic')) === undefined, 'workspace gone');
    expect(fake.sprite(name)).toBeUndefined();
    expect(fake.sprites().filter((s) => s.labels.includes(`nexus.dev/uid=${ws.metadata.uid}`))).toEqual([]);
  });

  it('syncs a two-way-safe workspace both ways and forwards a port to an HTTP server in the Sprite', async () => {
    const { client, provider } = controllers;
    const repo = join(base, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'README.md'), '# project\n');
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo }).toString();
    git('add', '-A');
    git('commit', '-qm', 'initial');
    const port = await freePort();
    const env = { GREETING: 'hello from the sprite' };
    await client.create(
      spriteWorkspace(ns, 'web', {
        repository: { path: repo },
        sync: { mode: 'two-way-safe' },
        env,
        ports: { http: { containerPort: port } },
        services: { www: { image: 'unused', command: ['python3', '-m', 'http.server', '--bind', '127.0.0.1', String(port)] } },
      } as never),
    );
    const started = Date.now();
    const ws = (await waitWorkspace(client, ns, 'web', isReady, 'Ready', 30_000))!;
    console.log(`[sprite] synced apply → Ready ${Date.now() - started} ms`);
    const name = provider.name(target(ws));
    const worktree = ws.status!.worktreePath!;
    const folder = join(fake.sprite(name)!.home, 'workspace');
    // Ready comes after the initial sync.
    expect(await fileText(join(folder, 'README.md'))).toBe('# project\n');
    // Host → Sprite.
    let t = Date.now();
    await writeFile(join(worktree, 'from-host.txt'), 'host edit\n');
    await eventually(async () => (await fileText(join(folder, 'from-host.txt'))) === 'host edit\n', 'host edit in the sprite');
    console.log(`[sprite] host → sprite ${Date.now() - t} ms`);
    // Sprite → host, written by a command inside the Sprite.
    t = Date.now();
    const wrote = await provider.exec(target(ws), ['sh', '-c', 'printf "# edited in the sprite\\n" > README.md && printf "%s" "$GREETING"']);
    expect(wrote).toMatchObject({ exitCode: 0, stdout: env.GREETING });
    await eventually(async () => (await fileText(join(worktree, 'README.md'))) === '# edited in the sprite\n', 'sprite edit on the host');
    console.log(`[sprite] sprite → host ${Date.now() - t} ms`);

    // The port: the PortBinding forwards a host port through the proxy WebSocket (real TCP).
    const pb = (await waitBinding(client, ns, 'web-http', (b) => b?.status?.phase === 'Bound' && b.status.hostPort !== undefined, 'bound'))!;
    const hostPort = pb.status!.hostPort!;
    let body = '';
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${hostPort}/workspace/from-host.txt`);
      body = await res.text();
      return res.status === 200;
    }, 'HTTP through the forwarded port');
    expect(body).toBe('host edit\n');

    await client.delete('Workspace', ns, 'web');
    await eventually(async () => (await getObject(client, 'Workspace', ns, 'web')) === undefined, 'workspace gone', 20_000);
    expect(fake.sprite(name)).toBeUndefined();
    // The worktree's files are the user's: nothing there was deleted.
    expect(await fileText(join(worktree, 'from-host.txt'))).toBe('host edit\n');
  }, 90_000);

  it('pause takes a checkpoint and lets the Sprite sleep; Running wakes it; reconciles never wake it; Stopped ends its sessions', async () => {
    const { client, provider } = controllers;
    await client.create(spriteWorkspace(ns, 'nap'));
    let ws = (await waitWorkspace(client, ns, 'nap', isReady, 'Ready'))!;
    const name = provider.name(target(ws));
    await provider.exec(target(ws), ['sh', '-c', 'echo kept > kept.txt']);
    await patchSpec(client, ns, 'nap', (spec) => (spec.state = 'Paused'));
    ws = (await waitWorkspace(client, ns, 'nap', (w) => isReady(w) && w?.status?.phase === 'Paused', 'Paused'))!;
    const checkpoints = fake.sprite(name)!.checkpoints;
    expect(checkpoints.length).toBe(1);
    expect(ws.status?.sprite?.lastCheckpoint).toBe(checkpoints[0]);
    expect(conditionOf(ws, 'ContainerReady')?.message).toContain(`last checkpoint ${checkpoints[0]}`);
    // Nothing of boulder's keeps it awake: the platform puts it to sleep (a killed session ends on its signal).
    await eventually(() => fake.sprite(name)!.sessions.every((s) => !s.active), 'no active session after the pause', 5_000);
    await fake.sleep(name, 'cold');
    await waitWorkspace(client, ns, 'nap', (w) => w?.status?.sprite?.status === 'cold', 'cold in status');
    const wakesBefore = fake.sprite(name)!.wakes.cold;
    await patchSpec(client, ns, 'nap', (spec) => (spec.state = 'Running'));
    ws = (await waitWorkspace(client, ns, 'nap', (w) => isReady(w) && w?.status?.phase === 'Running', 'Running again'))!;
    const read = await provider.exec(target(ws), ['cat', 'kept.txt']);
    expect(read).toMatchObject({ exitCode: 0, stdout: 'kept\n' });
    expect(fake.sprite(name)!.wakes.cold).toBeGreaterThan(wakesBefore);
    // A Running workspace's Sprite may sleep: boulder's reconciles (a resync every 2 s here) never wake it.
    await fake.sleep(name, 'cold');
    const wakesAsleep = fake.sprite(name)!.wakes.cold;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(fake.sprite(name)!.status).toBe('cold');
    expect(fake.sprite(name)!.wakes.cold).toBe(wakesAsleep);
    expect(isReady(await getObject<Workspace>(client, 'Workspace', ns, 'nap'))).toBe(true);
    // Stopped: sessions ended, recorded on the Sprite; the files stay.
    const hanging = provider.exec(target(ws), ['sleep', '30']).catch((err: unknown) => err);
    await eventually(() => fake.sprite(name)!.sessions.some((s) => s.active), 'a running session');
    await patchSpec(client, ns, 'nap', (spec) => (spec.state = 'Stopped'));
    await waitWorkspace(client, ns, 'nap', (w) => isReady(w) && w?.status?.phase === 'Stopped', 'Stopped');
    await eventually(() => fake.sprite(name)!.sessions.every((s) => !s.active), 'no active session after the stop', 5_000);
    expect(fake.sprite(name)!.labels).toContain('nexus.dev/state=Stopped');
    expect(await provider.endpoint(target(ws))).toBeUndefined();
    const ended = (await hanging) as { exitCode?: number };
    expect(ended.exitCode).not.toBe(0);
    await client.delete('Workspace', ns, 'nap');
    await eventually(() => fake.sprite(name) === undefined, 'sprite deleted');
  });

  it('repairs drift: a Sprite deleted behind boulder’s back comes back', async () => {
    const { client, provider } = controllers;
    await client.create(spriteWorkspace(ns, 'drift'));
    const ws = (await waitWorkspace(client, ns, 'drift', isReady, 'Ready'))!;
    const name = provider.name(target(ws));
    const firstId = fake.sprite(name)!.id;
    await fake.remove(name);
    const repaired = (await waitWorkspace(client, ns, 'drift', (w) => isReady(w) && w?.status?.containerId !== firstId, 'repaired', 20_000))!;
    expect(fake.sprite(name)?.id).toBe(repaired.status?.containerId);
    expect(JSON.stringify(repaired.status?.repairs ?? [])).toContain('container recreated');
    await client.delete('Workspace', ns, 'drift');
    await eventually(() => fake.sprite(name) === undefined, 'sprite deleted');
  });
});
