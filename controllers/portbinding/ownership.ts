/**
 * Who gets a fixed host port that several workspaces of one repository want (pure): the
 * repository's active workspace (recorded on the Workspaces by `boulder switch`:
 * apis/active-workspace.ts); when none is recorded (or it does not want the port), the oldest
 * workspace declared Running; else the oldest one. The others stand by on their own allocated ports.
 */
import { resolve } from 'node:path';
import type { ActiveWorkspace } from '../../apis/active-workspace.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { isBeingDeleted } from '../runtime/finalizers.ts';
import { resolveBinding, addressesOverlap, type ResolvedBinding } from './binding.ts';
import type { ExposurePolicy } from './exposure.ts';
import { desiredStateOf } from '../../apis/defaulted.ts';

/** A workspace competing for a fixed port. */
export interface Contender {
  namespace: string;
  name: string;
  creationTimestamp?: string;
  /** Declared state (spec.state, default Running). */
  state: string;
}

/** Why the owner owns the port. */
export type OwnershipBasis = 'active' | 'oldestRunning' | 'oldest';

/** The workspace a fixed port belongs to. */
export interface FixedPortOwner {
  namespace: string;
  name: string;
  basis: OwnershipBasis;
}

/**
 * The outcome for one binding with a fixed port: it owns the port (`rivals` are the other
 * workspaces' bindings that stand by), or it stands by for `owner`.
 */
export type FixedPortClaim = { kind: 'own'; rivals: Rival[] } | { kind: 'standby'; owner: FixedPortOwner; fixedPort: number };

/**
 * The repository's recorded active workspace: the exact workspace, or a name (any namespace; a
 * contender of the deciding binding's namespace wins a tie).
 */
export type CurrentWorkspace = ActiveWorkspace | string | undefined;

/**
 * Decides a fixed port between `self` and the workspaces of `rivals` (pure). `current` is the
 * repository's recorded active workspace.
 */
export function claimFixedPort(self: Workspace, fixedPort: number, rivals: readonly Rival[], current: CurrentWorkspace): FixedPortClaim {
  if (rivals.length === 0) return { kind: 'own', rivals: [] };
  const contenders = new Map<string, Contender>();
  for (const ws of [self, ...rivals.map((r) => r.workspace)]) {
    const c = contenderOf(ws);
    contenders.set(`${c.namespace}/${c.name}`, c);
  }
  const selfContender = contenderOf(self);
  const owner = fixedPortOwner([...contenders.values()], current, selfContender.namespace);
  if (owner.namespace === selfContender.namespace && owner.name === selfContender.name) return { kind: 'own', rivals: [...rivals] };
  return { kind: 'standby', owner, fixedPort };
}

/**
 * The owner among `contenders` (at least one). `current` is the repository's recorded active
 * workspace; given by name only, a contender of `preferNamespace` wins a tie between namespaces.
 */
export function fixedPortOwner(contenders: readonly Contender[], current: CurrentWorkspace, preferNamespace: string): FixedPortOwner {
  const byAge = [...contenders].sort(compareAge);
  const isCurrent = (c: Contender): boolean => (typeof current === 'string' || current === undefined ? c.name === current : c.name === current.name && c.namespace === current.namespace);
  const active = byAge.filter(isCurrent).sort((a, b) => Number(b.namespace === preferNamespace) - Number(a.namespace === preferNamespace))[0];
  if (active !== undefined) return { namespace: active.namespace, name: active.name, basis: 'active' };
  const running = byAge.find((c) => c.state === 'Running');
  if (running !== undefined) return { namespace: running.namespace, name: running.name, basis: 'oldestRunning' };
  const oldest = byAge[0];
  if (oldest === undefined) throw new RangeError('fixedPortOwner needs at least one contender');
  return { namespace: oldest.namespace, name: oldest.name, basis: 'oldest' };
}

function compareAge(a: Contender, b: Contender): number {
  const at = a.creationTimestamp ?? '';
  const bt = b.creationTimestamp ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  return `${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : `${a.namespace}/${a.name}` > `${b.namespace}/${b.name}` ? 1 : 0;
}

/** The repository path of a workspace, normalised; undefined without one. */
export function repositoryOf(ws: Workspace): string | undefined {
  const path = ws.spec.repository?.path;
  return path === undefined ? undefined : resolve(path);
}

/** Inputs of `rivalBindings`. */
export interface RivalInputs {
  binding: ResolvedBinding;
  /** The binding's own uid (excluded from the rivals). */
  uid: string;
  repository: string;
  bindings: readonly PortBinding[];
  workspaces: readonly Workspace[];
  /** The node's exposure policy, which decides the other bindings' addresses (default: loopback only). */
  exposure?: ExposurePolicy;
}

/** A binding of another workspace of the same repository wanting the same fixed port. */
export interface Rival {
  key: string;
  uid: string;
  workspace: Workspace;
}

/**
 * The bindings (not being deleted) of other workspaces of `repository` that want the same fixed
 * port, protocol and an overlapping address.
 */
export function rivalBindings(inputs: RivalInputs): Rival[] {
  const { binding } = inputs;
  const byKey = new Map(inputs.workspaces.map((ws) => [`${ws.metadata.namespace ?? DEFAULT_NAMESPACE}/${ws.metadata.name}`, ws]));
  const rivals: Rival[] = [];
  for (const pb of inputs.bindings) {
    if (pb.metadata.uid === inputs.uid || isBeingDeleted(pb)) continue;
    const other = resolveBinding(pb, inputs.exposure);
    if (other.fixedPort !== binding.fixedPort || other.protocol !== binding.protocol || !addressesOverlap(other.hostIP, binding.hostIP)) continue;
    if (other.namespace === binding.namespace && other.workspace === binding.workspace) continue;
    const ws = byKey.get(`${other.namespace}/${other.workspace}`);
    if (ws === undefined || isBeingDeleted(ws) || repositoryOf(ws) !== inputs.repository) continue;
    rivals.push({ key: `${other.namespace}/${pb.metadata.name}`, uid: pb.metadata.uid ?? '', workspace: ws });
  }
  return rivals;
}

/** A workspace as a contender. */
export function contenderOf(ws: Workspace): Contender {
  const contender: Contender = { namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE, name: ws.metadata.name, state: desiredStateOf(ws) };
  if (ws.metadata.creationTimestamp !== undefined) contender.creationTimestamp = ws.metadata.creationTimestamp;
  return contender;
}

/** `port 3000 belongs to the active workspace feature-a (boulder switch feature-b to take it)`. */
export function standbyMessage(fixedPort: number, owner: FixedPortOwner, self: string): string {
  const whose =
    owner.basis === 'active'
      ? `the active workspace ${owner.name}`
      : owner.basis === 'oldestRunning'
        ? `workspace ${owner.name} (no active workspace recorded; the oldest running one has it)`
        : `workspace ${owner.name} (no active workspace recorded; the oldest one has it)`;
  return `port ${fixedPort} belongs to ${whose} (boulder switch ${self} to take it)`;
}
