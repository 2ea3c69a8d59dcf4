/**
 * The Kubernetes objects of a workspace as pure functions of its DesiredRuntime:
 * - a Pod `nexus-<name>`: the main container (image, env, resolved secrets through `envFrom`,
 *   `secretRef` secrets as `env[].valueFrom.secretKeyRef` naming the user's Secret, requests =
 *   limits from cpus/memoryBytes, a keep-alive command, the PVC at the workspace folder — the
 *   desired workdir, `spec.workspaceFolder`, default /workspace) and one sidecar per
 *   service container. Sidecars share the Pod's network, so the workspace reaches a service on
 *   `localhost:<port>` (not by the service's name, as on Docker). No service-account token is
 *   mounted (`automountServiceAccountToken: false`): a workspace never acts with a cluster identity;
 * - a Secret `nexus-<name>-secrets` with the resolved secret values (never in status or labels);
 * - a Service `nexus-<name>` exposing every container port of the Pod;
 * - a PersistentVolumeClaim `nexus-<name>-files` for /workspace and services' named volumes.
 * The Pod carries a hash of its configuration in an annotation; a different hash means recreate.
 */
import { createHash } from 'node:crypto';
import type { V1Container, V1OwnerReference, V1PersistentVolumeClaim, V1Pod, V1Secret, V1Service, V1VolumeMount } from '@kubernetes/client-node';
import { TerminalError } from '../../runtime/errors.ts';
import type { DesiredRuntime, DesiredService, RuntimeTarget } from '../types.ts';
import type { KubeNames } from './names.ts';
import { CONFIG_HASH_KEY, INVALID_SPEC, ROLE_LABEL } from '../../../apis/names/index.ts';
import { API_VERSION } from '../../../apis/meta.ts';

/** Name of the main container in the Pod. */
export const MAIN_CONTAINER = 'workspace';
/** Name of the Pod volume backed by the PVC. */
const FILES_VOLUME = 'files';
/** Where the PVC is mounted in the main container when the desired runtime names no workdir. */
export const FILES_MOUNT = '/workspace';

/**
 * Version of the Pod layout: bumping it recreates every Pod on the next ensure.
 */
export const POD_SPEC_VERSION = 1;

/** Keeps the main container alive whatever the image's default command; exits at once on SIGTERM. */
export const KEEP_ALIVE_COMMAND = ['sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

/** Grace period of the workspace Pod: the keep-alive exits on SIGTERM, so this is only an upper bound. */
export const TERMINATION_GRACE_SECONDS = 10;

/** Default size requested for the files PVC. */
export const DEFAULT_FILES_SIZE = '10Gi';

/** How the objects are built besides the desired runtime. */
export interface ManifestOptions {
  /** Owner reference to the Workspace, when it lives in the same cluster and namespace. */
  owner?: V1OwnerReference;
  /** StorageClass of the PVC; default: the cluster's default class. */
  storageClassName?: string;
  /** Size requested for the PVC; default 10Gi. */
  filesSize?: string;
}

/** The owner reference of a Workspace (controller, so `kubectl get` shows who owns an object). */
export function workspaceOwnerReference(target: RuntimeTarget): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: 'Workspace', name: target.name, uid: target.uid, controller: true, blockOwnerDeletion: true };
}

/** Common metadata of every object. */
function meta(name: string, names: KubeNames, desired: DesiredRuntime, role: string, options: ManifestOptions): V1Pod['metadata'] {
  return {
    name,
    namespace: names.namespace,
    labels: { ...desired.labels, [ROLE_LABEL]: role },
    ...(options.owner !== undefined ? { ownerReferences: [options.owner] } : {}),
  };
}

/** The Secret with the resolved secret environment; undefined when there is none. */
export function secretManifest(desired: DesiredRuntime, names: KubeNames, options: ManifestOptions = {}): V1Secret | undefined {
  if (Object.keys(desired.secretEnv).length === 0) return undefined;
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(names.secret, names, desired, 'secrets', options), type: 'Opaque', stringData: { ...desired.secretEnv } };
}

/** The PVC holding /workspace (and services' named volumes). */
export function pvcManifest(desired: DesiredRuntime, names: KubeNames, options: ManifestOptions = {}): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(names.pvc, names, desired, 'files', options),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: options.filesSize ?? DEFAULT_FILES_SIZE } },
      ...(options.storageClassName !== undefined ? { storageClassName: options.storageClassName } : {}),
    },
  };
}

/** Every container port of the Pod (main and services), sorted and without duplicates. */
export function podPorts(desired: DesiredRuntime): number[] {
  const ports = new Set([...desired.containerPorts, ...desired.services.flatMap((s) => s.containerPorts)]);
  return [...ports].sort((a, b) => a - b);
}

/** The Service exposing the Pod's ports; undefined when the Pod has none. */
export function serviceManifest(desired: DesiredRuntime, names: KubeNames, options: ManifestOptions = {}): V1Service | undefined {
  const ports = podPorts(desired);
  if (ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.pod, names, desired, 'workspace', options),
    spec: {
      type: 'ClusterIP',
      selector: { ...desired.labels, [ROLE_LABEL]: 'workspace' },
      ports: ports.map((port) => ({ name: `p${port}`, port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

/** The workspace Pod, with its configuration hash annotation. */
export function podManifest(desired: DesiredRuntime, names: KubeNames, options: ManifestOptions = {}): V1Pod {
  if (desired.imageSource.kind === 'build') {
    throw new TerminalError(INVALID_SPEC, 'spec.build is not supported by the kubernetes backend: build and push the image, then name it in spec.image');
  }
  const main: V1Container = {
    name: MAIN_CONTAINER,
    image: desired.imageSource.ref,
    command: KEEP_ALIVE_COMMAND,
    workingDir: desired.workdir,
    env: [
      ...Object.entries(desired.env).map(([name, value]) => ({ name, value })),
      // By reference: the kubelet reads the Secret in the Pod's namespace (a secretKeyRef cannot
      // name another), boulder never does. Listed after env, so a secret wins over a same-named variable.
      ...(desired.secretRefs ?? []).map((ref) => ({ name: ref.env, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
    ],
    ...(Object.keys(desired.secretEnv).length > 0 ? { envFrom: [{ secretRef: { name: names.secret } }] } : {}),
    ports: desired.containerPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
    volumeMounts: [{ name: FILES_VOLUME, mountPath: desired.workdir === '' ? FILES_MOUNT : desired.workdir }],
    ...resources(desired),
  };
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(names.pod, names, desired, 'workspace', options),
    spec: {
      containers: [main, ...desired.services.map((s) => serviceContainer(s))],
      volumes: [{ name: FILES_VOLUME, persistentVolumeClaim: { claimName: names.pvc } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    },
  };
  pod.metadata!.annotations = { [CONFIG_HASH_KEY]: podConfigHash(desired, names) };
  return pod;
}

/** A service as a sidecar: named volumes `vol:/path` become sub-directories of the files PVC. */
function serviceContainer(service: DesiredService): V1Container {
  return {
    name: `svc-${service.name}`,
    image: service.image,
    ...(service.command.length > 0 ? { command: service.command } : {}),
    env: Object.entries(service.env).map(([name, value]) => ({ name, value })),
    ports: service.containerPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
    volumeMounts: service.volumes.map((spec) => serviceVolumeMount(service.name, spec)),
  };
}

/** `name:/path` → a sub-path of the PVC; host paths have no meaning on a cluster. */
export function serviceVolumeMount(service: string, spec: string): V1VolumeMount {
  const colon = spec.indexOf(':');
  const source = colon < 0 ? '' : spec.slice(0, colon);
  const target = colon < 0 ? spec : spec.slice(colon + 1).split(':')[0]!;
  if (source === '' || source.startsWith('/') || source.startsWith('.') || !target.startsWith('/')) {
    throw new TerminalError(INVALID_SPEC, `service ${service}: volume "${spec}" is not supported by the kubernetes backend (only named volumes "name:/path")`);
  }
  return { name: FILES_VOLUME, mountPath: target, subPath: `.services/${service}/${source}` };
}

/** requests = limits from cpus and memoryBytes; nothing when unlimited. */
function resources(desired: DesiredRuntime): Pick<V1Container, 'resources'> {
  const quantities: Record<string, string> = {};
  if (desired.cpus !== undefined) quantities['cpu'] = `${Math.round(desired.cpus * 1000)}m`;
  if (desired.memoryBytes !== undefined) quantities['memory'] = memoryQuantity(desired.memoryBytes);
  if (Object.keys(quantities).length === 0) return {};
  return { resources: { requests: { ...quantities }, limits: { ...quantities } } };
}

/** Bytes as a Kubernetes quantity: `4Gi`, `256Mi` or plain bytes. */
export function memoryQuantity(bytes: number): string {
  for (const [suffix, unit] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(Math.round(bytes));
}

/**
 * sha256 of exactly what the Pod is created from (secret values included as input only, so a
 * changed secret restarts the Pod; they never appear in the annotation).
 */
export function podConfigHash(desired: DesiredRuntime, names: KubeNames): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: POD_SPEC_VERSION,
        image: desired.image,
        env: sorted(desired.env),
        secretEnv: sorted(desired.secretEnv),
        ...(desired.secretRefs !== undefined ? { secretRefs: desired.secretRefs.map((r) => [r.env, r.secret, r.key]) } : {}),
        workdir: desired.workdir,
        cpus: desired.cpus ?? null,
        memoryBytes: desired.memoryBytes ?? null,
        ports: [...desired.containerPorts].sort((a, b) => a - b),
        services: desired.services.map((s) => [s.name, s.image, sorted(s.env), s.command, s.containerPorts, s.volumes]),
        labels: sorted(desired.labels),
        names,
      }),
    )
    .digest('hex');
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
