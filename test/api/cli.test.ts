/**
 * Black-box tests of `boulder token create|list|revoke`, `boulder api schema` and the API's TCP
 * listener settings (loopback without TLS; TLS required beyond loopback; TLS served), running the
 * real CLI and daemon.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensureBuilt, runBoulder, tempStateDir } from '../cli/harness.ts';
import { connect } from '../../sdk/typescript/src/index.ts';
import { startApiDaemon, type ApiDaemon } from './harness.ts';

const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('boulder token', () => {
  it('create prints a signed token once; list shows its record (never the token); revoke marks it; bad input is a usage error', async () => {
    const stateDir = await tempStateDir();
    cleanup.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const boulder = (...args: string[]) => runBoulder(['--state-dir', stateDir, ...args]);
    const created = await boulder('token', 'create', '--workspace', 'api', '--workspace', 'web', '--scope', 'fs:read', '--scope', 'exec', '--ttl', '2h', '--name', 'agent-x');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: 'boulder-daemon-api', name: 'agent-x', scopes: ['fs:read', 'exec'], workspaces: ['api', 'web'] });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7200);
    expect(created.stderr).toMatch(new RegExp(`^token ${claims.jti} \\(agent-x\\) expires .*; scopes fs:read,exec; workspaces api,web\\n$`));
    expect(statSync(join(stateDir, 'api-key.jwk')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, 'api-tokens.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(stateDir, 'api-tokens.json'), 'utf8')).not.toContain(token.split('.')[2]);

    const list = await boulder('token', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+SCOPES\s+WORKSPACES\s+EXPIRES\s+STATUS\n/);
    expect(list.stdout).toContain(`${claims.jti}`);
    expect(list.stdout).toMatch(/agent-x\s+fs:read,exec\s+api,web\s+\S+\s+Active\n$/);
    expect(list.stdout).not.toContain(token);

    expect(await boulder('token', 'revoke', String(claims.jti))).toMatchObject({ code: 0, stdout: `token ${claims.jti} (agent-x) revoked\n` });
    const json = JSON.parse((await boulder('token', 'list', '-o', 'json')).stdout) as { id: string; status: string; revokedAt?: string }[];
    expect(json).toEqual([expect.objectContaining({ id: claims.jti, status: 'Revoked', revokedAt: expect.any(String) })]);

    expect(await boulder('token', 'revoke', 'no-such-id')).toMatchObject({ code: 4, stderr: expect.stringContaining('no token with id "no-such-id"') });
    expect(await boulder('token', 'create', '--scope', 'root')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown scope "root"') });
    expect(await boulder('token', 'create', '--ttl', '9000h')).toMatchObject({ code: 2, stderr: expect.stringContaining('--ttl must be') });
    expect(await boulder('token', 'create', '--workspace', '../x')).toMatchObject({ code: 2 });
    expect(await boulder('token')).toMatchObject({ code: 2, stderr: expect.stringContaining('create, list or revoke') });
  });

  it('a revocation survives a daemon restart', async () => {
    const daemon = await startApiDaemon();
    const { token, id } = await daemon.token('--scope', 'resources:read');
    expect((await daemon.cli('token', 'revoke', id)).code).toBe(0);
    await daemon.stop();
    const again = await startApiDaemon({ stateDir: daemon.stateDir });
    cleanup.push(() => again.dispose());
    await expect(connect({ socket: again.socket, token, reconnect: false })).rejects.toMatchObject({ code: 'Unauthenticated', reason: 'revoked' });
  });
});

describe('boulder api schema', () => {
  it('prints the OpenRPC document', async () => {
    const r = await runBoulder(['api', 'schema']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { openrpc: string; methods: { name: string }[] };
    expect(doc.openrpc).toMatch(/^1\./);
    expect(doc.methods.map((m) => m.name)).toEqual(expect.arrayContaining(['auth', 'resources.watch', 'workspaces.switch']));
  });
});

describe('the TCP listener', () => {
  it('refuses to start on a non-loopback address without TLS, with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bapi-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const nodeFile = join(dir, 'config.yaml');
    writeFileSync(nodeFile, `daemon:\n  host: 0.0.0.0\n  port: ${await freePort()}\n`);
    const r = await runBoulder(['--state-dir', join(dir, 'state'), 'daemon'], { env: { NEXUS_NODE_CONFIG: nodeFile }, timeoutMs: 20_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('daemon.host 0.0.0.0 is not a loopback address: the API serves it only with TLS');
  });

  it('serves loopback TCP without TLS (SDK over Node\'s built-in WebSocket), and TLS beyond loopback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bapi-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const plainFile = join(dir, 'plain.yaml');
    writeFileSync(plainFile, `daemon:\n  port: ${port}\n`);
    const plain: ApiDaemon = await startApiDaemon({ env: { NEXUS_NODE_CONFIG: plainFile } });
    cleanup.push(() => plain.dispose());
    const client = await connect({ url: `ws://127.0.0.1:${port}`, token: (await plain.token('--scope', 'resources:read')).token, reconnect: false });
    expect(await client.workspaces.list()).toEqual([]);
    client.close();
    expect((await plain.status()).api?.listening).toEqual([`unix:${plain.socket}`, `ws://127.0.0.1:${port}`]);

    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tlsPort = await freePort();
    const tlsFile = join(dir, 'tls.yaml');
    // Relative to the node file's directory, like every path in it.
    writeFileSync(tlsFile, `daemon:\n  host: 0.0.0.0\n  port: ${tlsPort}\n  tls:\n    cert: cert.pem\n    key: key.pem\n`);
    const tls = await startApiDaemon({ env: { NEXUS_NODE_CONFIG: tlsFile } });
    cleanup.push(() => tls.dispose());
    const { token } = await tls.token('--scope', 'resources:read');
    const ws = new WebSocket(`wss://127.0.0.1:${tlsPort}`, { ca: readFileSync(join(dir, 'cert.pem')), headers: { authorization: `Bearer ${token}` } });
    const answer = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources.list', params: { kind: 'Workspace' } })));
      ws.on('message', (data) => resolve(String(data)));
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(answer)).toMatchObject({ id: 1, result: { items: [] } });
    // Plain WebSocket to the TLS port does not get through.
    const plainAttempt = new WebSocket(`ws://127.0.0.1:${tlsPort}`);
    await expect(new Promise((resolve, reject) => {
      plainAttempt.on('open', resolve);
      plainAttempt.on('error', reject);
    })).rejects.toThrow();
  });
});
