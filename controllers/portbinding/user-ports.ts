/**
 * Host ports on a multi-user node (pure): each user's allocated ports come from the user's own
 * block of the backend's range (a stable hash of the user name picks it, so a user's ports stay
 * put across restarts), and a host port another user's binding holds — bound there, allocated to
 * it, or declared as its fixed `hostPort` before ours — is never taken: it is a Conflict, and no
 * switch (an activity of one user's own workspaces) takes it over. Which user holds it is not
 * said: users do not see each other's objects.
 */
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import { userOfNamespace } from '../../apis/multi-user/identity.ts';
import type { PortBinding } from '../../apis/types/index.ts';
import { isBeingDeleted } from '../runtime/finalizers.ts';
import { rangeSize, stableIndex } from './allocator/index.ts';
import type { PortProtocol, PortRange } from './contracts.ts';

/** Ports of one user's block (20 workspace slots of 10). */
export const USER_BLOCK_SIZE = 200;

/**
 * `user`'s block of `range`: one of its whole blocks of USER_BLOCK_SIZE ports, by a stable hash of
 * the user name; the whole range when it holds fewer than two blocks. Two users may share a block
 * (the allocator never gives a port held by another binding, whoever's): the block keeps each
 * user's ports together, the hold rule below keeps them apart.
 */
export function userPortBlock(user: string, range: PortRange): PortRange {
  const blocks = Math.floor(rangeSize(range) / USER_BLOCK_SIZE);
  if (blocks < 2) return { ...range };
  const start = range.start + stableIndex(`user/${user}`, blocks) * USER_BLOCK_SIZE;
  return { start, end: start + USER_BLOCK_SIZE - 1 };
}

/** The binding asking for a fixed port. */
export interface FixedPortAsker {
  uid: string;
  namespace: string;
  protocol: PortProtocol;
  creationTimestamp?: string;
  /** True when the asker is bound to the port already (it keeps it). */
  holdsIt: boolean;
}

/**
 * True when a binding of another user than `self`'s holds `port` (see the module comment): it is
 * bound or allocated there, or declares it as its fixed port and is older than `self` (a binding
 * already bound to the port keeps it against later declarations).
 */
export function heldByAnotherUser(bindings: readonly PortBinding[], self: FixedPortAsker, port: number): boolean {
  const selfUser = userOfNamespace(self.namespace);
  return bindings.some((pb) => {
    if (pb.metadata.uid === self.uid || isBeingDeleted(pb)) return false;
    const namespace = pb.metadata.namespace ?? DEFAULT_NAMESPACE;
    if (namespace === self.namespace || (selfUser !== undefined && userOfNamespace(namespace) === selfUser)) return false;
    if ((pb.spec.protocol ?? 'tcp') !== self.protocol) return false;
    if ((pb.status?.phase === 'Bound' && pb.status.hostPort === port) || pb.status?.allocation?.hostPort === port) return true;
    return pb.spec.hostPort === port && !self.holdsIt && isOlder(pb, self);
  });
}

function isOlder(pb: PortBinding, self: FixedPortAsker): boolean {
  const theirs = pb.metadata.creationTimestamp ?? '';
  const ours = self.creationTimestamp ?? '';
  return theirs !== ours ? theirs < ours : (pb.metadata.uid ?? '') < self.uid;
}
