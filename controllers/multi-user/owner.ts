/**
 * Whose rights an effect runs with on a multi-user node: the owner of an object is the user of its
 * namespace (`user-<name>`, apis/multi-user/identity.ts), nothing else — not an annotation, not a
 * manifest field. That name is resolved to a unix identity from the system user database
 * (`getent passwd`, `id -G`), and the user must be provisioned on the node (its directory
 * `<usersDir>/<user>` exists, is a directory and belongs to that uid). Without multi-user mode
 * there is no owner and every effect runs as before (the daemon is the user).
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { userOfNamespace } from '../../apis/multi-user/identity.ts';
import { NOT_A_USER_NAMESPACE, OWNER_NOT_FOUND } from '../../apis/names/index.ts';
import { runFile } from '../runtime/child-process/run-file.ts';
import { TerminalError } from '../runtime/errors.ts';

/** Multi-user mode of the controllers: present only when the node configuration enables it. */
export interface MultiUserOptions {
  /** Directory of the per-user directories (`<usersDir>/<user>`, 0700, owned by the user). */
  usersDir: string;
}

/** A unix user an effect runs as. */
export interface UnixOwner {
  /** Login name (the `<name>` of `user-<name>`). */
  user: string;
  uid: number;
  /** Primary group. */
  gid: number;
  /** Every group the user is a member of (primary included), as `id -G` reports. */
  groups: number[];
  /** Home directory (HOME of the user's git, so the user's own git configuration applies). */
  home: string;
}

/**
 * The owner of the objects of `namespace` under `multiUser`; undefined without multi-user mode.
 * Throws TerminalError NotAUserNamespace (the namespace is no user's), OwnerNotFound (no such
 * unix user, uid 0, or not provisioned under usersDir).
 */
export async function resolveOwner(namespace: string | undefined, multiUser: MultiUserOptions | undefined): Promise<UnixOwner | undefined> {
  if (multiUser === undefined) return undefined;
  const user = userOfNamespace(namespace);
  if (user === undefined) {
    throw new TerminalError(
      NOT_A_USER_NAMESPACE,
      `namespace ${JSON.stringify(namespace ?? 'default')} belongs to no user: on a multi-user node workspaces live in user-<name>, and nothing runs with the daemon's own identity`,
    );
  }
  const owner = await lookupUser(user);
  if (owner === undefined) throw new TerminalError(OWNER_NOT_FOUND, `user ${user} (namespace user-${user}) is not a unix user of this node`);
  if (owner.uid === 0) throw new TerminalError(OWNER_NOT_FOUND, `user ${user} has uid 0: workspaces never run as root on a multi-user node`);
  await assertProvisioned(owner, multiUser.usersDir);
  return owner;
}

/** The unix identity of `user` from the system user database; undefined when there is no such user. */
export async function lookupUser(user: string): Promise<UnixOwner | undefined> {
  let passwd: string;
  try {
    passwd = await output('getent', ['passwd', user]);
  } catch {
    return undefined;
  }
  const [name, , uid, gid, , home] = passwd.trim().split('\n')[0]?.split(':') ?? [];
  if (name !== user || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  const groups = (await output('id', ['-G', '--', user])).trim().split(/\s+/).filter((g) => /^\d+$/.test(g)).map(Number);
  return { user, uid: Number(uid), gid: Number(gid), groups: groups.length > 0 ? groups : [Number(gid)], home: home !== undefined && home !== '' ? home : '/' };
}

/** Throws OwnerNotFound unless `<usersDir>/<user>` is a directory (not a link) owned by the user. */
async function assertProvisioned(owner: UnixOwner, usersDir: string): Promise<void> {
  const dir = join(usersDir, owner.user);
  let problem: string | undefined;
  try {
    const entry = await lstat(dir);
    if (!entry.isDirectory()) problem = 'is not a directory';
    else if (entry.uid !== owner.uid) problem = `is not owned by ${owner.user}`;
  } catch (err) {
    problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (problem !== undefined) throw new TerminalError(OWNER_NOT_FOUND, `user ${owner.user} is not provisioned on this node: ${dir} ${problem}`);
}

/** The stdout of `file args` (through runFile); rejects unless it exits 0. */
async function output(file: string, args: string[]): Promise<string> {
  return (await runFile(file, args, { timeout: 10_000 })).stdout;
}
