/**
 * Who owns an object on a multi-user node: each user's objects live in the namespace
 * `user-<name>`, and that namespace — stamped by the system daemon from the caller's proven unix
 * identity, never taken from a manifest — is the one fact the daemon, the controllers and the
 * providers read to decide whose rights an effect runs with. Pure.
 */

/** Prefix of every user's namespace on a multi-user node. */
export const USER_NAMESPACE_PREFIX = 'user-';

/** Default directory of the per-user directories (`<dir>/<user>`, mode 0700, owned by the user). */
export const DEFAULT_USERS_DIR = '/var/lib/nexus/workspaces';

/** Unix login names boulder accepts as owners (POSIX portable names, as useradd's default check). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** True when `name` is a unix login name boulder accepts as an owner (and as part of a namespace). */
export function isValidUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** The namespace holding `user`'s objects on a multi-user node, e.g. `user-alice`. */
export function userNamespace(user: string): string {
  if (!isValidUserName(user)) throw new Error(`"${user}" is not a valid unix user name for a namespace`);
  return `${USER_NAMESPACE_PREFIX}${user}`;
}

/** The user whose namespace `namespace` is; undefined for any other namespace. */
export function userOfNamespace(namespace: string | undefined): string | undefined {
  if (namespace === undefined || !namespace.startsWith(USER_NAMESPACE_PREFIX)) return undefined;
  const user = namespace.slice(USER_NAMESPACE_PREFIX.length);
  return isValidUserName(user) ? user : undefined;
}
