/**
 * End to end, file sync into a Pod: a Workspace with backend kubernetes and sync mode two-way-safe
 * is applied to the test cluster with the controllers in-process → the Pod runs → the owned
 * SyncSession (beta `pod://<ns>/nexus-web/workspace/<workspaceFolder>`) copies the worktree into
 * the Pod's workspace folder through Pod exec (kwok runs it locally, so the folder is a host temp
 * directory) → Ready → an edit on either side propagates → delete removes Pod and session.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';
import { dropNamespace, eventually, freshNamespace, installCrds, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { kwokExecManifest } from './pod-sync-support.ts';

let cluster: ClusterEnv;
let controllers: ClusterControllers | undefined;
let namespace: string;
let base: string;
let repo: string;
let folder: string;

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'pod-sync-ws');
  base = await mkdtemp(join(tmpdir(), 'boulder-pod-sync-ws-'));
  repo = join(base, 'repo');
  folder = join(base, 'pod-files');
  await mkdir(join(repo, 'src'), { recursive: true });
  await writeFile(join(repo, 'README.md'), '# project\n');
  await writeFile(join(repo, 'src', 'main.sh'), 'echo hi\n', { mode: 0o755 });
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo }).toString();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  // kwok runs the Pod's exec'd commands here, on this machine; the Pod's files are under `folder`.
  await kubectlOk(cluster, ['apply', '-f', '-'], { input: kwokExecManifest(namespace, 'nexus-web', '/') });
  controllers = await startClusterControllers(cluster.kubeconfig);
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const manifest = (): string => `
apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: web
spec:
  backend: kubernetes
  image: busybox:1.37
  repository:
    path: ${JSON.stringify(repo)}
  workspaceFolder: ${JSON.stringify(folder)}
  sync:
    mode: two-way-safe
`;

async function fileText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

describe('Workspace backend kubernetes + two-way-safe sync into the Pod', () => {
  it('syncs the worktree into the Pod before Ready, both ways after, and cleans up on delete', async () => {
    const started = performance.now();
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest() });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/web', '--timeout=90s'], { timeoutMs: 100_000 });
    const readyMs = Math.round(performance.now() - started);

    // Ready comes after the initial sync: the worktree's files are already in the Pod's folder.
    expect(await fileText(join(folder, 'README.md'))).toBe('# project\n');
    expect(await fileText(join(folder, 'src', 'main.sh'))).toBe('echo hi\n');
    const mountPath = await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web', '-o', 'jsonpath={.spec.containers[0].volumeMounts[0].mountPath}']);
    expect(mountPath).toBe(folder);
    const beta = await kubectlOk(cluster, ['-n', namespace, 'get', 'syncsession', 'web-sync', '-o', 'jsonpath={.spec.beta}']);
    expect(beta).toBe(`pod://${namespace}/nexus-web/workspace${folder}`);
    // Ordering: the session completed its initial sync no later than the workspace became Ready.
    const condition = async (kind: string, name: string, type: string): Promise<{ status: string; lastTransitionTime: string }> => {
      const out = await kubectlOk(cluster, ['-n', namespace, 'get', kind, name, '-o', `jsonpath={.status.conditions[?(@.type=="${type}")]}`]);
      return JSON.parse(out) as { status: string; lastTransitionTime: string };
    };
    const synced = await condition('syncsession', 'web-sync', 'InitialSyncComplete');
    const ready = await condition('workspace', 'web', 'Ready');
    expect(synced.status).toBe('True');
    expect(Date.parse(synced.lastTransitionTime)).toBeLessThanOrEqual(Date.parse(ready.lastTransitionTime));

    const worktree = join(repo, '.nexus', 'worktrees', 'web');
    const t1 = performance.now();
    await writeFile(join(worktree, 'from-host.txt'), 'host edit\n');
    await eventually('host edit in the pod', async () => ((await fileText(join(folder, 'from-host.txt'))) === 'host edit\n' ? true : undefined));
    const hostToPodMs = Math.round(performance.now() - t1);
    const t2 = performance.now();
    await writeFile(join(folder, 'README.md'), '# edited in the pod\n');
    await eventually('pod edit on the host', async () => ((await fileText(join(worktree, 'README.md'))) === '# edited in the pod\n' ? true : undefined));
    const podToHostMs = Math.round(performance.now() - t2);
    console.log(`[pod-sync] apply → Ready ${readyMs} ms; host → pod ${hostToPodMs} ms; pod → host ${podToHostMs} ms`);

    await kubectlOk(cluster, ['-n', namespace, 'delete', 'workspace', 'web', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    await eventually('pod and syncsession gone', async () => {
      const pod = await kubectl(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web']);
      const session = await kubectl(cluster, ['-n', namespace, 'get', 'syncsession', 'web-sync']);
      return pod.code !== 0 && session.code !== 0 ? true : undefined;
    }, 60_000);
  }, 180_000);
});
