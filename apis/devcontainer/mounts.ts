/**
 * `mounts`, `workspaceMount` and `workspaceFolder`. boulder always mounts the workspace's worktree
 * at /workspace, so a bind mount of `${localWorkspaceFolder}` there (the devcontainer default,
 * spelled out) maps to nothing to write; any other mount has no equivalent in a Workspace.
 */
import type { UnmappedItem } from './types.ts';
import { isContainerWorkspaceFolder, isLocalWorkspaceFolder } from './variables.ts';

/** A mount as `--mount` fields: type, source, target. */
interface MountSpec {
  type: string;
  source: string;
  target: string;
}

/** Parses `type=bind,source=x,target=/y` (also src/dst/destination) or the object form. */
export function parseMount(value: unknown): MountSpec | undefined {
  let fields: Record<string, unknown>;
  if (typeof value === 'string') {
    fields = Object.fromEntries(
      value.split(',').map((part) => {
        const eq = part.indexOf('=');
        return eq < 0 ? [part.trim(), ''] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
      }),
    );
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    fields = value as Record<string, unknown>;
  } else {
    return undefined;
  }
  const text = (...names: string[]): string => {
    for (const name of names) if (typeof fields[name] === 'string') return fields[name];
    return '';
  };
  const target = text('target', 'destination', 'dst');
  if (target === '') return undefined;
  return { type: text('type') || 'volume', source: text('source', 'src'), target };
}

/** True for the bind mount of the workspace folder onto /workspace, which boulder always makes. */
function isWorktreeMount(mount: MountSpec): boolean {
  return mount.type === 'bind' && isLocalWorkspaceFolder(mount.source) && isContainerWorkspaceFolder(mount.target);
}

function describeMount(mount: MountSpec): string {
  return `type=${mount.type}${mount.source === '' ? '' : `, source=${mount.source}`}, target=${mount.target}`;
}

function mountReason(mount: MountSpec): string {
  if (mount.type === 'volume') return 'named volumes exist only for services (services.NAME.volumes); the workspace keeps its files for its lifetime';
  if (mount.type === 'bind') return 'extra bind mounts into the workspace are not supported; the worktree is mounted at /workspace';
  return `${mount.type} mounts are not supported`;
}

/** The unmapped items of mounts, workspaceMount and workspaceFolder. */
export function mapMounts(doc: Record<string, unknown>): UnmappedItem[] {
  const unmapped: UnmappedItem[] = [];
  const mounts = doc['mounts'];
  if (mounts !== undefined && !Array.isArray(mounts)) unmapped.push({ key: 'mounts', reason: 'must be an array' });
  (Array.isArray(mounts) ? mounts : []).forEach((value, i) => {
    const mount = parseMount(value);
    if (mount === undefined) unmapped.push({ key: `mounts[${i}]`, reason: 'is not a mount with a target' });
    else if (!isWorktreeMount(mount)) unmapped.push({ key: `mounts[${i}] (${describeMount(mount)})`, reason: mountReason(mount) });
  });
  if (doc['workspaceMount'] !== undefined) {
    const mount = parseMount(doc['workspaceMount']);
    if (mount === undefined || !isWorktreeMount(mount)) {
      unmapped.push({ key: 'workspaceMount', reason: "boulder mounts the workspace's own worktree (branch nexus/NAME) at /workspace" });
    }
  }
  const folder = doc['workspaceFolder'];
  if (folder !== undefined && !(typeof folder === 'string' && isContainerWorkspaceFolder(folder))) {
    unmapped.push({ key: 'workspaceFolder', reason: 'the worktree is always at /workspace, where commands start' });
  }
  return unmapped;
}
