/**
 * Whose identity the controllers may lend to an object's inputs (pure; no I/O).
 *
 * - `local`: the objects come from the embedded store in the user's own state dir (0700), so the
 *   person who wrote them is the person running boulder. Their host files (`fromFile`, a repository
 *   path, a local sync endpoint), environment (`fromEnv`), Docker engine and the cluster their
 *   kubeconfig reaches are theirs to use — a daemon running a `backend: kubernetes` Pod with the
 *   user's own files is the user acting, not boulder.
 * - `cluster`: the objects come from a Kubernetes API (`boulder controller`, or any process whose
 *   store is a cluster). Whoever may create a Workspace or SyncSession in some namespace wrote them,
 *   and that is not the identity this process runs with (its service account, its files, its
 *   environment, its Docker engine). So nothing here may read or write this process's machine on an
 *   object's behalf, and everything an object reaches stays in the object's own namespace:
 *   `secretRef` (a Secret of the workspace's namespace, referenced by the Pod, never read by boulder)
 *   and `pod://` endpoints that are the Pod of the Workspace owning the session (admitSyncSession
 *   here; the Pod itself is checked when opened, workspace-pod.ts).
 *
 * A refusal is a TerminalError with a stable reason: a condition on the object, never a retry loop.
 */
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { DEFAULT_NAMESPACE, GROUP } from '../../apis/meta.ts';
import { TerminalError } from '../runtime/errors.ts';
import { addressScheme } from '../sync/address.ts';
import { parsePodAddress, type PodPath } from '../sync/kubernetes/address.ts';
import { kubeNames } from '../providers/kubernetes/names.ts';
import { backendOf } from '../../apis/defaulted.ts';
import { BACKEND_NOT_ALLOWED, ENDPOINT_NOT_ALLOWED, HOST_PATH_NOT_ALLOWED, SECRET_SOURCE_NOT_ALLOWED } from '../../apis/names/index.ts';

/** See the module comment. */
export type TrustMode = 'local' | 'cluster';

/** The trust of a process's controllers from where its objects are stored. */
export function trustForStore(storeKind: 'embedded' | 'kubernetes' | undefined): TrustMode {
  return storeKind === 'kubernetes' ? 'cluster' : 'local';
}

/** What the Workspace admission needs to know besides the object. */
export interface WorkspaceTrustContext {
  trust: TrustMode;
  /**
   * Namespace `backend: kubernetes` Pods are created in when it is not the workspace's own
   * (`boulder controller --target-namespace`, `backends.kubernetes.namespace`).
   */
  podNamespace?: string;
}

/** Backends whose runtime lives in the cluster (or nowhere), never on this process's machine. */
const CLUSTER_BACKENDS: ReadonlySet<string> = new Set(['kubernetes', 'mock']);

/** Where the only secret source that is right on a cluster is explained, once. */
const SECRET_REF_HINT = "on a cluster only secretRef works: a Secret in the workspace's own namespace, referenced by the Pod";

/**
 * Throws TerminalError when `ws` would make this process act with its own identity (see the module
 * comment); does nothing under local trust.
 */
export function admitWorkspace(ws: Workspace, context: WorkspaceTrustContext): void {
  if (context.trust === 'local') return;
  const namespace = ws.metadata.namespace ?? DEFAULT_NAMESPACE;
  const backend = backendOf(ws);
  if (!CLUSTER_BACKENDS.has(backend)) {
    throw new TerminalError(
      BACKEND_NOT_ALLOWED,
      `spec.backend: ${backend} workspaces are not run for a cluster's Workspaces: they would run on the machine of this controller, with its ${backend === 'docker' ? 'Docker engine and files' : 'credentials'}; use backend kubernetes, or the embedded store (boulder apply without --kubeconfig) on your own machine`,
    );
  }
  (ws.spec.secrets ?? []).forEach((ref, i) => {
    const field = `spec.secrets[${i}] (${ref.name})`;
    if (ref.fromFile !== undefined) {
      throw new TerminalError(SECRET_SOURCE_NOT_ALLOWED, `${field}: fromFile reads a file of the controller, not yours, and is refused for a cluster's Workspaces; ${SECRET_REF_HINT}`);
    }
    if (ref.fromEnv !== undefined) {
      throw new TerminalError(SECRET_SOURCE_NOT_ALLOWED, `${field}: fromEnv reads the controller's environment, not yours, and is refused for a cluster's Workspaces; ${SECRET_REF_HINT}`);
    }
    if (ref.secretRef !== undefined && backend === 'kubernetes' && context.podNamespace !== undefined && context.podNamespace !== namespace) {
      throw new TerminalError(
        SECRET_SOURCE_NOT_ALLOWED,
        `${field}: secretRef needs the Pod in the workspace's namespace ${namespace}, but this controller creates Pods in ${context.podNamespace} (--target-namespace), where the Secret would be another namespace's`,
      );
    }
  });
  if (ws.spec.repository !== undefined) {
    throw new TerminalError(
      HOST_PATH_NOT_ALLOWED,
      `spec.repository: ${JSON.stringify(ws.spec.repository.path)} is a path on the controller's machine, not yours, and is refused for a cluster's Workspaces (no worktree is created or synced there); put the files in the image, or use the embedded store on your own machine`,
    );
  }
}

/**
 * Throws TerminalError unless `session` may be opened under cluster trust, as far as its spec and
 * metadata tell (the Pods themselves are checked when the endpoints are opened: workspace-pod.ts):
 * - both endpoints are `pod://<session namespace>/…` (a local path, `docker://` or `volume://` is
 *   this process's machine, and another namespace's Pod is someone else's);
 * - the session is controlled (ownerReference) by a Workspace W of its namespace, and both endpoints
 *   name W's Pod (`nexus-<W>`). So a session only ever moves files inside one workspace's Pod:
 *   never out of another Pod of the namespace (a database, the controller's own) and never from one
 *   workspace into another's (two users of one namespace). The ownerReference is not a credential
 *   (whoever creates the session writes it); it pins the session to W's uid, so it dies with W and
 *   never reaches a later workspace of the same name.
 */
export function admitSyncSession(session: SyncSession, trust: TrustMode): void {
  if (trust === 'local') return;
  const namespace = session.metadata.namespace ?? DEFAULT_NAMESPACE;
  const pods: { side: 'alpha' | 'beta'; pod: string }[] = [];
  for (const side of ['alpha', 'beta'] as const) {
    const address = session.spec[side];
    let parsed: PodPath | undefined;
    try {
      parsed = parsePodAddress(address);
    } catch (err) {
      throw new TerminalError(ENDPOINT_NOT_ALLOWED, `spec.${side}: ${(err as Error).message}`);
    }
    if (parsed !== undefined) {
      if (parsed.namespace === namespace) {
        pods.push({ side, pod: parsed.pod });
        continue;
      }
      throw new TerminalError(
        ENDPOINT_NOT_ALLOWED,
        `spec.${side}: ${JSON.stringify(address)} is a Pod in namespace ${parsed.namespace}; a SyncSession in ${namespace} may only reach Pods of its own namespace`,
      );
    }
    const scheme = addressScheme(address);
    const where = scheme === undefined ? 'a path on the controller\'s machine' : `a ${scheme}:// endpoint, reached with the controller's own ${scheme === 'docker' || scheme === 'volume' ? 'Docker engine' : 'credentials'}`;
    throw new TerminalError(
      ENDPOINT_NOT_ALLOWED,
      `spec.${side}: ${JSON.stringify(address)} is ${where}, refused for a cluster's SyncSessions; only pod://${namespace}/<pod>/<container>/<path> endpoints are allowed there`,
    );
  }
  const owner = controllingWorkspace(session);
  for (const { side, pod } of pods) {
    if (owner === undefined) {
      throw new TerminalError(
        ENDPOINT_NOT_ALLOWED,
        `spec.${side}: pod ${namespace}/${pod} refused: a cluster's SyncSession may only reach the Pod of the Workspace that owns it (metadata.ownerReferences: a controller reference to a Workspace of ${namespace}), and this session has none`,
      );
    }
    const expected = workspacePodName(owner.name, namespace);
    if (pod !== expected) {
      throw new TerminalError(
        ENDPOINT_NOT_ALLOWED,
        `spec.${side}: pod ${namespace}/${pod} refused: it is not the Pod of workspace ${owner.name} (${expected}), which owns this session; a cluster's SyncSession may only reach its own workspace's Pod`,
      );
    }
  }
}

/** The Workspace controlling `session` (its controller ownerReference), if any. */
export function controllingWorkspace(session: SyncSession): { name: string; uid: string } | undefined {
  const ref = (session.metadata.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'Workspace' && r.apiVersion.startsWith(`${GROUP}/`));
  return ref === undefined ? undefined : { name: ref.name, uid: ref.uid };
}

/** Name of the Pod the Kubernetes provider creates for workspace `name` in its own namespace. */
export function workspacePodName(name: string, namespace: string): string {
  return kubeNames({ name, namespace, uid: '' }).pod;
}
