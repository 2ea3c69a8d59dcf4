/**
 * `boulder exec` and `boulder logs` of `backend: kubernetes` workspaces through the real API server
 * (pods/exec, pods/log) to kwok's kubelet API, which runs the exec'd command as a local process in
 * the directory a kwok Exec object names and serves the log file a kwok Logs object names:
 * - with the cluster as the store (`--kubeconfig`), the workspace reconciled by in-process controllers;
 * - with the embedded store, the workspace run in the cluster the configuration names
 *   (`backends.kubernetes` of the node file): `boulder reconcile --once` creates the Pod there and
 *   `boulder exec`/`logs` find it the same way.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBoulder } from '../cli/harness.ts';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';
import { dropNamespace, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { kwokExecManifest } from './pod-sync-support.ts';

let cluster: ClusterEnv;
let namespace: string;
let base: string;
let controllers: ClusterControllers | undefined;

/** Lines in the CRI log format a kubelet (and kwok) serves logs from. */
function criLog(lines: readonly string[]): string {
  return lines.map((line, i) => `2026-11-26T00:00:0${i}.000000000Z stdout F ${line}\n`).join('');
}

/** A kwok Logs object: the logs of Pod `name`'s workspace container are the CRI log file `path`. */
function kwokLogsManifest(ns: string, name: string, path: string): string {
  return `
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Logs
metadata: {name: ${name}, namespace: ${ns}}
spec:
  logs:
  - containers: [workspace]
    logsFile: ${JSON.stringify(path)}
`;
}

beforeAll(async () => {
  await ensureBuilt();
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'cli-exec');
  base = await mkdtemp(join(tmpdir(), 'boulder-cli-exec-'));
}, 300_000);

afterAll(async () => {
  await controllers?.stop();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('boulder exec / logs of kubernetes workspaces', () => {
  it('with --kubeconfig: exec runs in the Pod (exit code, stdout, stderr, -e, -w) and logs streams its log', async () => {
    controllers = await startClusterControllers(cluster.kubeconfig);
    const workDir = join(base, 'pod-a');
    const logFile = join(base, 'pod-a.log');
    await writeFile(logFile, criLog(['line one', 'line two']));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(workDir, 'sub'), { recursive: true });
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: `${kwokExecManifest(namespace, 'nexus-a', workDir)}\n---\n${kwokLogsManifest(namespace, 'nexus-a', logFile)}` });
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input: 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: a\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n',
    });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/a', '--timeout=60s']);

    const kc = ['--kubeconfig', cluster.kubeconfig, '-n', namespace];
    const ran = await runBoulder([...kc, 'exec', 'a', '-e', 'GREETING=hello', '--', 'sh', '-c', 'pwd; echo "$GREETING"; echo oops >&2']);
    expect(ran.stdout).toBe(`${workDir}\nhello\n`);
    expect(ran.stderr).toBe('oops\n');
    expect(ran.code).toBe(0);
    // A failing command fails the exec. (kwok reports any exit status as an InternalError naming it,
    // where a kubelet answers NonZeroExitCode with the code — exitCodeOf's unit tests cover that.)
    const failed = await runBoulder([...kc, 'exec', 'a', '--', 'sh', '-c', 'exit 3']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('exit status 3');
    const inSub = await runBoulder([...kc, 'exec', 'a', '-w', join(workDir, 'sub'), '--', 'pwd']);
    expect(inSub.stdout.trim()).toBe(join(workDir, 'sub'));
    expect(inSub.code).toBe(0);

    const logs = await runBoulder([...kc, 'logs', 'a']);
    expect(logs.stderr).toBe('');
    expect(logs.stdout).toBe('line one\nline two\n');
  }, 120_000);

  it('with the embedded store: the configured cluster (backends.kubernetes) runs the Pod; exec and logs reach it', async () => {
    await controllers?.stop();
    controllers = undefined;
    const stateDir = join(base, 'state');
    const nodeConfig = join(base, 'node-config.yaml');
    await writeFile(nodeConfig, `backends:\n  kubernetes:\n    kubeconfig: ${JSON.stringify(cluster.kubeconfig)}\n    namespace: ${namespace}\n`);
    const env = { NEXUS_NODE_CONFIG: nodeConfig, KUBECONFIG: '/nonexistent', HOME: base };
    // The Pod of workspace default/b lives in the configured namespace as nexus-default-b.
    const workDir = join(base, 'pod-b');
    const logFile = join(base, 'pod-b.log');
    await writeFile(logFile, criLog(['from the embedded store']));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(workDir, { recursive: true });
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: `${kwokExecManifest(namespace, 'nexus-default-b', workDir)}\n---\n${kwokLogsManifest(namespace, 'nexus-default-b', logFile)}` });
    const manifest = join(base, 'b.yaml');
    await writeFile(manifest, 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: b\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n');
    const applied = await runBoulder(['--state-dir', stateDir, 'apply', '-f', manifest, '--no-daemon'], { env });
    expect(applied.code).toBe(0);
    const reconciled = await runBoulder(['--state-dir', stateDir, 'reconcile', '--once', '--timeout', '60s'], { env });
    expect(reconciled.stderr).not.toContain('error');
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-default-b', '-o', 'jsonpath={.metadata.labels.nexus\\.dev/workspace}'])).toBe('b');
    // No ownerReference into a cluster that does not hold the Workspace.
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-default-b', '-o', 'jsonpath={.metadata.ownerReferences}'])).toBe('');
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'pod/nexus-default-b', '--timeout=30s']);

    const ran = await runBoulder(['--state-dir', stateDir, 'exec', 'b', '--', 'sh', '-c', 'pwd'], { env });
    expect(ran.stderr).toBe('');
    expect(ran.stdout.trim()).toBe(workDir);
    expect(ran.code).toBe(0);
    const logs = await runBoulder(['--state-dir', stateDir, 'logs', 'b'], { env });
    expect(logs.stdout).toBe('from the embedded store\n');

    // --no-daemon: the reconcile below cleans up; a daemon started here would outlive the test.
    const deleted = await runBoulder(['--state-dir', stateDir, 'delete', 'workspace', 'b', '--no-daemon'], { env });
    expect(deleted.code).toBe(0);
    await runBoulder(['--state-dir', stateDir, 'reconcile', '--once', '--timeout', '60s'], { env });
    const gone = await kubectlOk(cluster, ['-n', namespace, 'get', 'pods', '-l', 'nexus.dev/workspace=b', '-o', 'name']);
    expect(gone.trim()).toBe('');
  }, 180_000);
});
