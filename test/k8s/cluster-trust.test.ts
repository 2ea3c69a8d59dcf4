/**
 * Cluster mode never lends the controller's identity (issue 11, item 3), on the real test control
 * plane. The controllers run in this process as a ServiceAccount `boulder` of the suite's namespace,
 * bound to the ClusterRole of manifests/rbac/cluster-role.yaml (a copy under this suite's own name,
 * since other suites install and delete the original) — so every call they make is checked against
 * the shrunk role, as in-cluster:
 * - `secrets[].fromFile: <the service-account token>` and `fromEnv` are refused with a condition
 *   (SecretSourceNotAllowed), no Pod is created and nothing of the controller's reaches the status;
 * - a SyncSession reaching another namespace's Pod, or a path on the controller's machine, is refused
 *   (phase Error, EndpointNotAllowed);
 * - `secretRef` delivers a Secret of the workspace's namespace into the Pod as
 *   env[].valueFrom.secretKeyRef (the kubelet resolves it; the controller has no right to read
 *   Secrets at all), and the Pod mounts no service-account token;
 * - a `secretRef` naming a Secret that exists only in another namespace does not leak it: the Pod can
 *   only name a Secret of its own namespace, and nothing in the workspace's namespace holds the value;
 * - a SyncSession reaches only the Pod boulder made for the Workspace owning it: aimed at another
 *   Pod of its namespace (a database), or at a foreign Pod relabelled and re-owned as a workspace's,
 *   it is refused (EndpointNotAllowed) and no exec reaches the Pod (kwok runs execs in a directory
 *   here, whose files stay as they were);
 * - a Workspace whose Pod, Service or PVC name is held by a foreign object leaves it untouched and
 *   reports ObjectNotOwned;
 * - `kubectl auth can-i --list` of the ServiceAccount equals test/k8s/fixtures/controller-can-i.txt.
 * kwok plays the kubelet: it does not run containers or resolve env, so the value the container sees
 * is asserted on the Pod spec only (an exec through kwok runs on this machine, not in the Pod).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';
import { diffSnapshots, snapshotTree, type TreeSnapshot } from '../hostile/tree-snapshot.ts';
import { kwokExecManifest, startExecPod } from './pod-sync-support.ts';
import { REPO_ROOT, dropNamespace, eventually, freshNamespace, installCrds, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';

const ALLOWLIST = join(REPO_ROOT, 'test', 'k8s', 'fixtures', 'controller-can-i.txt');

let cluster: ClusterEnv;
let controllers: ClusterControllers | undefined;
let namespace: string;
let other: string;
let roleName: string;
let dir: string;

/** The ClusterRole of manifests/rbac under `name`, bound to ServiceAccount `boulder` of `ns`. */
async function installRole(ns: string, name: string): Promise<void> {
  const role = parse(readFileSync(join(REPO_ROOT, 'manifests', 'rbac', 'cluster-role.yaml'), 'utf8')) as { metadata: { name: string } };
  role.metadata.name = name;
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: 'boulder', namespace: ns }],
  };
  await kubectlOk(cluster, ['-n', ns, 'create', 'serviceaccount', 'boulder']);
  await kubectlOk(cluster, ['apply', '-f', '-'], { input: `${stringify(role)}---\n${stringify(binding)}` });
}

/** A kubeconfig of the test cluster that authenticates as ServiceAccount `boulder` of `ns`. */
async function serviceAccountKubeconfig(ns: string): Promise<string> {
  const token = (await kubectlOk(cluster, ['-n', ns, 'create', 'token', 'boulder', '--duration=1h'])).trim();
  const config = parse(readFileSync(cluster.kubeconfig, 'utf8')) as {
    'current-context': string;
    contexts: { name: string; context: { user: string } }[];
    users: { name: string; user: Record<string, unknown> }[];
  };
  const context = config.contexts.find((c) => c.name === config['current-context']) ?? config.contexts[0]!;
  context.context.user = 'boulder-sa';
  config.users = [{ name: 'boulder-sa', user: { token } }];
  const path = join(dir, 'sa.kubeconfig');
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  dir = mkdtempSync(join(tmpdir(), 'boulder-trust-'));
  namespace = await freshNamespace(cluster, 'trust');
  other = await freshNamespace(cluster, 'trust-other');
  roleName = `boulder-controller-${namespace}`;
  await installRole(namespace, roleName);
  controllers = await startClusterControllers(await serviceAccountKubeconfig(namespace), { namespace });
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  if (cluster !== undefined) {
    if (roleName !== undefined) {
      await kubectl(cluster, ['delete', 'clusterrolebinding', roleName, '--ignore-not-found', '--wait=false']);
      await kubectl(cluster, ['delete', 'clusterrole', roleName, '--ignore-not-found', '--wait=false']);
    }
    for (const ns of [namespace, other]) if (ns !== undefined) await dropNamespace(cluster, ns);
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

async function objectJson<T>(kind: string, name: string, ns = namespace): Promise<T> {
  return JSON.parse(await kubectlOk(cluster, ['-n', ns, 'get', kind, name, '-o', 'json'])) as T;
}

/** Waits for the object's Ready condition to have `reason`; returns the object. */
async function readyWithReason<T extends { status?: { phase?: string; conditions?: Condition[] } }>(kind: string, name: string, reason: string): Promise<{ object: T; ready: Condition }> {
  return eventually(`${kind}/${name} Ready reason ${reason}`, async () => {
    const object = await objectJson<T>(kind, name);
    const ready = object.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.reason === reason ? { object, ready } : undefined;
  }, 30_000);
}

async function names(kind: string, ns = namespace): Promise<string[]> {
  return (await kubectlOk(cluster, ['-n', ns, 'get', kind, '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
}

const workspace = (name: string, extra: string): string => `
apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${name}
spec:
  backend: kubernetes
  image: busybox:1.37
${extra}`;

describe('cluster mode: the controller lends no identity', () => {
  it('a Workspace with fromFile: <the service-account token> is refused with a clear condition; no Pod, nothing leaked', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input: workspace('thief', '  secrets:\n    - name: STOLEN\n      fromFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n'),
    });
    const { object, ready } = await readyWithReason<{ status?: { phase?: string; conditions?: Condition[] } }>('workspace', 'thief', 'SecretSourceNotAllowed');
    expect(ready.status).toBe('False');
    expect(ready.message).toBe(
      "spec.secrets[0] (STOLEN): fromFile reads a file of the controller, not yours, and is refused for a cluster's Workspaces; on a cluster only secretRef works: a Secret in the workspace's own namespace, referenced by the Pod",
    );
    expect(object.status?.conditions?.find((c) => c.type === 'ContainerReady')).toMatchObject({ status: 'False', reason: 'SecretSourceNotAllowed' });
    expect(await names('pods')).not.toContain('nexus-thief');
    expect((await names('secrets')).filter((n) => n.startsWith('nexus-'))).toEqual([]);
    // Terminal: no retry loop rewrites the status.
    const rv = (await objectJson<{ metadata: { resourceVersion: string } }>('workspace', 'thief')).metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await objectJson<{ metadata: { resourceVersion: string } }>('workspace', 'thief')).metadata.resourceVersion).toBe(rv);
  }, 60_000);

  it('fromEnv is refused the same way (the controller\'s environment is not the user\'s)', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('env-thief', '  secrets:\n    - name: HOST\n      fromEnv: KUBERNETES_SERVICE_HOST\n') });
    const { ready } = await readyWithReason('workspace', 'env-thief', 'SecretSourceNotAllowed');
    expect(ready.message).toContain("fromEnv reads the controller's environment");
    expect(await names('pods')).not.toContain('nexus-env-thief');
  }, 60_000);

  it('secretRef delivers a Secret of the workspace\'s namespace into the Pod by reference; no token is mounted', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'create', 'secret', 'generic', 'api-token', '--from-literal=token=same-namespace-value']);
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('ref', '  secrets:\n    - name: API_TOKEN\n      secretRef:\n        name: api-token\n        key: token\n') });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/ref', '--timeout=60s'], { timeoutMs: 70_000 });
    const pod = await objectJson<{ spec: { automountServiceAccountToken?: boolean; containers: { name: string; env?: unknown[]; envFrom?: unknown[] }[]; volumes?: { name: string }[] } }>('pod', 'nexus-ref');
    const main = pod.spec.containers.find((c) => c.name === 'workspace')!;
    expect(main.env).toContainEqual({ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } });
    expect(main.envFrom).toBeUndefined();
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect((pod.spec.volumes ?? []).map((v) => v.name)).toEqual(['files']);
    // boulder made no Secret of its own and wrote the value nowhere.
    expect(await names('secrets')).toEqual(['api-token']);
    const everything = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspaces,syncsessions,portbindings,pods,services,persistentvolumeclaims', '-o', 'json']);
    expect(everything).not.toContain('same-namespace-value');
    expect(everything).not.toContain(Buffer.from('same-namespace-value').toString('base64'));
  }, 90_000);

  it('a secretRef to a Secret that exists only in another namespace does not leak it', async () => {
    await kubectlOk(cluster, ['-n', other, 'create', 'secret', 'generic', 'elsewhere', '--from-literal=token=other-namespace-value']);
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('cross', '  secrets:\n    - name: STOLEN\n      secretRef:\n        name: elsewhere\n        key: token\n') });
    const pod = await eventually('pod nexus-cross', async () => {
      const got = await kubectl(cluster, ['-n', namespace, 'get', 'pod', 'nexus-cross', '-o', 'json']);
      return got.code === 0 ? (JSON.parse(got.stdout) as { metadata: { namespace: string }; spec: { containers: { name: string; env?: { name: string; valueFrom?: { secretKeyRef?: Record<string, unknown> } }[] }[] } }) : undefined;
    }, 60_000);
    // The reference can only mean a Secret of the Pod's own namespace (secretKeyRef has no namespace),
    // where none by that name exists: a kubelet refuses to start the container (kwok does not check).
    expect(pod.metadata.namespace).toBe(namespace);
    const ref = pod.spec.containers.find((c) => c.name === 'workspace')!.env!.find((e) => e.name === 'STOLEN')!.valueFrom!.secretKeyRef;
    expect(ref).toEqual({ name: 'elsewhere', key: 'token' });
    expect(await names('secrets')).not.toContain('elsewhere');
    const everything = await kubectlOk(cluster, ['-n', namespace, 'get', 'all,secrets,workspaces,syncsessions,portbindings', '-o', 'json']);
    expect(everything).not.toContain('other-namespace-value');
    expect(everything).not.toContain(Buffer.from('other-namespace-value').toString('base64'));
    // And the controller could not have read it: its role has no right on Secrets anywhere.
    const canGet = await kubectl(cluster, ['auth', 'can-i', 'get', 'secrets', '-n', other, `--as=system:serviceaccount:${namespace}:boulder`]);
    expect(canGet.stdout.trim()).toBe('no');
  }, 90_000);

  it.each([
    ['another namespace\'s Pod', () => `pod://${namespace}/nexus-ref/workspace/workspace`, () => `pod://${other}/victim/main/etc`, () => `is a Pod in namespace ${other}; a SyncSession in ${namespace} may only reach Pods of its own namespace`],
    ['a path on the controller\'s machine', () => '/var/run/secrets/kubernetes.io/serviceaccount', () => `pod://${namespace}/nexus-ref/workspace/workspace`, () => "is a path on the controller's machine"],
  ])('a SyncSession reaching %s is refused (phase Error, EndpointNotAllowed)', async (what, alpha, beta, message) => {
    const name = what.startsWith('another') ? 'cross-ns' : 'local-path';
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input: `apiVersion: nexus.dev/v1alpha1\nkind: SyncSession\nmetadata:\n  name: ${name}\nspec:\n  alpha: ${JSON.stringify(alpha())}\n  beta: ${JSON.stringify(beta())}\n`,
    });
    const { object, ready } = await readyWithReason<{ status?: { phase?: string; conditions?: Condition[] } }>('syncsession', name, 'EndpointNotAllowed');
    expect(object.status?.phase).toBe('Error');
    expect(ready.status).toBe('False');
    expect(ready.message).toContain(message());
  }, 60_000);

  it('kubectl auth can-i --list of the controller\'s ServiceAccount equals the committed allowlist', async () => {
    const listed = await kubectlOk(cluster, ['auth', 'can-i', '--list', '-n', namespace, `--as=system:serviceaccount:${namespace}:boulder`]);
    const normalized = normalizeCanI(listed);
    if (process.env['BOULDER_UPDATE_ALLOWLIST'] === '1') writeFileSync(ALLOWLIST, normalized);
    expect(normalized).toBe(readFileSync(ALLOWLIST, 'utf8'));
  }, 30_000);
});

/** A SyncSession owned by Workspace `owner` (when given, with its uid), between `alpha` and `beta`. */
async function applySession(name: string, alpha: string, beta: string, owner?: string): Promise<void> {
  const uid = owner === undefined ? undefined : (await objectJson<{ metadata: { uid: string } }>('workspace', owner)).metadata.uid;
  const ownerReferences = uid === undefined ? '' : `  ownerReferences:\n    - {apiVersion: nexus.dev/v1alpha1, kind: Workspace, name: ${owner}, uid: ${uid}, controller: true}\n`;
  await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
    input: `apiVersion: nexus.dev/v1alpha1\nkind: SyncSession\nmetadata:\n  name: ${name}\n${ownerReferences}spec:\n  alpha: ${JSON.stringify(alpha)}\n  beta: ${JSON.stringify(beta)}\n`,
  });
}

describe('cluster mode: a SyncSession reaches only its own workspace\'s Pod', () => {
  let victim: string;
  let loot: string;
  let before: TreeSnapshot;

  beforeAll(async () => {
    // The "database" Pod's files and the attacker's workspace folder: kwok runs an exec into either
    // Pod here, in these directories, so a sync that ran would show in them.
    victim = join(dir, 'victim');
    loot = join(dir, 'loot');
    mkdirSync(victim);
    mkdirSync(loot);
    writeFileSync(join(victim, 'password.txt'), 'db-password');
    before = snapshotTree(victim);
    await startExecPod(cluster, namespace, 'postgres-0', victim);
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: kwokExecManifest(namespace, 'nexus-attacker', loot) });
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('attacker', '') });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/attacker', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 120_000);

  /** The victim's files are as they were and nothing reached the attacker's folder. */
  async function nothingCopied(): Promise<void> {
    await new Promise((r) => setTimeout(r, 2000));
    expect(diffSnapshots(before, snapshotTree(victim))).toEqual([]);
    expect(readdirSync(loot)).toEqual([]);
  }

  it.each([
    ['owned by a Workspace, reaching another Pod of the namespace', 'steal', 'attacker', () => `spec.alpha: pod ${namespace}/postgres-0 refused: it is not the Pod of workspace attacker (nexus-attacker), which owns this session`],
    ['owned by nothing, reaching another Pod of the namespace', 'steal-unowned', undefined, () => `spec.alpha: pod ${namespace}/postgres-0 refused: a cluster's SyncSession may only reach the Pod of the Workspace that owns it`],
  ])('a SyncSession %s is refused (EndpointNotAllowed); the Pod\'s files are untouched', async (_what, name, owner, message) => {
    await applySession(name, `pod://${namespace}/postgres-0/main${victim}`, `pod://${namespace}/nexus-attacker/workspace${loot}`, owner);
    const { object, ready } = await readyWithReason<{ status?: { phase?: string } }>('syncsession', name, 'EndpointNotAllowed');
    expect(object.status?.phase).toBe('Error');
    expect(ready.message).toContain(message());
    await nothingCopied();
  }, 60_000);

  it('a foreign Pod under a workspace Pod\'s name, relabelled and re-owned as the workspace\'s, is refused when the session opens', async () => {
    // Workspace `ghost` never gets a Pod of its own (refused by the policy); a Pod of its Pod's name
    // carries its labels, a controller ownerReference to it (as anyone who may patch a Pod can) and
    // even its claim: only its immutable spec (not boulder's keep-alive) tells it apart.
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('ghost', '  secrets:\n    - name: X\n      fromEnv: HOME\n') });
    await readyWithReason('workspace', 'ghost', 'SecretSourceNotAllowed');
    const uid = (await objectJson<{ metadata: { uid: string } }>('workspace', 'ghost')).metadata.uid;
    const forged = `
apiVersion: v1
kind: Pod
metadata:
  name: nexus-ghost
  namespace: ${namespace}
  labels: {app.kubernetes.io/managed-by: boulder, nexus.dev/workspace: ghost, nexus.dev/namespace: ${namespace}, nexus.dev/uid: ${uid}, nexus.dev/role: workspace}
  ownerReferences: [{apiVersion: nexus.dev/v1alpha1, kind: Workspace, name: ghost, uid: ${uid}, controller: true}]
spec:
  terminationGracePeriodSeconds: 0
  automountServiceAccountToken: false
  containers: [{name: workspace, image: postgres:16, volumeMounts: [{name: files, mountPath: /var/lib/postgresql}]}]
  volumes: [{name: files, persistentVolumeClaim: {claimName: nexus-ghost-files}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: nexus-ghost-files, namespace: ${namespace}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: `${kwokExecManifest(namespace, 'nexus-ghost', victim)}\n---\n${forged}` });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'pod/nexus-ghost', '--timeout=60s']);
    await applySession('ghost-steal', `pod://${namespace}/nexus-ghost/workspace${victim}`, `pod://${namespace}/nexus-ghost/workspace${loot}`, 'ghost');
    const { ready } = await readyWithReason('syncsession', 'ghost-steal', 'EndpointNotAllowed');
    expect(ready.message).toBe(
      `spec.alpha: pod ${namespace}/nexus-ghost refused: it is not a Pod boulder created for workspace ghost: its workspace container is not the one boulder creates (command differs)`,
    );
    await nothingCopied();
  }, 90_000);
});

describe('cluster mode: a Workspace never takes over an object of its objects\' names', () => {
  interface Meta {
    metadata: { uid: string; resourceVersion: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  }

  it.each([
    ['pod', 'squat-pod', 'nexus-squat-pod', () => ({ input: `apiVersion: v1\nkind: Pod\nmetadata: {name: nexus-squat-pod, namespace: ${namespace}}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: main, image: busybox:1.37}]\n` }), ''],
    ['service', 'squat-svc', 'nexus-squat-svc', () => ({ input: `apiVersion: v1\nkind: Service\nmetadata: {name: nexus-squat-svc, namespace: ${namespace}}\nspec:\n  ports: [{port: 5432}]\n` }), '  ports:\n    http:\n      containerPort: 8080\n'],
    ['persistentvolumeclaim', 'squat-pvc', 'nexus-squat-pvc-files', () => ({ input: `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: nexus-squat-pvc-files, namespace: ${namespace}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n` }), ''],
  ])('a foreign %s holding the name is left untouched and reported (ObjectNotOwned)', async (kind, ws, objectName, manifest, extra) => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], manifest());
    const before = await objectJson<Meta>(kind, objectName);
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace(ws, extra) });
    const { ready } = await readyWithReason('workspace', ws, 'ObjectNotOwned');
    expect(ready.status).toBe('False');
    expect(ready.message).toBe(
      `${kind}/${objectName} exists and is not owned by workspace ${ws}: it does not carry boulder's labels for workspace ${namespace}/${ws}; boulder leaves it untouched (remove or rename it, or rename the workspace)`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after = await objectJson<Meta>(kind, objectName);
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    // Nothing else of the workspace was made next to it either (the check precedes every write).
    const made = await kubectlOk(cluster, ['-n', namespace, 'get', 'pods,services,persistentvolumeclaims', '-l', `nexus.dev/workspace=${ws}`, '-o', 'name']);
    expect(made.trim()).toBe('');
  }, 60_000);
});

/**
 * The rules of `kubectl auth can-i --list` one per line, columns separated by one space and
 * sorted, preceded by a comment: stable across runs and namespaces (the role is cluster-wide).
 */
function normalizeCanI(text: string): string {
  const [header, ...rows] = text.trim().split('\n');
  const line = (row: string): string => row.trim().split(/\s{2,}/).join(' ');
  return [
    '# `kubectl auth can-i --list --as=system:serviceaccount:<ns>:boulder` with manifests/rbac/cluster-role.yaml bound (test/k8s/cluster-trust.test.ts).',
    '# Regenerate with BOULDER_UPDATE_ALLOWLIST=1 and review the difference: every new line is a new right of the controller.',
    line(header ?? ''),
    ...rows.map(line).sort(),
    '',
  ].join('\n');
}
