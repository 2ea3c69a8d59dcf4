import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { JSON_RPC_CODES } from '../rpc/errors.ts';
import { loadOrCreateKeys } from './key-file.ts';
import { appendTokenRecord, revokeTokenRecord, RevocationList } from './token-records.ts';
import { mintToken, verifyToken } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'boulder-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const grant = { name: 'agent', subject: 'me', scopes: ['fs:read' as const], workspaces: ['api'], ttlMs: 60_000 };

describe('tokens', () => {
  it('keys are made once (0600) and reused', async () => {
    const a = await loadOrCreateKeys(dir);
    const b = await loadOrCreateKeys(dir);
    expect(a.keyId).toBe(b.keyId);
    expect(statSync(join(dir, 'api-key.jwk')).mode & 0o777).toBe(0o600);
  });

  it('a minted token verifies to its principal; expired, foreign, malformed and revoked ones are refused with a reason', async () => {
    const keys = await loadOrCreateKeys(dir);
    const revocations = new RevocationList(dir);
    const { token, record } = await mintToken(keys, grant);
    appendTokenRecord(dir, record);
    expect((await verifyToken(token, keys, revocations)).principal).toEqual({ tokenId: record.id, name: 'agent', subject: 'me', scopes: ['fs:read'], workspaces: ['api'] });
    const old = await mintToken(keys, grant, new Date(Date.now() - 3_600_000));
    await expect(verifyToken(old.token, keys, revocations)).rejects.toMatchObject({ code: 'Unauthenticated', data: { reason: 'expired' } });
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const foreign = await mintToken({ ...keys, privateKey }, grant);
    await expect(verifyToken(foreign.token, keys, revocations)).rejects.toMatchObject({ data: { reason: 'signature' } });
    await expect(verifyToken('abc', keys, revocations)).rejects.toMatchObject({ data: { reason: 'malformed' } });
    await expect(verifyToken(undefined, keys, revocations)).rejects.toMatchObject({ data: { reason: 'missing' } });
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    await expect(verifyToken(hs, keys, revocations)).rejects.toMatchObject({ code: 'Unauthenticated' });
    revokeTokenRecord(dir, record.id, new Date());
    revocations.refresh(Date.now() + 1000);
    await expect(verifyToken(token, keys, revocations)).rejects.toMatchObject({ data: { reason: 'revoked' } });
  });

  it('every stable error code has its own JSON-RPC code', () => {
    const codes = Object.values(JSON_RPC_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('token records', () => {
  it('concurrent writers (separate processes) lose no record', async () => {
    const { execFile } = await import('node:child_process');
    const records = mkdtempSync(join(tmpdir(), 'boulder-records-'));
    const script = `import { appendTokenRecord } from ${JSON.stringify(new URL('./token-records.ts', import.meta.url).href)};
for (let i = 0; i < 20; i++) appendTokenRecord(process.argv[1], { id: process.pid + '-' + i, name: 'n', subject: 's', scopes: [], workspaces: '*', issuedAt: '', expiresAt: '' });`;
    await Promise.all(Array.from({ length: 4 }, () => new Promise((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e', script, records], (err) => (err ? reject(err) : resolve(undefined))))));
    const { readTokenRecords } = await import('./token-records.ts');
    expect(readTokenRecords(records)).toHaveLength(80);
    rmSync(records, { recursive: true, force: true });
  });
});
