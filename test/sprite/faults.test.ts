/**
 * Every fault the local Sprites API injects ends in a clear condition and recovers, never in a hot
 * loop: a 429 is waited out as its retry_after_seconds asks; a 500 becomes ContainerReady False
 * with the API's message, retried with backoff (a bounded number of requests) until it clears; a
 * bad token is a terminal SpriteUnauthorized; an exec WebSocket dropped mid-command is re-attached
 * to its session; a slow wake from cold is waited for.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SpriteProvider } from '../../controllers/providers/sprite/sprite-provider.ts';
import { startFakeSprites, type FakeSprites } from './fake/index.ts';
import { conditionOf, eventually, isReady, spriteWorkspace, startSpriteControllers, waitWorkspace, type SpriteControllers } from './harness.ts';

let fake: FakeSprites;
let controllers: SpriteControllers;
const ns = `sprf-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  fake = await startFakeSprites();
  controllers = await startSpriteControllers({ apiUrl: fake.url, token: () => Promise.resolve(fake.token), maxRetryWaitMs: 5_000 });
}, 60_000);

afterEach(() => fake.faults.clear());

afterAll(async () => {
  await controllers?.stop();
  await fake?.close();
});

const target = (ws: Workspace) => ({ namespace: ws.metadata.namespace ?? 'default', name: ws.metadata.name, uid: ws.metadata.uid ?? '' });
const requestsTo = (path: string, since: number) => fake.requests().filter((r) => r.at >= since && r.path.includes(path));

describe('injected faults of the Sprites API', () => {
  it('waits out a 429 as retry_after_seconds asks, then creates the Sprite', async () => {
    const { client } = controllers;
    fake.faults.rateLimit({ method: 'POST', path: /^\/v1\/sprites$/, retryAfterSeconds: 1, times: 1, error: 'sprite_creation_rate_limited' });
    const started = Date.now();
    await client.create(spriteWorkspace(ns, 'limited'));
    await waitWorkspace(client, ns, 'limited', isReady, 'Ready');
    const posts = fake.requests().filter((r) => r.method === 'POST' && r.path === '/v1/sprites' && r.at >= started);
    expect(posts.map((r) => r.status)).toEqual([429, 201]);
    // The second attempt came after the second the API asked for, not at once.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a 429 asking longer than the client waits becomes a SpriteRateLimited condition, then recovers', async () => {
    const { client } = controllers;
    const id = fake.faults.rateLimit({ method: 'POST', path: /^\/v1\/sprites$/, retryAfterSeconds: 60, times: Infinity, error: 'concurrent_sprite_limit_exceeded' });
    await client.create(spriteWorkspace(ns, 'quota'));
    const ws = await waitWorkspace(client, ns, 'quota', (w) => conditionOf(w, 'ContainerReady')?.reason === 'SpriteRateLimited', 'SpriteRateLimited');
    expect(conditionOf(ws, 'ContainerReady')).toMatchObject({ status: 'False' });
    expect(conditionOf(ws, 'ContainerReady')?.message).toMatch(/429 concurrent_sprite_limit_exceeded.*retry after 60s/);
    fake.faults.remove(id);
    await waitWorkspace(client, ns, 'quota', isReady, 'Ready after the limit lifted', 30_000);
  }, 45_000);

  it('a 500 is a SpriteApiUnavailable condition with the API message, retried with backoff (no hot loop), then Ready', async () => {
    const { client } = controllers;
    const since = Date.now();
    const id = fake.faults.serverError({ path: /^\/v1\/sprites\/nexus-broken-/, status: 500, message: 'database on fire', times: Infinity });
    await client.create(spriteWorkspace(ns, 'broken'));
    const ws = await waitWorkspace(client, ns, 'broken', (w) => conditionOf(w, 'ContainerReady')?.reason === 'SpriteApiUnavailable', 'SpriteApiUnavailable');
    expect(conditionOf(ws, 'ContainerReady')?.message).toContain('500 database on fire');
    expect(conditionOf(ws, 'Ready')?.status).toBe('False');
    await new Promise((r) => setTimeout(r, 3_000));
    // Backoff: a handful of attempts in ~3 s, not hundreds.
    const attempts = requestsTo('/v1/sprites/nexus-broken-', since).length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(15);
    fake.faults.remove(id);
    await waitWorkspace(client, ns, 'broken', isReady, 'Ready after the fault cleared', 40_000);
  }, 60_000);

  it('a wrong token is a terminal SpriteUnauthorized condition (no retry loop), and the token never appears', async () => {
    const other = await startSpriteControllers({ apiUrl: fake.url, token: () => Promise.resolve('fake-org/wrong/not-the-secret') });
    try {
      await other.client.create(spriteWorkspace(ns, 'denied'));
      const ws = await waitWorkspace(other.client, ns, 'denied', (w) => conditionOf(w, 'ContainerReady')?.reason === 'SpriteUnauthorized', 'SpriteUnauthorized');
      expect(conditionOf(ws, 'ContainerReady')?.message).toMatch(/401/);
      // Events queued before the condition was written (its owned objects appearing) may still
      // reconcile once; after that, nothing retries: in the next 2 s at most the periodic resync
      // (2 s in this harness) looks once.
      await new Promise((r) => setTimeout(r, 1_000));
      const since = Date.now();
      await new Promise((r) => setTimeout(r, 2_000));
      expect(requestsTo('/v1/sprites/nexus-denied-', since).length).toBeLessThanOrEqual(1);
      const everything = JSON.stringify(ws) + JSON.stringify(other.logLines());
      expect(everything).not.toContain('not-the-secret');
      expect(everything).not.toContain(fake.token);
    } finally {
      await other.stop();
    }
  });

  it('a token source that does not resolve is a terminal SpriteNotConfigured condition', async () => {
    const { spriteOptions } = await import('../../cmd/daemon/controller-settings.ts');
    const options = spriteOptions({ api_key: 'env:BOULDER_TEST_NO_SUCH_TOKEN', api_endpoint: fake.url }, {})!;
    const other = await startSpriteControllers(options);
    try {
      await other.client.create(spriteWorkspace(ns, 'untokened'));
      const ws = await waitWorkspace(other.client, ns, 'untokened', (w) => conditionOf(w, 'ContainerReady')?.reason === 'SpriteNotConfigured', 'SpriteNotConfigured');
      expect(conditionOf(ws, 'ContainerReady')?.message).toContain('environment variable BOULDER_TEST_NO_SUCH_TOKEN is not set');
    } finally {
      await other.stop();
    }
  });

  it('re-attaches an exec whose WebSocket dropped mid-command, and waits for a slow wake from cold', async () => {
    const { client, provider } = controllers;
    await client.create(spriteWorkspace(ns, 'flaky'));
    const ws = (await waitWorkspace(client, ns, 'flaky', isReady, 'Ready'))!;
    const name = (provider as SpriteProvider).name(target(ws));
    fake.faults.dropWebSocket({ sprite: name, path: /\/exec$/, afterMs: 300, times: 1 });
    const result = await provider.exec(target(ws), ['sh', '-c', 'sleep 1; echo finished; exit 4']);
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toContain('finished');
    expect(fake.faults.fired().some((f) => f.kind === 'drop-websocket')).toBe(true);

    await fake.sleep(name, 'cold');
    fake.faults.slowWake(1_500);
    const started = Date.now();
    const woke = await provider.exec(target(ws), ['echo', 'awake']);
    expect(woke).toMatchObject({ exitCode: 0, stdout: 'awake\n' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    await client.delete('Workspace', ns, 'flaky');
    await eventually(() => fake.sprite(name) === undefined, 'sprite deleted');
  });
});
