/**
 * Provisioning of a multi-user node's users: for every member of the allowed (or admin) group, a
 * directory `<users_dir>/<user>` (0700, owned by the user) holding the user's API token
 * (`token`, 0600, owned by the user) — what only that user (and root) can read is what proves who
 * they are. The daemon remembers the one current token id of each user (`<state dir>/node-users.json`,
 * 0600); a token of a user who left the groups, or an older token of a user, is refused at once
 * (admit) and the token file is removed. Re-run every few seconds, so joining or leaving a group
 * takes effect without a restart.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, chmodSync, chownSync, openSync, writeSync, fchownSync, closeSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { userNamespace } from '../../apis/multi-user/identity.ts';
import { userDir, userTokenPath, type NodeModeSettings } from '../../apis/config/node-mode.ts';
import { PRIVATE_FILE_MODE } from '../../apis/config/private-state.ts';
import type { TokenKeys } from '../auth/key-file.ts';
import { mintToken, type VerifiedToken } from '../auth/tokens.ts';
import { ApiError, SCOPES } from '../rpc/method.ts';
import { allowedUsers, type NodeUser } from './users.ts';

/** File (in the state dir) of the current token id of each provisioned user. */
export const NODE_USERS_FILE = 'node-users.json';
/** Lifetime of a user's token; it is replaced when less than TOKEN_RENEW_MS is left. */
export const USER_TOKEN_TTL_MS = 30 * 24 * 3600_000;
const TOKEN_RENEW_MS = 7 * 24 * 3600_000;

/** The current token of one user. */
interface UserRecord {
  tokenId: string;
  expiresAt: string;
}

/** What `refresh` changed. */
export interface ProvisionReport {
  provisioned: string[];
  revoked: string[];
}

/** The node's users, their directories and tokens, and the admission of their tokens. */
export class NodeUsers {
  private users = new Map<string, NodeUser>();
  private records: Record<string, UserRecord>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ProvisionReport> | undefined;

  private readonly settings: NodeModeSettings;
  private readonly keys: TokenKeys;
  private readonly stateDir: string;
  private readonly logger: Logger;

  constructor(settings: NodeModeSettings, keys: TokenKeys, stateDir: string, logger: Logger) {
    this.settings = settings;
    this.keys = keys;
    this.stateDir = stateDir;
    this.logger = logger;
    this.records = readRecords(join(stateDir, NODE_USERS_FILE));
  }

  /** The users allowed now (after the last refresh). */
  get current(): ReadonlyMap<string, NodeUser> {
    return this.users;
  }

  /** Re-reads the groups, provisions new users and revokes departed ones (one refresh at a time). */
  refresh(): Promise<ProvisionReport> {
    this.running ??= this.provision().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Refreshes every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'node users refresh failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic refresh. */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * A verified token as this node admits it: a node token (claim nexus_user) only while its user
   * is allowed and it is that user's current token; a user confined to `user-<name>` unless an
   * admin (who then holds `admin`). Tokens without the claim (minted by root with `boulder token
   * create`) pass unchanged. Throws ApiError('Unauthenticated').
   */
  admit(verified: VerifiedToken): VerifiedToken {
    const { principal } = verified;
    if (principal.user === undefined) return verified;
    const user = this.users.get(principal.user);
    if (user === undefined) {
      throw new ApiError('Unauthenticated', `user ${principal.user} may not use this node: not a member of group ${this.settings.group} (or ${this.settings.adminGroup})`, { reason: 'revoked' });
    }
    if (this.records[user.name]?.tokenId !== principal.tokenId) throw new ApiError('Unauthenticated', `token ${principal.tokenId} of user ${user.name} has been replaced or revoked`, { reason: 'revoked' });
    const scopes = principal.scopes.filter((s) => s !== 'admin');
    const admitted = user.admin ? { ...principal, scopes: [...scopes, 'admin' as const] } : { ...principal, scopes, namespace: userNamespace(user.name) };
    return { ...verified, principal: admitted };
  }

  private async provision(): Promise<ProvisionReport> {
    const users = await allowedUsers(this.settings.group, this.settings.adminGroup);
    const report: ProvisionReport = { provisioned: [], revoked: [] };
    ensureUsersDir(this.settings.usersDir);
    let changed = false;
    for (const user of users.values()) {
      if (await this.ensureUser(user)) {
        report.provisioned.push(user.name);
        changed = true;
      }
    }
    for (const name of Object.keys(this.records)) {
      if (users.has(name)) continue;
      delete this.records[name];
      rmSync(userTokenPath(this.settings.usersDir, name), { force: true });
      report.revoked.push(name);
      changed = true;
    }
    this.users = users;
    if (changed) writeRecords(join(this.stateDir, NODE_USERS_FILE), this.records);
    if (report.provisioned.length > 0 || report.revoked.length > 0) this.logger.info(report, 'node users provisioned');
    return report;
  }

  /** Makes the user's directory and token right; true when a new token was written. */
  private async ensureUser(user: NodeUser): Promise<boolean> {
    const dir = userDir(this.settings.usersDir, user.name);
    ensureUserDir(dir, user);
    const record = this.records[user.name];
    const path = userTokenPath(this.settings.usersDir, user.name);
    if (record !== undefined && Date.parse(record.expiresAt) - Date.now() > TOKEN_RENEW_MS && isUserFile(path, user.uid)) return false;
    const { token, record: minted } = await mintToken(this.keys, { name: `node-user-${user.name}`, subject: user.name, user: user.name, scopes: SCOPES.filter((s) => s !== 'admin'), workspaces: '*', ttlMs: USER_TOKEN_TTL_MS });
    writeUserFile(dir, path, `${token}\n`, user);
    this.records[user.name] = { tokenId: minted.id, expiresAt: minted.expiresAt };
    return true;
  }
}

/** `<users_dir>`: root's, 0711 — users reach their own directory and the socket, and list nothing. */
function ensureUsersDir(usersDir: string): void {
  mkdirSync(usersDir, { recursive: true, mode: 0o711 });
  const stat = lstatSync(usersDir);
  if (!stat.isDirectory()) throw new Error(`${usersDir} (multi_user.users_dir) is not a directory`);
  if (stat.uid !== 0 && process.getuid?.() === 0) throw new Error(`${usersDir} (multi_user.users_dir) must be owned by root`);
  chmodSync(usersDir, 0o711);
}

/** `<users_dir>/<user>`: a real directory (never a symbolic link), 0700, owned by the user. */
function ensureUserDir(dir: string, user: NodeUser): void {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    mkdirSync(dir, { mode: 0o700 });
    stat = lstatSync(dir);
  }
  if (!stat.isDirectory()) {
    rmSync(dir, { force: true });
    mkdirSync(dir, { mode: 0o700 });
  }
  try {
    chownSync(dir, user.uid, user.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    throw new Error(`cannot give ${dir} to user ${user.name}: a multi-user node's daemon runs as root (or with CAP_CHOWN), see manifests/node/boulder.service`, { cause: err });
  }
  chmodSync(dir, 0o700);
}

/** True when `path` is a regular file (not a link) owned by `uid`. */
function isUserFile(path: string, uid: number): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && stat.uid === uid && stat.size > 0;
  } catch {
    return false;
  }
}

/**
 * Writes `content` as `path` in the user's own directory without following anything the user
 * placed there: a new file with a random name (O_EXCL|O_NOFOLLOW), owned by the user, 0600,
 * renamed over `path` (rename replaces a link, it never writes through one).
 */
function writeUserFile(dir: string, path: string, content: string, user: NodeUser): void {
  const temp = join(dir, `.token-${randomBytes(8).toString('hex')}`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    writeSync(fd, content);
    fchownSync(fd, user.uid, user.gid);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

function readRecords(path: string): Record<string, UserRecord> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, UserRecord>) : {};
  } catch {
    return {};
  }
}

function writeRecords(path: string, records: Record<string, UserRecord>): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, PRIVATE_FILE_MODE);
  try {
    writeSync(fd, `${JSON.stringify(records, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
