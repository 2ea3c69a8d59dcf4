/**
 * API tokens: JWTs signed with the state dir's Ed25519 key (key-file.ts). Claims: `sub` (who),
 * `aud` (TOKEN_AUDIENCE), `iat`, `exp`, `jti` (the token id), `name`, `scopes`, `workspaces`, and
 * optionally `contributor` (Agent Trace attribution: type, modelId, conversationUrl, tool).
 * verifyToken turns a presented token into a Principal or an ApiError('Unauthenticated') whose
 * `data.reason` says why (malformed, bad signature, expired, wrong audience, revoked) — the token
 * itself never appears in an error or a log line.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ApiError, SCOPES, type Principal, type Scope } from '../rpc/method.ts';
import { TOKEN_ALGORITHM, type TokenKeys } from './key-file.ts';
import type { RevocationList, TokenRecord } from './token-records.ts';
import { CONTRIBUTOR_TYPES, type TokenContributor } from '../trace/record.ts';

/** `aud` of every token this daemon accepts. */
export const TOKEN_AUDIENCE = 'boulder-daemon-api';
/** `iss` of tokens minted by boulder. */
export const TOKEN_ISSUER = 'boulder';
/** Claim naming the unix user of a multi-user node's token (set only by the daemon's provisioning). */
export const USER_CLAIM = 'nexus_user';
/** Clock skew tolerated on `exp`/`iat`, in seconds. */
export const CLOCK_TOLERANCE_S = 5;

/** What a token grants. */
export interface TokenGrant {
  name: string;
  subject: string;
  scopes: Scope[];
  workspaces: '*' | string[];
  /** Lifetime in ms. */
  ttlMs: number;
  /** Who writes with this token, for Agent Trace records (server/trace). */
  contributor?: TokenContributor;
  /** Multi-user node: the unix user this node token is for (claim `nexus_user`). */
  user?: string;
}

/** A minted token and its record (for the records file). */
export interface MintedToken {
  token: string;
  record: TokenRecord;
}

/** Signs a new token. */
export async function mintToken(keys: TokenKeys, grant: TokenGrant, now: Date = new Date()): Promise<MintedToken> {
  const id = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + Math.max(1, Math.ceil(grant.ttlMs / 1000));
  const token = await new SignJWT({ name: grant.name, scopes: grant.scopes, workspaces: grant.workspaces, ...(grant.contributor !== undefined ? { contributor: grant.contributor } : {}), ...(grant.user !== undefined ? { [USER_CLAIM]: grant.user } : {}) })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.keyId, typ: 'JWT' })
    .setSubject(grant.subject)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(id)
    .sign(keys.privateKey);
  const record: TokenRecord = {
    id,
    name: grant.name,
    subject: grant.subject,
    scopes: grant.scopes,
    workspaces: grant.workspaces,
    issuedAt: new Date(iat * 1000).toISOString(),
    expiresAt: new Date(exp * 1000).toISOString(),
    ...(grant.contributor !== undefined ? { contributor: grant.contributor } : {}),
  };
  return { token, record };
}

function refuse(reason: string, message: string): ApiError {
  return new ApiError('Unauthenticated', message, { reason });
}

function isScopeList(value: unknown): value is Scope[] {
  return Array.isArray(value) && value.every((s) => (SCOPES as readonly unknown[]).includes(s));
}

function isWorkspaces(value: unknown): value is '*' | string[] {
  return value === '*' || (Array.isArray(value) && value.every((w) => typeof w === 'string'));
}

/** The `contributor` claim when it is well-formed (undefined when absent; null when malformed). */
export function contributorOf(value: unknown): TokenContributor | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { type, modelId, conversationUrl, tool } = value as Record<string, unknown>;
  if (!(CONTRIBUTOR_TYPES as readonly unknown[]).includes(type)) return null;
  if (modelId !== undefined && (typeof modelId !== 'string' || modelId.length > 250)) return null;
  if (conversationUrl !== undefined && (typeof conversationUrl !== 'string' || !URL.canParse(conversationUrl))) return null;
  let toolClaim: { name: string; version: string } | undefined;
  if (tool !== undefined) {
    const t = tool as Record<string, unknown> | null;
    if (typeof t !== 'object' || t === null || typeof t['name'] !== 'string' || typeof t['version'] !== 'string') return null;
    toolClaim = { name: t['name'], version: t['version'] };
  }
  return {
    type: type as TokenContributor['type'],
    ...(typeof modelId === 'string' ? { modelId } : {}),
    ...(typeof conversationUrl === 'string' ? { conversationUrl } : {}),
    ...(toolClaim !== undefined ? { tool: toolClaim } : {}),
  };
}

/** A verified token's principal and expiry. */
export interface VerifiedToken {
  principal: Principal;
  /** Expiry in ms since the epoch. */
  expiresAt: number;
}

/** Verifies a presented token; throws ApiError('Unauthenticated', …, { reason }) when it is not acceptable. */
export async function verifyToken(token: unknown, keys: TokenKeys, revocations: RevocationList): Promise<VerifiedToken> {
  if (typeof token !== 'string' || token === '') throw refuse('missing', 'no token: present one as "Authorization: Bearer <token>" or in a first auth call');
  if (token.length > 8192 || token.split('.').length !== 3) throw refuse('malformed', 'the token is not a JWT');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keys.publicKey, { algorithms: [TOKEN_ALGORITHM], audience: TOKEN_AUDIENCE, issuer: TOKEN_ISSUER, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp', 'iat', 'jti', 'sub'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw refuse('expired', 'the token has expired');
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw refuse('signature', 'the token is not signed by this daemon\'s key');
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'aud') throw refuse('audience', 'the token is not meant for this API (wrong audience)');
      throw refuse('claims', `the token's ${err.claim} claim is not acceptable`);
    }
    if (err instanceof joseErrors.JOSEAlgNotAllowed) throw refuse('algorithm', 'the token is signed with an algorithm this daemon does not accept');
    throw refuse('malformed', 'the token is malformed');
  }
  const { jti, sub, exp, name, scopes, workspaces } = payload as Record<string, unknown>;
  const contributor = contributorOf((payload as Record<string, unknown>)['contributor']);
  if (contributor === null) throw refuse('claims', 'the token\'s contributor claim is not acceptable');
  if (typeof jti !== 'string' || typeof sub !== 'string' || typeof exp !== 'number' || !isScopeList(scopes) || !isWorkspaces(workspaces)) {
    throw refuse('claims', 'the token lacks valid scopes or workspaces claims');
  }
  if (revocations.isRevoked(jti)) throw refuse('revoked', `token ${jti} has been revoked`);
  const user = (payload as Record<string, unknown>)[USER_CLAIM];
  if (user !== undefined && typeof user !== 'string') throw refuse('claims', `the token's ${USER_CLAIM} claim is not acceptable`);
  return {
    principal: { tokenId: jti, subject: sub, name: typeof name === 'string' ? name : jti, scopes, workspaces, ...(contributor !== undefined ? { contributor } : {}), ...(user !== undefined ? { user } : {}) },
    expiresAt: exp * 1000,
  };
}
