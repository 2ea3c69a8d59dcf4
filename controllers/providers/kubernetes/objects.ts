/**
 * Reading and writing one workspace's objects through CoreV1 (side effects only; the objects
 * themselves come from manifests.ts). NotFound is a normal answer here: undefined.
 */
import type { CoreV1Api, V1PersistentVolumeClaim, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { isNotFound } from './api-errors.ts';

/** The workspace's objects as they exist now (undefined: absent). */
export interface ObservedObjects {
  pod?: V1Pod;
  service?: V1Service;
  secret?: V1Secret;
  pvc?: V1PersistentVolumeClaim;
}

/** Undefined instead of a 404. */
export async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Reads the Pod, Service, Secret and PVC of a workspace by name, in parallel; without `secrets`
 * (a provider that never holds secret values) the Secret is not read at all.
 */
export async function readObjects(core: CoreV1Api, namespace: string, names: { pod: string; secret: string; pvc: string }, secrets = true): Promise<ObservedObjects> {
  const [pod, service, secret, pvc] = await Promise.all([
    orUndefined(core.readNamespacedPod({ namespace, name: names.pod })),
    orUndefined(core.readNamespacedService({ namespace, name: names.pod })),
    secrets ? orUndefined(core.readNamespacedSecret({ namespace, name: names.secret })) : undefined,
    orUndefined(core.readNamespacedPersistentVolumeClaim({ namespace, name: names.pvc })),
  ]);
  return { ...(pod ? { pod } : {}), ...(service ? { service } : {}), ...(secret ? { secret } : {}), ...(pvc ? { pvc } : {}) };
}

/**
 * Deletes a Pod (grace 0 at once: boulder owns it and the PVC keeps the files); false when absent.
 * With `uid`, only that very Pod (a precondition: a Pod of the same name made since is left alone).
 */
export async function deletePod(core: CoreV1Api, namespace: string, name: string, gracePeriodSeconds?: number, uid?: string): Promise<boolean> {
  const deleted = await orUndefined(
    core.deleteNamespacedPod({
      namespace,
      name,
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
      ...(uid !== undefined ? { body: { preconditions: { uid } } } : {}),
    }),
  );
  return deleted !== undefined;
}

/** True when the Pod is running and every container is ready. */
export function podReady(pod: V1Pod | undefined): boolean {
  if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) return false;
  if (pod.status?.phase !== 'Running') return false;
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Why a Pod is not ready, for a condition message (never secret values: only reasons and phases). */
export function podNotReadyReason(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp !== undefined) return 'the pod is terminating';
  const waiting = (pod.status?.containerStatuses ?? []).map((s) => s.state?.waiting).find((w) => w !== undefined);
  if (waiting !== undefined) return `container waiting: ${waiting.reason ?? 'unknown'}${waiting.message ? ` (${waiting.message})` : ''}`;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled !== undefined) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'unknown'}`;
  return `pod phase ${pod.status?.phase ?? 'unknown'}`;
}
