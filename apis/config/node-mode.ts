/**
 * Node mode (issue 14): the settings of a multi-user node, read from the node configuration
 * alone — whether `multi_user.enabled` is set, where the shared state and the per-user
 * directories are, which unix groups may use the daemon and administer it, how users are
 * identified (`multi_user.auth.method`: only `unix` is supported), and the limits and default
 * resources the daemon enforces. Reads the node file; no other layer can set these keys.
 */
import { join } from 'node:path';
import { ValidationError, BoulderError } from '../errors.ts';
import { DEFAULT_USERS_DIR } from '../multi-user/identity.ts';
import type { WorkspaceResources } from '../types/index.ts';
import { DEFAULT_MULTI_USER_STATE_DIR } from './daemon-settings.ts';
import { displayPath, locateNodeConfig } from './paths.ts';
import type { EffectiveLimits } from './types.ts';

/** Group whose members may use the daemon when `multi_user.group` is not set. */
export const DEFAULT_USERS_GROUP = 'nexus';
/** Group whose members administer the node when `multi_user.admin_group` is not set. */
export const DEFAULT_ADMIN_GROUP = 'sudo';
/** File name of a user's API token inside `<users_dir>/<user>/`. */
export const USER_TOKEN_FILE = 'token';
/** File name of the API socket every user connects to, inside `<users_dir>/`. */
export const NODE_API_SOCKET_FILE = 'api.sock';

/** The settings of a multi-user node. */
export interface NodeModeSettings {
  /** Shared state dir (store, keys, logs): 0700, root's. */
  stateDir: string;
  /** Parent of the per-user directories; holds the API socket users connect to. */
  usersDir: string;
  /** `<usersDir>/api.sock`. */
  socket: string;
  /** Members may use the daemon. */
  group: string;
  /** Members (and root) see and manage every user's workspaces. */
  adminGroup: string;
  /** Node limits (`limits`); enforced by the daemon. */
  limits: EffectiveLimits;
  /** `defaults.resources` of the node file: applied to a Workspace that names no resources. */
  defaultResources?: WorkspaceResources;
}

/** `multi_user.auth.method` names a method boulder does not implement (exit 3). */
export class UnsupportedAuthMethodError extends BoulderError {
  constructor(method: string, where: string) {
    super('Invalid', `${where}: multi_user.auth.method "${method}" is not supported; use "unix" (the user's identity is proven by their own 0700 directory on this node)`);
    this.name = 'UnsupportedAuthMethodError';
  }
}

/** The directory of `user` on a node: `<usersDir>/<user>`. */
export function userDir(usersDir: string, user: string): string {
  return join(usersDir, user);
}

/** Path of `user`'s token file: `<usersDir>/<user>/token`. */
export function userTokenPath(usersDir: string, user: string): string {
  return join(usersDir, user, USER_TOKEN_FILE);
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The node-mode settings of a node file's layer values (effective keys, paths already absolute); undefined when multi-user mode is off. Pure. */
export function nodeModeOf(values: Record<string, unknown>, where: string): NodeModeSettings | undefined {
  const multiUser = record(values['multi_user']);
  if (multiUser['enabled'] !== true) return undefined;
  const method = text(record(multiUser['auth'])['method']) ?? 'unix';
  if (method !== 'unix') throw new UnsupportedAuthMethodError(method, where);
  const usersDir = text(multiUser['users_dir']) ?? DEFAULT_USERS_DIR;
  // The node file's `defaults.resources`, as its layer holds it (effective key `resources`).
  const resources = record(values['resources']);
  return {
    stateDir: text(multiUser['state_dir']) ?? DEFAULT_MULTI_USER_STATE_DIR,
    usersDir,
    socket: join(usersDir, NODE_API_SOCKET_FILE),
    group: text(multiUser['group']) ?? DEFAULT_USERS_GROUP,
    adminGroup: text(multiUser['admin_group']) ?? DEFAULT_ADMIN_GROUP,
    limits: record(values['limits']) as EffectiveLimits,
    ...(Object.keys(resources).length > 0 ? { defaultResources: resources as WorkspaceResources } : {}),
  };
}

/**
 * The node-mode settings of the node file (NEXUS_NODE_CONFIG, else /etc/nexus/config.yaml…);
 * undefined when there is no node file or it does not enable multi-user mode. An invalid file
 * throws its ValidationError, an unsupported auth method UnsupportedAuthMethodError.
 */
export async function loadNodeMode(env: NodeJS.ProcessEnv, cwd: string, home: string, candidates?: readonly string[]): Promise<NodeModeSettings | undefined> {
  const location = locateNodeConfig(env, cwd, candidates);
  if (location === undefined) return undefined;
  const [{ readConfigFile }, { fileLayer }] = await Promise.all([import('./config-file.ts'), import('./file-layers.ts')]);
  const shown = displayPath(location.path, cwd, home);
  const result = await readConfigFile('node', location.path, shown);
  if (result.file === undefined) throw new ValidationError(result.issues);
  return nodeModeOf(fileLayer(result.file, { home }).layer.values as Record<string, unknown>, shown);
}
