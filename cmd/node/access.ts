/**
 * How `boulder` run by a user of a multi-user node reaches the system daemon: the node file says
 * multi-user mode is on, the caller is not root, so every command talks to the daemon API on
 * `<users_dir>/api.sock` with the token the daemon wrote in the user's own 0700 directory. A user
 * without that token (not a member of the allowed group) is refused with a message saying so.
 */
import { readFile } from 'node:fs/promises';
import { userDir, userTokenPath, type NodeModeSettings } from '../../apis/config/node-mode.ts';
import { currentUser } from '../../apis/config/limits.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** What the CLI needs to reach a node's daemon as the user running it. */
export interface NodeApiAccess {
  /** The unix user running boulder. */
  user: string;
  /** `<users_dir>/api.sock`. */
  socket: string;
  /** `<users_dir>/<user>/token`. */
  tokenPath: string;
  /** `<users_dir>/<user>`: the user's own 0700 directory (secret values `up` materializes go below it, not in the root-only state dir). */
  dir: string;
  /** The group whose members get a token (for the refusal message). */
  group: string;
}

/** The node access of the process, or undefined when it uses the store itself (single-user, or root). */
export function nodeAccessOf(settings: NodeModeSettings | undefined, uid: number | undefined = process.getuid?.(), env: NodeJS.ProcessEnv = process.env): NodeApiAccess | undefined {
  if (settings === undefined || uid === 0 || uid === undefined) return undefined;
  const user = currentUser(env);
  return { user, socket: settings.socket, tokenPath: userTokenPath(settings.usersDir, user), dir: userDir(settings.usersDir, user), group: settings.group };
}

/** Reads the user's token; a user the daemon gave none is refused with a clear message (exit 1). */
export async function readNodeToken(access: NodeApiAccess): Promise<string> {
  try {
    const token = (await readFile(access.tokenPath, 'utf8')).trim();
    if (token !== '') return token;
  } catch {
    // fall through: no readable token
  }
  throw new CliError(
    `user ${access.user} may not use boulder on this multi-user node: no credential at ${access.tokenPath} (the daemon gives one to members of group ${access.group}; ask the node's administrator to add you, then wait a few seconds)`,
    ExitCode.Error,
  );
}
