/**
 * The test control plane seen from TypeScript, free of vitest (global setup, the harness and
 * benchmarks share it): start and stop it with test/k8s/env/up.sh and down.sh, read the facts
 * up.sh records, install the CRDs, wait until kube-controller-manager's garbage collector knows
 * boulder's kinds, run kubectl, make namespaces, and discard the API server's watch history.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openKubeConnection, type KubeConnection } from '../../apis/client/kubernetes/kube-connection.ts';
import { openKubernetesClient, type KubernetesResourceClient } from '../../apis/client/kubernetes/kubernetes-client.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { KINDS, type KindName } from '../../apis/kinds.ts';
import { API_VERSION, type KubeObject } from '../../apis/meta.ts';

/** Repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Directory of up.sh, down.sh and friends. */
export const ENV_SCRIPTS = join(REPO_ROOT, 'test', 'k8s', 'env');
/** The generated CRDs. */
export const CRD_DIR = join(REPO_ROOT, 'manifests', 'crds');

/** What the Kubernetes test suites get from global setup (vitest `inject('k8s')`). */
export interface K8sTestEnv {
  /** Path of the admin kubeconfig. */
  kubeconfig: string;
  /** API server URL. */
  server: string;
  /** The kubectl built with the control plane (the right version; Debian's is far too old). */
  kubectl: string;
  /** Directory of the control plane binaries. */
  binDir: string;
  /** up.sh's run dir (logs/, pids/, env). */
  runDir: string;
  /** Kubernetes version, e.g. v1.37.2. */
  version: string;
  /** Name of the kwok node Pods are scheduled to. */
  node: string;
}

/** Output of a finished child process. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects for a non-zero exit). */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Parses a `KEY=value` file (up.sh's `$RUN_DIR/env`). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Reads the facts up.sh wrote next to `kubeconfig`. */
export function readTestEnv(kubeconfig: string): K8sTestEnv {
  const runDir = dirname(kubeconfig);
  const env = parseEnvFile(readFileSync(join(runDir, 'env'), 'utf8'));
  const need = (key: string): string => {
    const value = env[key];
    if (value === undefined || value === '') throw new Error(`${join(runDir, 'env')} lacks ${key}`);
    return value;
  };
  return {
    kubeconfig: need('KUBECONFIG'),
    server: need('K8S_SERVER'),
    kubectl: join(need('K8S_BIN'), 'kubectl'),
    binDir: need('K8S_BIN'),
    runDir,
    version: need('K8S_VERSION'),
    node: env['K8S_NODE'] ?? 'kwok-node-0',
  };
}

/** Result of startControlPlane. */
export interface StartedControlPlane {
  env: K8sTestEnv;
  /** False when up.sh found one already running (then it is not ours to stop). */
  startedHere: boolean;
  /** Wall time of up.sh, ms. */
  ms: number;
}

/**
 * Starts the control plane with up.sh (building when needed) or joins the running one. Throws,
 * with up.sh's output, when it cannot start: a suite that needs it must fail, never skip.
 */
export async function startControlPlane(env: NodeJS.ProcessEnv = {}): Promise<StartedControlPlane> {
  const started = performance.now();
  const up = await runProcess('bash', [join(ENV_SCRIPTS, 'up.sh')], { env });
  const ms = performance.now() - started;
  const kubeconfig = up.stdout.trim().split('\n').pop() ?? '';
  if (up.code !== 0 || kubeconfig === '') {
    throw new Error(
      `the Kubernetes test control plane did not start (test/k8s/env/up.sh exited with ${up.code}):\n${up.stderr}${up.stdout}`,
    );
  }
  return { env: readTestEnv(kubeconfig), startedHere: !/already running/.test(up.stderr), ms };
}

/** Stops the control plane with down.sh. */
export async function stopControlPlane(env: NodeJS.ProcessEnv = {}): Promise<void> {
  const down = await runProcess('bash', [join(ENV_SCRIPTS, 'down.sh')], { env });
  if (down.code !== 0) throw new Error(`test/k8s/env/down.sh exited with ${down.code}:\n${down.stderr}${down.stdout}`);
}

/** Runs the test cluster's kubectl with its kubeconfig. */
export function kubectl(env: K8sTestEnv, args: readonly string[], input?: string): Promise<ProcessResult> {
  const options: { input?: string; timeoutMs: number } = { timeoutMs: 60_000 };
  if (input !== undefined) options.input = input;
  return runProcess(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], options);
}

/** Like kubectl, but throws with its output when it exits non-zero; resolves with stdout. */
export async function kubectlOk(env: K8sTestEnv, args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(env, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Installs (server-side applies) the CRDs of manifests/crds/ and waits until they are Established. */
export async function installCrds(env: K8sTestEnv): Promise<void> {
  await kubectlOk(env, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'boulder-tests', '-f', CRD_DIR]);
  await kubectlOk(env, ['wait', '--for=condition=Established', '--timeout=60s', '-f', CRD_DIR]);
}

/** A DNS-1123 name with a random suffix, e.g. `conformance-3fa9c1`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Creates a namespace (AlreadyExists is fine). */
export async function createNamespace(connection: KubeConnection, name: string): Promise<void> {
  try {
    await connection.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'boulder-tests' } } },
    });
  } catch (err) {
    if (!isErrorCode(err, 'AlreadyExists')) throw err;
  }
}

/** Starts deleting a namespace without waiting for it (the namespace controller takes 5–15 s). */
export async function deleteNamespace(connection: KubeConnection, name: string): Promise<void> {
  try {
    await connection.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` });
  } catch (err) {
    if (!isErrorCode(err, 'NotFound')) throw err;
  }
}

/** Opens a Kubernetes client on the test cluster. */
export function openTestClient(env: K8sTestEnv): Promise<KubernetesResourceClient> {
  return openKubernetesClient({ kubeconfig: env.kubeconfig });
}

function object(kind: KindName, namespace: string, name: string, spec: unknown, owner?: KubeObject): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (owner !== undefined) {
    metadata.ownerReferences = [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '' }];
  }
  return { apiVersion: API_VERSION, kind, metadata, spec };
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until kube-controller-manager's garbage collector deletes dependents of every boulder
 * kind: right after the CRDs are installed it does not monitor them yet (it rediscovers
 * resources periodically). Probes in a scratch namespace; resolves with the time it took (ms).
 */
export async function waitForGarbageCollector(env: K8sTestEnv, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  const client = await openTestClient(env);
  const namespace = uniqueName('gc-probe');
  try {
    await createNamespace(client.connection, namespace);
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; ; round++) {
      const owner = await client.create(object('Workspace', namespace, `owner-${round}`, { backend: 'mock', image: 'busybox:1' }));
      const dependents: { kind: KindName; name: string }[] = [
        { kind: 'Workspace', name: `ws-${round}` },
        { kind: 'PortBinding', name: `pb-${round}` },
        { kind: 'SyncSession', name: `ss-${round}` },
      ];
      const specs: Record<KindName, unknown> = {
        Workspace: { backend: 'mock', image: 'busybox:1' },
        PortBinding: { workspace: owner.metadata.name, containerPort: 8080 },
        SyncSession: { workspace: owner.metadata.name, alpha: '/tmp/probe', beta: 'docker://probe/workspace' },
      };
      for (const d of dependents) await client.create(object(d.kind, namespace, d.name, specs[d.kind], owner));
      await client.delete('Workspace', namespace, owner.metadata.name);
      const roundEnd = Math.min(deadline, Date.now() + 20_000);
      while (Date.now() < roundEnd) {
        const left = [];
        for (const d of dependents) {
          try {
            await client.get(d.kind, namespace, d.name);
            left.push(d);
          } catch (err) {
            if (!isErrorCode(err, 'NotFound')) throw err;
          }
        }
        if (left.length === 0) return performance.now() - started;
        await sleep(200);
      }
      if (Date.now() >= deadline) {
        throw new Error(`kube-controller-manager's garbage collector did not delete dependents of boulder's kinds within ${timeoutMs} ms`);
      }
    }
  } finally {
    await deleteNamespace(client.connection, namespace).catch(() => undefined);
    await client.close();
  }
}

interface CrdVersion {
  name: string;
  schema?: { openAPIV3Schema?: { description?: string } };
}

/** Applies an RFC 6902 JSON patch to a CRD. */
async function patchCrd(connection: KubeConnection, name: string, patch: unknown[]): Promise<void> {
  await connection.request({
    method: 'PATCH',
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    body: patch,
    contentType: 'application/json-patch+json',
  });
}

/** Resolves once a watch from `resourceVersion` fails with Gone (polls; throws after `timeoutMs`). */
async function waitUntilGone(client: KubernetesResourceClient, kind: KindName, resourceVersion: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const iterator = client.watch(kind, { resourceVersion, signal: AbortSignal.timeout(200) })[Symbol.asyncIterator]();
    try {
      await iterator.next();
    } catch (err) {
      if (isErrorCode(err, 'Gone')) return;
      throw err;
    } finally {
      await iterator.return?.();
    }
    if (Date.now() > deadline) throw new Error(`a watch of ${kind} from ${resourceVersion} is still served after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Discards the API server's watch history of boulder's kinds, so that resourceVersions from before
 * the call are Gone (HTTP 410 "too old resource version"), as after an etcd compaction on a
 * long-running cluster. The API server serves watches from its watch cache, whose history a
 * compaction does not shorten; what does reset it is the rebuild of a custom resource's storage
 * that any change of its CRD's spec causes. So each CRD's top-level schema description is changed
 * and then restored (two rebuilds; the CRD ends as it was), waiting each time until a watch from
 * an older resourceVersion is refused. Watches open across the call end and resume into Gone.
 */
export async function expireWatchHistory(client: KubernetesResourceClient): Promise<void> {
  const connection = client.connection;
  await Promise.all(
    KINDS.map(async (info) => {
      const name = `${info.plural}.${info.group}`;
      const { body } = await connection.request({ method: 'GET', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
      const versions = (body as { spec: { versions: CrdVersion[] } }).spec.versions;
      const index = versions.findIndex((v) => v.name === info.version);
      const original = versions[index]?.schema?.openAPIV3Schema?.description;
      if (index < 0 || original === undefined) throw new Error(`CRD ${name} has no schema description for ${info.version}`);
      const pointer = `/spec/versions/${index}/schema/openAPIV3Schema/description`;

      const before = (await client.list(info.kind)).resourceVersion;
      await patchCrd(connection, name, [{ op: 'replace', path: pointer, value: `${original} ` }]);
      await waitUntilGone(client, info.kind, before);
      const between = (await client.list(info.kind)).resourceVersion;
      await patchCrd(connection, name, [{ op: 'replace', path: pointer, value: original }]);
      await waitUntilGone(client, info.kind, between);
    }),
  );
}

/** Opens a raw connection to the test cluster (for namespaces and other core objects). */
export function openTestConnection(env: K8sTestEnv): Promise<KubeConnection> {
  return openKubeConnection({ kubeconfig: env.kubeconfig });
}

