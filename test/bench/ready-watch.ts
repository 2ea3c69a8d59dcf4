/**
 * Watching a workspace in the store from the benchmark process: when it is Ready (for its current
 * generation) on a container other than a given one, i.e. when a drift repair is complete.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';

/** True when `ws` is Ready for its generation and runs a container other than `oldContainerId`. */
export function readyOnNewContainer(ws: Workspace, oldContainerId: string): boolean {
  const ready = ws.status?.conditions?.find((c) => c.type === 'Ready');
  return (
    ready?.status === 'True' &&
    ws.status?.observedGeneration === ws.metadata.generation &&
    ws.status?.containerId !== undefined &&
    ws.status.containerId !== oldContainerId
  );
}

/**
 * Starts watching workspace `namespace/name` from `resourceVersion` and resolves with
 * `performance.now()` of the first change that makes it Ready on a new container. Rejects after
 * `timeoutMs` or when the workspace is deleted. Call before causing the drift, with the
 * resourceVersion read before it, so that no change is missed.
 */
export function whenReadyOnNewContainer(
  store: ResourceClient,
  ref: { namespace: string; name: string },
  oldContainerId: string,
  resourceVersion: string,
  timeoutMs: number,
): Promise<number> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const follow = async (): Promise<number> => {
    for await (const event of store.watch<Workspace>('Workspace', { namespace: ref.namespace, resourceVersion, signal: abort.signal })) {
      if (event.object.metadata.name !== ref.name) continue;
      if (event.type === 'DELETED') throw new Error(`workspace ${ref.name} was deleted during the drift repair`);
      if (readyOnNewContainer(event.object, oldContainerId)) return performance.now();
    }
    throw new Error(`workspace ${ref.name} was not Ready on a new container within ${timeoutMs} ms`);
  };
  return follow().finally(() => {
    clearTimeout(timer);
    abort.abort();
  });
}
