/**
 * Real unix users and groups for multi-user tests (the tests run as root, in CI and here):
 * created idempotently with groupadd/useradd, so a suite can run again on the same machine.
 */
import { execFileSync } from 'node:child_process';

/** A unix user of the test machine. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function exists(db: 'passwd' | 'group', name: string): boolean {
  try {
    execFileSync('getent', [db, name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates the group `name` unless it exists. */
export function ensureGroup(name: string): void {
  if (!exists('group', name)) execFileSync('groupadd', [name]);
}

/**
 * Creates the user `name` (with a home directory) unless it exists, and makes it a member of
 * exactly `groups` besides its own group. Requires root.
 */
export function ensureUser(name: string, groups: readonly string[] = []): TestUser {
  for (const group of groups) ensureGroup(group);
  if (!exists('passwd', name)) execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', name]);
  execFileSync('usermod', ['-G', groups.join(','), name]);
  const [, , uid, gid, , home] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? `/home/${name}` };
}
