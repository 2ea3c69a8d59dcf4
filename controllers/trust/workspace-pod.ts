/**
 * Under cluster trust, a SyncSession's `pod://` endpoint is opened only when the Pod is, right now,
 * the Pod the Kubernetes provider made for the Workspace that owns the session (policy.ts admits
 * the addresses; this checks the Pod itself, when the session is opened and again before every exec
 * into it). A Pod is that Workspace W's when all of these hold:
 * - its labels are the provider's: managed-by=boulder, nexus.dev/workspace, nexus.dev/namespace and
 *   nexus.dev/uid of W, role `workspace`;
 * - it has a controller ownerReference to W's uid;
 * - its immutable spec is the provider's shape: the one volume is W's files claim (`nexus-<W>-files`,
 *   no host path, no service-account token, no other claim), and the main container runs boulder's
 *   keep-alive command. Labels and ownerReferences can be edited by anyone who may patch a Pod; the
 *   spec cannot, so relabelling a foreign Pod (a database, the controller's own) is not enough;
 * - the container named is one of its containers (not an ephemeral or init container).
 * W itself must exist with the uid the session's ownerReference names. A refusal is a TerminalError
 * `EndpointNotAllowed` naming the Pod and why. Exec has no precondition on a Pod's uid, so a Pod
 * replaced between the check and the exec is the one gap left (it needs the right to delete W's Pod
 * and create one of the same name).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { BoulderError } from '../../apis/errors.ts';
import { DEFAULT_NAMESPACE, GROUP } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { ClusterOptions } from '../providers/kubernetes/cluster.ts';
import { KEEP_ALIVE_COMMAND, MAIN_CONTAINER } from '../providers/kubernetes/manifests.ts';
import { kubeNames } from '../providers/kubernetes/names.ts';
import { TerminalError } from '../runtime/errors.ts';
import { parsePodAddress, type PodPath } from '../sync/kubernetes/address.ts';
import { controllingWorkspace } from './policy.ts';
import { ENDPOINT_NOT_ALLOWED, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAMESPACE_LABEL, ROLE_LABEL, UID_LABEL, WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** Reads a Pod; undefined when it does not exist. */
export type PodReader = (namespace: string, name: string) => Promise<V1Pod | undefined>;

/**
 * Why `pod` is not workspace `ws`'s Pod reached through `container` (see the module comment), or
 * undefined when it is (pure).
 */
export function workspacePodRefusal(pod: V1Pod, ws: Workspace, container: string): string | undefined {
  const namespace = ws.metadata.namespace ?? DEFAULT_NAMESPACE;
  const uid = ws.metadata.uid ?? '';
  const names = kubeNames({ name: ws.metadata.name, namespace, uid });
  const labels = pod.metadata?.labels ?? {};
  const wanted: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [WORKSPACE_LABEL]: ws.metadata.name,
    [NAMESPACE_LABEL]: namespace,
    [UID_LABEL]: uid,
    [ROLE_LABEL]: 'workspace',
  };
  const wrong = Object.keys(wanted).filter((key) => labels[key] !== wanted[key]);
  if (wrong.length > 0) return `it does not carry workspace ${ws.metadata.name}'s labels (${wrong.map((k) => `${k}=${wanted[k]}`).join(', ')})`;
  const owner = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (owner === undefined || owner.kind !== 'Workspace' || !owner.apiVersion.startsWith(`${GROUP}/`) || owner.uid !== uid) {
    return `it is not controlled by workspace ${ws.metadata.name} (uid ${uid})${owner !== undefined ? `: its controller is ${owner.kind} ${owner.name}` : ''}`;
  }
  const volumes = pod.spec?.volumes ?? [];
  const foreign = volumes.filter((v) => v.persistentVolumeClaim?.claimName !== names.pvc || Object.keys(v).filter((k) => k !== 'name' && k !== 'persistentVolumeClaim').length > 0);
  if (volumes.length !== 1 || foreign.length > 0) {
    return `its volumes are not the workspace's (only the claim ${names.pvc}): it has ${volumes.map((v) => v.name).join(', ') || 'none'}`;
  }
  const main = pod.spec?.containers.find((c) => c.name === MAIN_CONTAINER);
  if (main === undefined || JSON.stringify(main.command ?? []) !== JSON.stringify(KEEP_ALIVE_COMMAND)) {
    return `its ${MAIN_CONTAINER} container is not the one boulder creates (command differs)`;
  }
  if (!(pod.spec?.containers ?? []).some((c) => c.name === container)) return `it has no container ${container}`;
  return undefined;
}

/**
 * Throws TerminalError `EndpointNotAllowed` unless every `pod://` endpoint of `session` is the Pod of
 * `owner` (the Workspace controlling the session, as read from the store; undefined: none with the
 * uid the session names). A Pod that does not exist (yet) is let through here: nothing can be
 * reached in it, and `podGuard` checks again before every exec.
 */
export async function admitSessionPods(session: SyncSession, owner: Workspace | undefined, readPod: PodReader | undefined): Promise<void> {
  for (const side of ['alpha', 'beta'] as const) {
    const target = parsePodAddress(session.spec[side]);
    if (target === undefined) continue;
    await checkPod(session, owner, readPod, target, `spec.${side}: `);
  }
}

/**
 * A check to run before every exec into `target`: reads the owner (`lookupOwner`) and the Pod
 * again. A missing Pod fails the exec (transiently); a foreign one with `EndpointNotAllowed`.
 */
export function podGuard(session: SyncSession, lookupOwner: () => Promise<Workspace | undefined>, readPod: PodReader | undefined): (target: PodPath) => Promise<void> {
  return async (target) => {
    const pod = await checkPod(session, await lookupOwner(), readPod, target, '');
    if (pod === undefined) throw new BoulderError('Unavailable', `pod ${target.namespace}/${target.pod} does not exist`);
  };
}

async function checkPod(session: SyncSession, owner: Workspace | undefined, readPod: PodReader | undefined, target: PodPath, field: string): Promise<V1Pod | undefined> {
  const where = `${field}pod ${target.namespace}/${target.pod}`;
  const ref = controllingWorkspace(session);
  if (ref === undefined || owner === undefined || owner.metadata.uid !== ref.uid) {
    throw new TerminalError(ENDPOINT_NOT_ALLOWED, `${where} refused: the Workspace that owns this session (${ref === undefined ? 'none' : `${ref.name}, uid ${ref.uid}`}) does not exist`);
  }
  if (readPod === undefined) throw new TerminalError(ENDPOINT_NOT_ALLOWED, `${where} refused: this controller has no cluster to check the Pod in`);
  const pod = await readPod(target.namespace, target.pod);
  if (pod === undefined) return undefined;
  const why = workspacePodRefusal(pod, owner, target.container);
  if (why !== undefined) throw new TerminalError(ENDPOINT_NOT_ALLOWED, `${where} refused: it is not a Pod boulder created for workspace ${owner.metadata.name}: ${why}`);
  return pod;
}

/** A PodReader of the cluster `options` names (the client library is loaded on first use). */
export function clusterPodReader(options: ClusterOptions): PodReader {
  let core: Promise<{ read: PodReader }> | undefined;
  return async (namespace, name) => {
    core ??= Promise.all([import('../providers/kubernetes/cluster.ts'), import('../providers/kubernetes/objects.ts')]).then(([{ connectCluster }, { orUndefined }]) => {
      const api = connectCluster(options).core;
      return { read: (ns: string, pod: string) => orUndefined(api.readNamespacedPod({ namespace: ns, name: pod })) };
    });
    return (await core).read(namespace, name);
  };
}
