/**
 * Node limits at apply time: max_workspaces_total and max_workspaces_per_user of the node
 * configuration refuse a new Workspace before anything is written. The creating user is recorded
 * on each new Workspace in the annotation nexus.dev/owner (when the manifest does not set it).
 */
import { userInfo } from 'node:os';
import type { ResourceClient } from '../client/types.ts';
import { BoulderError, ValidationError } from '../errors.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../meta.ts';
import { displayPath, locateNodeConfig } from './paths.ts';
import type { EffectiveLimits } from './types.ts';
import { OWNER_ANNOTATION } from '../names/index.ts';

/** A new workspace would exceed a node limit (code Invalid: the CLI exits 3, nothing is written). */
export class LimitExceededError extends BoulderError {
  /** The limit that was reached. */
  readonly limit: 'max_workspaces_total' | 'max_workspaces_per_user';

  constructor(limit: 'max_workspaces_total' | 'max_workspaces_per_user', message: string) {
    super('Invalid', message);
    this.name = 'LimitExceededError';
    this.limit = limit;
  }
}

/** The user running boulder (login name; $USER when the system has no entry). */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? env['USERNAME'] ?? 'unknown';
  }
}

/** The owner annotation of an object, if set. */
export function workspaceOwner(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[OWNER_ANNOTATION];
}

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? DEFAULT_NAMESPACE}/${obj.metadata.name}`;

/** `objects` with the owner annotation set to `user` on each Workspace that is new (not in `existing`) and lacks one. */
export function stampOwner(objects: readonly KubeObject[], existing: ReadonlySet<string>, user: string): KubeObject[] {
  return objects.map((obj) => {
    if (obj.kind !== 'Workspace' || existing.has(keyOf(obj)) || workspaceOwner(obj) !== undefined) return obj;
    return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [OWNER_ANNOTATION]: user } } };
  });
}

/**
 * Refuses, with a LimitExceededError, the first Workspace of `newWorkspaces` that does not exist yet
 * and would exceed `nodeLimits`: max_workspaces_total counts every Workspace of every namespace,
 * max_workspaces_per_user those whose owner annotation is the new workspace's owner (its annotation,
 * else `user`). Workspaces being deleted do not count; objects of other kinds and Workspaces that
 * exist already (updates) are ignored. Writes nothing.
 */
export async function checkWorkspaceLimits(
  client: ResourceClient,
  newWorkspaces: readonly KubeObject[],
  nodeLimits: EffectiveLimits | undefined,
  user: string,
): Promise<void> {
  const total = nodeLimits?.max_workspaces_total;
  const perUser = nodeLimits?.max_workspaces_per_user;
  const candidates = newWorkspaces.filter((obj) => obj.kind === 'Workspace');
  if (candidates.length === 0 || (total === undefined && perUser === undefined)) return;
  const { items } = await client.list('Workspace');
  const existing = new Set(items.map(keyOf));
  const live = items.filter((obj) => obj.metadata.deletionTimestamp === undefined);
  let count = live.length;
  const byOwner = new Map<string, number>();
  for (const obj of live) {
    const owner = workspaceOwner(obj);
    if (owner !== undefined) byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
  }
  const seen = new Set<string>();
  for (const obj of candidates) {
    const key = keyOf(obj);
    if (existing.has(key) || seen.has(key)) continue;
    seen.add(key);
    const owner = workspaceOwner(obj) ?? user;
    const owned = byOwner.get(owner) ?? 0;
    if (total !== undefined && count >= total) {
      throw new LimitExceededError('max_workspaces_total', `refusing to create workspace "${obj.metadata.name}": max_workspaces_total (${total}) reached`);
    }
    if (perUser !== undefined && owned >= perUser) {
      throw new LimitExceededError('max_workspaces_per_user', `refusing to create workspace "${obj.metadata.name}": max_workspaces_per_user (${perUser}) reached for user ${owner}`);
    }
    count++;
    byOwner.set(owner, owned + 1);
  }
}

/** Options of loadNodeLimits and enforceNodeLimits. */
export interface NodeLimitOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** Node files looked for when NEXUS_NODE_CONFIG is unset (tests). */
  nodeConfigCandidates?: readonly string[];
  /** The creating user; default currentUser(). */
  user?: string;
}

/**
 * The limits of the node configuration alone (the only level that may set them); empty when there
 * is no node file. An invalid node file throws its ValidationError.
 */
export async function loadNodeLimits(options: NodeLimitOptions = {}): Promise<EffectiveLimits> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const location = locateNodeConfig(env, cwd, options.nodeConfigCandidates);
  if (location === undefined) return {};
  const [{ readConfigFile }, { fileLayer }, { homedir }] = await Promise.all([import('./config-file.ts'), import('./file-layers.ts'), import('node:os')]);
  const home = options.home ?? homedir();
  const result = await readConfigFile('node', location.path, displayPath(location.path, cwd, home));
  if (result.file === undefined) throw new ValidationError(result.issues);
  return (fileLayer(result.file, { home }).layer.values.limits ?? {}) as EffectiveLimits;
}

/**
 * What `boulder apply` calls before writing: stamps the owner on new Workspaces and refuses the
 * batch when one of them would exceed the node's limits. Returns the objects to apply.
 */
export async function enforceNodeLimits(client: ResourceClient, objects: readonly KubeObject[], options: NodeLimitOptions = {}): Promise<KubeObject[]> {
  if (!objects.some((obj) => obj.kind === 'Workspace')) return [...objects];
  const user = options.user ?? currentUser(options.env);
  const limits = await loadNodeLimits(options);
  const { items } = await client.list('Workspace');
  const stamped = stampOwner(objects, new Set(items.map(keyOf)), user);
  await checkWorkspaceLimits(client, stamped, limits, user);
  return stamped;
}
