/**
 * The test control plane for the provider, e2e and manifests suites: starts it with
 * `test/k8s/env/up.sh` (idempotent, shared by concurrent callers; fails — never skips — when it
 * cannot start), reads `$RUN_DIR/env`, runs the kubectl built with it, installs the CRDs and
 * makes fresh namespaces.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What up.sh reports in `$RUN_DIR/env`. */
export interface ClusterEnv {
  kubeconfig: string;
  server: string;
  kubectl: string;
  node: string;
}

/** Starts (or finds) the control plane; throws with up.sh's output when it cannot start. */
export async function startCluster(): Promise<ClusterEnv> {
  let out: { stdout: string };
  try {
    out = await run('bash', [join(REPO_ROOT, 'test/k8s/env/up.sh')], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the Kubernetes control plane did not start: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
  }
  const kubeconfig = out.stdout.trim().split('\n').pop()!;
  const env = parseEnv(readFileSync(join(dirname(kubeconfig), 'env'), 'utf8'));
  return { kubeconfig, server: env['K8S_SERVER']!, kubectl: join(env['K8S_BIN']!, 'kubectl'), node: env['K8S_NODE']! };
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** Output of a kubectl run. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the cluster; never throws for a non-zero exit (the result says). */
export async function kubectl(cluster: ClusterEnv, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      cluster.kubectl,
      args,
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, cwd: REPO_ROOT, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs kubectl and throws with its stderr unless it succeeds; returns stdout. */
export async function kubectlOk(cluster: ClusterEnv, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await kubectl(cluster, args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** Installs the generated CRDs and waits until they are Established. */
export async function installCrds(cluster: ClusterEnv): Promise<void> {
  await kubectlOk(cluster, ['apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'manifests/crds')]);
  await kubectlOk(cluster, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/workspaces.nexus.dev', 'crd/portbindings.nexus.dev', 'crd/syncsessions.nexus.dev']);
}

/** Creates a namespace with a unique name (tests never wait for its deletion). */
export async function freshNamespace(cluster: ClusterEnv, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectlOk(cluster, ['create', 'namespace', name]);
  return name;
}

/** Deletes a namespace without waiting for it (deletion takes 5–15 s). */
export async function dropNamespace(cluster: ClusterEnv, name: string): Promise<void> {
  await kubectl(cluster, ['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
