/**
 * The controller image (manifests/Dockerfile) built for real and run the way the Deployment in
 * manifests/deploy runs it: as uid 1000 with a read-only root filesystem, no capabilities, the
 * in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT and a mounted service-account token of the
 * `boulder` ServiceAccount, so its RBAC is what is exercised) and no kubeconfig. kwok cannot run
 * containers, so Docker plays the kubelet: the container joins the host network to reach the test
 * API server on 127.0.0.1. A Workspace asking for the controller's own token (`fromFile`) is
 * refused there (SecretSourceNotAllowed). The base is boulder-test/node:24 (test/env/images.sh), since no
 * registry serves node:24-slim here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, dropNamespace, eventually, freshNamespace, installCrds, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';

const run = promisify(execFile);
const IMAGE = 'boulder-test/controller:dev';
const containers: string[] = [];

let cluster: ClusterEnv;
let namespace: string;
let tokenDir: string;

async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout;
}

/** The service-account volume a kubelet would mount: token, the cluster's CA and the namespace. */
async function serviceAccountFiles(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-sa-'));
  const token = (await kubectlOk(cluster, ['-n', 'boulder-system', 'create', 'token', 'boulder', '--duration=1h'])).trim();
  const kubeconfig = readFileSync(cluster.kubeconfig, 'utf8');
  const ca = /certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1];
  if (ca === undefined) throw new Error(`no certificate-authority-data in ${cluster.kubeconfig}`);
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), Buffer.from(ca, 'base64'));
  writeFileSync(join(dir, 'namespace'), 'boulder-system');
  for (const f of ['token', 'ca.crt', 'namespace']) chmodSync(join(dir, f), 0o644);
  chmodSync(dir, 0o755);
  return dir;
}

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  await docker(['build', '-q', '--build-arg', 'NODE_IMAGE=boulder-test/node:24', '-f', 'manifests/Dockerfile', '-t', IMAGE, '.'], 600_000);
  // The namespace, ServiceAccount and its ClusterRole exactly as `kubectl apply -k manifests/` installs them.
  for (const file of ['deploy/namespace.yaml', 'rbac/service-account.yaml', 'rbac/cluster-role.yaml', 'rbac/cluster-role-binding.yaml']) {
    await kubectlOk(cluster, ['apply', '-f', join(REPO_ROOT, 'manifests', file)]);
  }
  tokenDir = await serviceAccountFiles();
  namespace = await freshNamespace(cluster, 'image');
}, 660_000);

afterAll(async () => {
  for (const name of containers) await run('docker', ['rm', '-f', name]).catch(() => undefined);
  if (tokenDir !== undefined) rmSync(tokenDir, { recursive: true, force: true });
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

describe('the controller image', () => {
  it('runs `boulder controller` in-cluster style as the Deployment does: a Workspace becomes a Running Pod; SIGTERM stops it cleanly', async () => {
    const server = new URL(cluster.server);
    const container = `boulder-controller-image-test-${randomBytes(3).toString('hex')}`;
    containers.push(container);
    await docker([
      'run', '-d', '--name', container,
      '--network', 'host',
      '--user', '1000:1000', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--tmpfs', '/var/lib/boulder:uid=1000,gid=1000',
      '-e', 'NEXUS_STATE_DIR=/var/lib/boulder', '-e', 'HOME=/var/lib/boulder',
      '-e', `KUBERNETES_SERVICE_HOST=${server.hostname}`, '-e', `KUBERNETES_SERVICE_PORT=${server.port}`,
      '-v', `${tokenDir}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
      IMAGE, 'controller', '--log-level', 'info',
    ]);
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input: 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: from-image\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n',
    });
    const waited = await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/from-image', '--timeout=60s']).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}\ncontroller logs:\n${await docker(['logs', container]).catch(() => '')}`, { cause: err });
    });
    expect(waited).toContain('condition met');
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-from-image', '-o', 'jsonpath={.status.phase}'])).toBe('Running');
    // Nothing else reconciles Workspaces during this test (the k8s files run one at a time): the
    // image's controller, authenticated as the `boulder` ServiceAccount, did it.

    // It lends no identity: its own service-account token as a fromFile secret is refused.
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input:
        'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: thief\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n' +
        '  secrets:\n    - name: STOLEN\n      fromFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n',
    });
    await eventually('workspace/thief refused', async () => {
      const reason = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'thief', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}']);
      return reason === 'SecretSourceNotAllowed' ? true : undefined;
    });
    expect((await kubectl(cluster, ['-n', namespace, 'get', 'pod', 'nexus-thief'])).code).not.toBe(0);
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'thief', '-o', 'json'])).not.toContain(readFileSync(join(tokenDir, 'token'), 'utf8'));

    await docker(['stop', '-t', '20', container], 40_000);
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', container])).trim()).toBe('0');
    const { stdout, stderr } = await run('docker', ['logs', container]);
    const logs = stdout + stderr;
    expect(logs).toContain('boulder controller running');
    expect(logs).toContain('boulder controller stopped');
  }, 120_000);
});
