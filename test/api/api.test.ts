/**
 * The daemon API against a real `boulder daemon` (real unix socket, real WebSocket traffic, the
 * embedded store, the mock backend): each authentication refusal, protocol errors (malformed
 * frames, oversized messages), 200 connections dropped abruptly, a watch seeing a status change
 * through the SDK, lifecycle calls, and scope and workspace checks.
 */
import { generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensureBuilt } from '../cli/harness.ts';
import { ApiError, connect, type Client } from '../../sdk/typescript/src/index.ts';
import { rawClient, signingJwk, startApiDaemon, type ApiDaemon } from './harness.ts';

const MAX_PAYLOAD = 64 * 1024;

function workspace(name: string, labels: Record<string, string> = {}): { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string> }; spec: Record<string, unknown> } {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, labels }, spec: { backend: 'mock', image: 'node:24-bookworm' } };
}

let daemon: ApiDaemon;
let admin: string;
const clients: Client[] = [];

async function sdk(token: string): Promise<Client> {
  const client = await connect({ socket: daemon.socket, token, reconnect: false });
  clients.push(client);
  return client;
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** Signs a token with the state dir's own key (or another) and chosen claims. */
async function forge(claims: { aud?: string; exp?: number; iat?: number; jti?: string }, key?: CryptoKey): Promise<string> {
  const signingKey = key ?? ((await importJWK(signingJwk(daemon.stateDir), 'EdDSA')) as CryptoKey);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: 'forged', scopes: ['admin'], workspaces: '*' })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject('someone')
    .setIssuer('boulder')
    .setAudience(claims.aud ?? 'boulder-daemon-api')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 600)
    .setJti(claims.jti ?? crypto.randomUUID())
    .sign(signingKey);
}

beforeAll(async () => {
  await ensureBuilt();
  daemon = await startApiDaemon({ env: { BOULDER_API_MAX_PAYLOAD: String(MAX_PAYLOAD), BOULDER_API_AUTH_DEADLINE_MS: '1500' } });
  admin = (await daemon.token('--scope', 'admin', '--name', 'test-admin')).token;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await daemon?.dispose();
});

describe('the API socket and its key', () => {
  it('listens on <state dir>/api.sock with mode 0600; the signing key and token records are 0600', () => {
    expect(statSync(daemon.socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(daemon.stateDir, 'api-key.jwk')).mode & 0o777).toBe(0o600);
    expect(statSync(join(daemon.stateDir, 'api-tokens.json')).mode & 0o777).toBe(0o600);
  });
});

describe('authentication refusals', () => {
  it('no token: every call but auth is refused with Unauthenticated, and the connection closes after the deadline', async () => {
    const raw = await rawClient(daemon.socket);
    const answer = await raw.call('resources.list', { kind: 'Workspace' });
    expect(answer.error).toMatchObject({ code: -32001, data: { code: 'Unauthenticated', reason: 'missing' } });
    const closed = await raw.closed;
    expect(closed.code).toBe(4401);
    expect(raw.frames.at(-1)).toMatchObject({ id: null, error: { data: { code: 'Unauthenticated', reason: 'deadline' } } });
  });

  it('a first auth call with a valid token authenticates the connection', async () => {
    const raw = await rawClient(daemon.socket);
    const auth = await raw.call('auth', { token: admin });
    expect(auth.result).toMatchObject({ name: 'test-admin', scopes: ['admin'], workspaces: '*' });
    expect((await raw.call('resources.list', { kind: 'Workspace' })).result).toMatchObject({ items: [] });
    raw.ws.close();
  });

  it('expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await refusal(sdk(await forge({ iat: now - 7200, exp: now - 3600 })));
    expect(err).toMatchObject({ code: 'Unauthenticated', reason: 'expired' });
  });

  it('wrong signature (another key)', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const err = await refusal(sdk(await forge({}, privateKey)));
    expect(err).toMatchObject({ code: 'Unauthenticated', reason: 'signature' });
  });

  it('wrong audience', async () => {
    const err = await refusal(sdk(await forge({ aud: 'some-other-service' })));
    expect(err).toMatchObject({ code: 'Unauthenticated', reason: 'audience' });
  });

  it('malformed', async () => {
    const raw = await rawClient(daemon.socket);
    const answer = await raw.call('auth', { token: 'not.a.jwt-at-all' });
    expect(answer.error).toMatchObject({ data: { code: 'Unauthenticated', reason: 'malformed' } });
    expect((await raw.closed).code).toBe(4401);
  });

  it('revoked: refused at connect, and a connection already open is refused at its next call', async () => {
    const { token, id } = await daemon.token('--scope', 'resources:read', '--name', 'to-revoke');
    const open = await sdk(token);
    await open.workspaces.list();
    const watching = await sdk(token);
    const watchEnded = (async () => {
      for await (const _event of watching.watch('Workspace')) {
        // only waiting for the end
      }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    const revoked = await daemon.cli('token', 'revoke', id);
    expect(revoked).toMatchObject({ code: 0, stdout: `token ${id} (to-revoke) revoked\n` });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await refusal(open.workspaces.list())).toMatchObject({ code: 'Unauthenticated', reason: 'revoked' });
    // A connection that only receives (a watch) is closed within a second or so too.
    expect(await watchEnded).toMatchObject({ code: 'Unauthenticated', reason: 'revoked' });
    expect(await refusal(sdk(token))).toMatchObject({ code: 'Unauthenticated', reason: 'revoked' });
    // The log names the token, never its text.
    const { readFile } = await import('node:fs/promises');
    const log = await readFile(join(daemon.stateDir, 'logs', 'daemon.log'), 'utf8');
    expect(log).toContain('revoked');
    expect(log).not.toContain(token);
    expect(log).not.toContain(admin);
  });
});

describe('authorisation: scopes and workspaces', () => {
  it('missing scope: a read-only token cannot apply', async () => {
    const reader = await sdk((await daemon.token('--scope', 'resources:read')).token);
    const err = await refusal(reader.resources.apply(workspace('scoped')));
    expect(err).toMatchObject({ code: 'Forbidden', jsonRpcCode: -32003, reason: 'scope' });
  });

  it('wrong workspace: a token for one workspace neither reads, lists, changes nor watches another', async () => {
    const client = await sdk(admin);
    await client.resources.apply(workspace('mine'));
    await client.resources.apply(workspace('theirs'));
    const limited = await sdk((await daemon.token('--scope', 'resources:read', '--scope', 'resources:write', '--workspace', 'mine')).token);
    expect((await limited.workspaces.list()).map((w) => w.metadata.name)).toEqual(['mine']);
    expect(await refusal(limited.workspaces.get('theirs'))).toMatchObject({ code: 'Forbidden', reason: 'workspace' });
    expect(await refusal(limited.workspaces.stop('theirs'))).toMatchObject({ code: 'Forbidden', reason: 'workspace' });
    expect(await refusal(limited.resources.apply(workspace('theirs', { x: 'y' })))).toMatchObject({ code: 'Forbidden' });
    expect(await refusal(limited.resources.delete('Workspace', 'theirs'))).toMatchObject({ code: 'Forbidden' });
    expect(await limited.workspaces.stop('mine')).toEqual({ name: 'mine', state: 'Stopped', changed: true });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of limited.watch('Workspace', { signal: controller.signal })) {
      seen.push(event.object.metadata.name);
      if (seen.length === 1) setTimeout(() => controller.abort(), 300);
    }
    expect(seen).toEqual(['mine']);
  });
});

describe('workspaces.switch', () => {
  it('refuses (writing nothing) when the switch would pause a workspace the token does not cover; switches with one that covers both', async () => {
    const client = await sdk(admin);
    const repository = { path: join(daemon.stateDir, 'no-such-repo') };
    for (const name of ['sw-a', 'sw-b']) await client.resources.apply({ ...workspace(name), spec: { backend: 'mock', image: 'busybox', repository, state: name === 'sw-a' ? 'Running' : 'Paused' } });
    const onlyB = await sdk((await daemon.token('--scope', 'resources:write', '--scope', 'resources:read', '--workspace', 'sw-b')).token);
    expect(await refusal(onlyB.workspaces.switch('sw-b'))).toMatchObject({ code: 'Forbidden', reason: 'workspace' });
    expect(((await client.workspaces.get('sw-a')).spec as { state: string }).state).toBe('Running');
    expect(((await client.workspaces.get('sw-b')).spec as { state: string }).state).toBe('Paused');
    const both = await sdk((await daemon.token('--scope', 'resources:write', '--workspace', 'sw-a', '--workspace', 'sw-b')).token);
    expect(await both.workspaces.switch('sw-b')).toEqual({ name: 'sw-b', paused: ['sw-a'] });
    expect(((await client.workspaces.get('sw-a')).spec as { state: string }).state).toBe('Paused');
    expect(((await client.workspaces.get('sw-b')).spec as { state: string }).state).toBe('Running');
  });
});

describe('protocol', () => {
  it('a malformed frame gets ParseError, an invalid message InvalidRequest, and the connection keeps serving', async () => {
    const raw = await rawClient(daemon.socket, admin);
    raw.send('{"jsonrpc": "2.0", "method": ');
    expect(await raw.next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { code: 'ParseError' } } });
    raw.send({ jsonrpc: '1.0', id: 7, method: 'server.info' });
    expect(await raw.next((f) => f.id === 7)).toMatchObject({ error: { code: -32600 } });
    raw.send([]);
    expect(await raw.next((f) => f.id === null)).toMatchObject({ error: { code: -32600 } });
    raw.send({ jsonrpc: '2.0', id: 8, method: 'no.such.method' });
    expect(await raw.next((f) => f.id === 8)).toMatchObject({ error: { code: -32601, data: { code: 'MethodNotFound' } } });
    raw.send({ jsonrpc: '2.0', id: 9, method: 'resources.list', params: { kind: 'Nope', extra: 1 } });
    const invalid = await raw.next((f) => f.id === 9);
    expect(invalid).toMatchObject({ error: { code: -32602, data: { code: 'InvalidParams' } } });
    expect((invalid.error as { data: { issues: { path: string }[] } }).data.issues.map((i) => i.path).sort()).toEqual(['extra', 'kind']);
    // A batch: two calls and a notification, answered as one array of two responses.
    raw.send([
      { jsonrpc: '2.0', id: 'a', method: 'server.info' },
      { jsonrpc: '2.0', method: 'server.info' },
      { jsonrpc: '2.0', id: 'b', method: 'resources.get', params: { kind: 'Workspace', name: 'absent' } },
    ]);
    const batch = (await raw.next((f) => Array.isArray(f))) as unknown as Record<string, unknown>[];
    expect(batch.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(batch.find((r) => r.id === 'b')).toMatchObject({ error: { code: -32004, data: { code: 'NotFound' } } });
    expect((await raw.call('server.info')).result).toMatchObject({ maxPayload: MAX_PAYLOAD });
    raw.ws.close();
  });

  it('an oversized message closes the connection with 1009; the SDK refuses to send one (TooLarge) and the daemon stays up', async () => {
    const raw = await rawClient(daemon.socket, admin);
    raw.send({ jsonrpc: '2.0', id: 1, method: 'resources.apply', params: { object: { ...workspace('big'), metadata: { name: 'big', annotations: { a: 'x'.repeat(MAX_PAYLOAD) } } } } });
    expect((await raw.closed).code).toBe(1009);
    const client = await sdk(admin);
    const big = { ...workspace('big'), metadata: { name: 'big', labels: {}, annotations: { a: 'x'.repeat(MAX_PAYLOAD) } } };
    expect(await refusal(client.resources.apply(big))).toMatchObject({ code: 'TooLarge' });
    expect(await client.workspaces.list()).toBeInstanceOf(Array);
  });

  it('a validation error of apply carries the field path', async () => {
    const client = await sdk(admin);
    const err = await refusal(client.resources.apply({ ...workspace('bad'), spec: { backend: 'mock', image: 5 } }));
    expect(err.code).toBe('InvalidParams');
    expect(err.data?.issues).toEqual([expect.objectContaining({ path: 'spec.image' })]);
  });

  it('cancellation: an aborted call rejects with Cancelled; a cancelled stream ends', async () => {
    const client = await sdk(admin);
    const controller = new AbortController();
    const call = client.workspaces.list({ signal: controller.signal });
    controller.abort();
    expect(await refusal(call)).toMatchObject({ code: 'Cancelled' });
    const { stream } = await client.call('resources.watch', { kind: 'Workspace' });
    expect(await client.call('streams.cancel', { stream })).toEqual({ cancelled: true });
    expect(await client.call('streams.cancel', { stream: 'nope' })).toEqual({ cancelled: false });
  });

  it('200 connections opened and dropped abruptly: the daemon stays up and its handles return to the baseline', async () => {
    const before = await daemon.status();
    const baseline = before.api?.activeResources ?? 0;
    const sockets = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const ws = new WebSocket(`ws+unix://${daemon.socket}:/`, i % 2 === 0 ? { headers: { authorization: `Bearer ${admin}` } } : {});
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        if (i % 4 === 0) ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources.watch', params: { kind: 'Workspace' } }));
        return ws;
      }),
    );
    expect((await daemon.status()).api?.connections).toBeGreaterThanOrEqual(200);
    for (const ws of sockets) ws.terminate();
    let after = await daemon.status();
    for (let i = 0; i < 50 && ((after.api?.connections ?? 0) > (before.api?.connections ?? 0) || (after.api?.activeResources ?? 0) > baseline + 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await daemon.status();
    }
    expect(after.api?.connections).toBe(before.api?.connections);
    expect(after.api?.activeResources).toBeLessThanOrEqual(baseline + 2);
    const client = await sdk(admin);
    expect(await client.workspaces.list()).toBeInstanceOf(Array);
  });
});

describe('resources and lifecycle through the SDK', () => {
  it('a watch from a resourceVersion sees the workspace converge (status change), and lifecycle calls change spec.state', async () => {
    const client = await sdk(admin);
    const { resourceVersion } = await client.resources.list('Workspace');
    const controller = new AbortController();
    const events: { type: string; phase?: string; state?: string }[] = [];
    const watching = (async () => {
      for await (const event of client.watch('Workspace', { resourceVersion, signal: controller.signal })) {
        if (event.object.metadata.name !== 'watched') continue;
        const status = event.object.status as { phase?: string } | undefined;
        const spec = event.object.spec as { state?: string };
        events.push({ type: event.type, ...(status?.phase === undefined ? {} : { phase: status.phase }), ...(spec.state === undefined ? {} : { state: spec.state }) });
        if (events.some((e) => e.state === 'Paused')) controller.abort();
        else if (status?.phase === 'Running' && !events.some((e) => e.state === 'Paused')) await client.workspace('watched').pause();
      }
    })();
    expect(await client.resources.apply(workspace('watched', { team: 'api' }))).toMatchObject({ outcome: 'created' });
    await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error(`watch saw ${JSON.stringify(events)}`)), 20_000))]);
    expect(events[0]).toMatchObject({ type: 'ADDED' });
    expect(events.some((e) => e.phase === 'Running')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'MODIFIED', state: 'Paused' });
    expect((await client.resources.list('Workspace', { labelSelector: 'team=api' })).items.map((w) => w.metadata.name)).toEqual(['watched']);
    expect(await client.workspace('watched').start()).toEqual({ name: 'watched', state: 'Running', changed: true });
    expect(await client.workspace('watched').ports()).toEqual([]);
    const status = await daemon.status();
    expect(status.api?.methods['resources.watch']?.calls).toBeGreaterThan(0);
    const shown = await daemon.cli('daemon', 'status');
    expect(shown.stdout).toMatch(/api calls:\n(.*\n)*\s+workspaces\.start\s+\d+/);
  });
});
