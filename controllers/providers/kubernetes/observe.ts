/**
 * What exists for a workspace, in the Provider contract's terms (pure). Running means the Pod is
 * running and ready; without a Pod (or with one that is not ready) the workspace is Stopped, or
 * Paused when the PVC records that. Nothing at all → undefined.
 */
import type { ObservedRuntime } from '../types.ts';
import { MAIN_CONTAINER } from './manifests.ts';
import { podReady, type ObservedObjects } from './objects.ts';
import { STATE_KEY } from '../../../apis/names/index.ts';

/** The observed runtime of the objects found; `services` are the names of the desired services. */
export function observedFrom(objects: Pick<ObservedObjects, 'pod' | 'pvc'>, services?: string[]): ObservedRuntime | undefined {
  const { pod, pvc } = objects;
  if (pod === undefined && pvc === undefined) return undefined;
  const recorded = pvc?.metadata?.annotations?.[STATE_KEY];
  const state = podReady(pod) ? 'Running' : recorded === 'Paused' ? 'Paused' : 'Stopped';
  const main = pod?.spec?.containers.find((c) => c.name === MAIN_CONTAINER);
  const statuses = pod?.status?.containerStatuses ?? [];
  const serviceNames = services ?? (pod?.spec?.containers ?? []).filter((c) => c.name.startsWith('svc-')).map((c) => c.name.slice(4));
  const serviceStates: ObservedRuntime['services'] = {};
  for (const name of serviceNames) {
    const status = statuses.find((s) => s.name === `svc-${name}`);
    serviceStates[name] = { running: state === 'Running' && status?.state?.running !== undefined && status.ready };
  }
  const imageDigest = statuses.find((s) => s.name === MAIN_CONTAINER)?.imageID;
  return {
    id: (state === 'Running' ? pod?.metadata?.uid : undefined) ?? pvc?.metadata?.uid ?? pod?.metadata?.uid ?? '',
    state,
    image: main?.image ?? '',
    ...(imageDigest ? { imageDigest } : {}),
    services: serviceStates,
  };
}
