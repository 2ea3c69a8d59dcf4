/**
 * Who may use a multi-user node, from the system user database (getent): the members of the
 * allowed group (`multi_user.group`) and of the admin group (`multi_user.admin_group`), by
 * supplementary membership or primary group, each with the uid and gid the daemon gives their
 * directory to. Nothing here comes from a client.
 */
import { isValidUserName } from '../../apis/multi-user/identity.ts';
import { ChildProcessError, runFile } from '../../controllers/runtime/child-process/run-file.ts';

/** A unix user allowed on the node. */
export interface NodeUser {
  name: string;
  uid: number;
  gid: number;
  /** Member of the admin group (or root): sees and manages every user's workspaces. */
  admin: boolean;
}

/** One line of `getent passwd`. */
interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

async function getent(db: 'passwd' | 'group', key?: string): Promise<string[]> {
  try {
    const { stdout } = await runFile('getent', key === undefined ? [db] : [db, key], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter((line) => line !== '');
  } catch (err) {
    // getent exits 2 when the key is not found.
    if (err instanceof ChildProcessError && err.exitCode === 2) return [];
    throw err;
  }
}

/** Parses `getent passwd` lines. Pure. */
export function parsePasswd(lines: readonly string[]): PasswdEntry[] {
  return lines.flatMap((line) => {
    const [name, , uid, gid] = line.split(':');
    return name !== undefined && uid !== undefined && gid !== undefined ? [{ name, uid: Number(uid), gid: Number(gid) }] : [];
  });
}

/** The gid and the member names of a `getent group` line; undefined for no line. Pure. */
export function parseGroup(line: string | undefined): { gid: number; members: string[] } | undefined {
  if (line === undefined) return undefined;
  const [, , gid, members] = line.split(':');
  return { gid: Number(gid), members: (members ?? '').split(',').filter((m) => m !== '') };
}

/** Names of the members of `group` (supplementary, or primary by gid) among `passwd`. Pure. */
export function membersOf(group: { gid: number; members: string[] } | undefined, passwd: readonly PasswdEntry[]): Set<string> {
  if (group === undefined) return new Set();
  return new Set([...group.members, ...passwd.filter((p) => p.gid === group.gid).map((p) => p.name)]);
}

/**
 * The users allowed on the node now: members of `group` or `adminGroup` that exist in the user
 * database and have a name boulder accepts (root is never provisioned: it uses the store itself).
 */
export async function allowedUsers(group: string, adminGroup: string): Promise<Map<string, NodeUser>> {
  const [passwd, allowed, admins] = await Promise.all([getent('passwd').then(parsePasswd), getent('group', group), getent('group', adminGroup)]);
  const users = membersOf(parseGroup(allowed[0]), passwd);
  const adminNames = membersOf(parseGroup(admins[0]), passwd);
  const out = new Map<string, NodeUser>();
  for (const entry of passwd) {
    if (entry.uid === 0 || !isValidUserName(entry.name)) continue;
    const admin = adminNames.has(entry.name);
    if (users.has(entry.name) || admin) out.set(entry.name, { name: entry.name, uid: entry.uid, gid: entry.gid, admin });
  }
  return out;
}
