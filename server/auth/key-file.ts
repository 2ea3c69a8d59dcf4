/**
 * The per-state-dir signing key of API tokens: an Ed25519 key pair (JWS `EdDSA`), the private JWK
 * in `<state dir>/api-key.jwk` (0600, written exclusively — never through a symbolic link, never
 * replaced once it exists), the public JWK beside it in `api-key.pub.jwk` (0600 too: the state dir
 * is private anyway; a verifier elsewhere can be given a copy).
 *
 * Decision — EdDSA rather than HS256: with a shared secret, whoever can verify can also mint. With a
 * key pair only the private key's reader (the daemon's owner, and the CLI running as them) can
 * mint, while a verifier (a second daemon process, a proxy, a multi-user node's per-user front)
 * needs only the public key. Signing and verifying cost a few tens of µs, paid once per connection.
 */
import { constants, openSync, readFileSync, writeSync, closeSync, fchmodSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { PRIVATE_FILE_MODE, ensurePrivateDir, ensurePrivateFile } from '../../apis/config/private-state.ts';

/** File name of the private key in the state dir. */
export const SIGNING_KEY_FILE = 'api-key.jwk';
/** File name of the public key in the state dir. */
export const VERIFY_KEY_FILE = 'api-key.pub.jwk';
/** The JWS algorithm of every token. */
export const TOKEN_ALGORITHM = 'EdDSA';

/** The key pair of a state dir. */
export interface TokenKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** `kid` header: a short id of the public key. */
  keyId: string;
}

function writeExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

async function fromJwk(jwk: JWK): Promise<TokenKeys> {
  const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  const privateKey = (await importJWK(jwk, TOKEN_ALGORITHM)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, TOKEN_ALGORITHM)) as CryptoKey;
  return { privateKey, publicKey, keyId: String(jwk.x).slice(0, 12) };
}

/** Reads the key pair of `stateDir`, creating it (0600) on first use. */
export async function loadOrCreateKeys(stateDir: string): Promise<TokenKeys> {
  ensurePrivateDir(stateDir);
  const path = join(stateDir, SIGNING_KEY_FILE);
  try {
    ensurePrivateFile(path);
    const text = readFileSync(path, 'utf8');
    if (text.trim() !== '') return await fromJwk(JSON.parse(text) as JWK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const content = `${JSON.stringify(jwk)}\n`;
  // An empty file (ensurePrivateFile made it) is filled; a concurrent creator's key wins otherwise.
  const existing = readFileSync(path, 'utf8');
  if (existing.trim() === '') {
    const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  }
  writeExclusive(join(stateDir, VERIFY_KEY_FILE), `${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })}\n`);
  return fromJwk(JSON.parse(readFileSync(path, 'utf8')) as JWK);
}
