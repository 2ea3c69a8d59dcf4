/**
 * The PortBinding reconcile. Level-based: it re-reads the binding, its workspace and the backend,
 * and converges through the finalizer helper — the named steps of converge.ts:
 *   exposure → workspace → provider → fixed-port claim → allocation (persisted first) →
 *   endpoint → forwarder → status
 * — or, on deletion, stops the binding's forwarder. A port held by someone else is a Conflict
 * (naming the holder) retried every few seconds until it is free; the allocated port is never
 * changed behind the user's back. Without a forwarder pool (`boulder reconcile --once`) ports are
 * allocated and reported, and forwarding waits for the daemon.
 */
import { isTerminalError } from '../runtime/errors.ts';
import type { PortBinding } from '../../apis/types/index.ts';
import type { Reconciler } from '../runtime/controller.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import { runSteps } from '../runtime/steps.ts';
import { KeyedLock } from './forward/keyed-lock.ts';
import { bindingSteps } from './converge.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { bindingScope, knownHostPort, writeObservation, type BindingScope, type PortBindingReconcilerDeps } from './scope.ts';
import { CLEANUP_FINALIZER } from '../../apis/names/index.ts';

export { CONFLICT_RETRY_MS, WAIT_RETRY_MS, type PortBindingReconcilerDeps } from './scope.ts';

/** Builds the PortBinding reconciler. */
export function portBindingReconciler(deps: PortBindingReconcilerDeps): Reconciler {
  const allocations = new KeyedLock();
  return async (request, ctx) => {
    const pb = await getIfExists<PortBinding>(ctx.client, 'PortBinding', request.namespace, request.name);
    if (pb === undefined) {
      // Gone without our cleanup (finalizer removed elsewhere): stop what still forwards for it.
      const stopped = (await deps.forwarding?.stopKey(`${request.namespace}/${request.name}`)) ?? 0;
      if (stopped > 0) ctx.log.info({ stopped }, 'stopped the forwarder of a vanished binding');
      return;
    }
    const result = await reconcileWithFinalizer(pb, CLEANUP_FINALIZER, ctx.client, {
      apply: (live) => {
        const scope = bindingScope(live, deps, allocations, ctx);
        return runSteps(bindingSteps(scope), scope, { recordFailure: (_condition, err) => recordFailure(scope, err) });
      },
      cleanup: async (live) => {
        const stopped = (await deps.forwarding?.stop(live.metadata.uid ?? '')) ?? false;
        ctx.log.info({ stopped }, `cleanup of portbinding/${live.metadata.name}: forwarder ${stopped ? 'stopped' : 'absent'}`);
        return undefined;
      },
    });
    return result ?? undefined;
  };
}

/**
 * A step owning Bound failed (provider, allocate): a terminal failure (no backend, a full port
 * range) is recorded as Bound and Ready False with its reason; a transient one is retried as is.
 */
async function recordFailure(scope: BindingScope, err: unknown): Promise<unknown> {
  if (isTerminalError(err)) await writeObservation(scope, { kind: 'failed', reason: err.reason, message: err.message }, scope.kept, knownHostPort(scope, scope.kept));
  return err;
}
