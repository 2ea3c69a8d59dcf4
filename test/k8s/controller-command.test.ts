/**
 * `boulder controller` as a real child process pointed at the test cluster with --kubeconfig:
 * a kubectl-applied kubernetes Workspace becomes Ready with its Pod, and SIGTERM stops it cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, dropNamespace, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';

let cluster: ClusterEnv;
let namespace: string;
let child: ChildProcess | undefined;
let stderr = '';

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'ctrl');
}, 180_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

describe('boulder controller', () => {
  it('reconciles the cluster\'s Workspaces into Pods and stops on SIGTERM', async () => {
    // The TypeScript sources (bin/boulder.js would prefer a possibly stale dist/).
    const entry = `const { runCli } = await import(${JSON.stringify(join(REPO_ROOT, 'cmd/main.ts'))}); process.exitCode = await runCli(process.argv.slice(1));`;
    child = spawn(process.execPath, ['--input-type=module', '-e', entry, 'controller', '--kubeconfig', cluster.kubeconfig, '--log-level', 'warn'], {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: '/nonexistent', NEXUS_STATE_DIR: join(REPO_ROOT, 'node_modules/.cache/boulder-controller-test') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], {
      input: 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: cli\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n',
    });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/cli', '--timeout=60s']);
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-cli', '-o', 'jsonpath={.status.phase}'])).toBe('Running');
    expect(stderr).toContain('boulder controller running');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('boulder controller stopped');
  }, 90_000);
});
