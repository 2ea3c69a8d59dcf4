/**
 * End to end, file sync into a Pod: the user's own daemon — the embedded store, where the user's
 * worktree is theirs to sync — runs a Workspace with backend kubernetes and sync mode two-way-safe
 * in the test cluster (controllers in-process) → the Pod runs → the owned SyncSession (beta
 * `pod://<ns>/nexus-web/workspace/<workspaceFolder>`) copies the worktree into the Pod's workspace
 * folder through Pod exec (kwok runs it locally, so the folder is a host temp directory) → Ready →
 * an edit on either side propagates → delete removes Pod and session. (With a cluster as the store
 * a host repository is refused: test/k8s/cluster-trust.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { silentLogger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { getOrUndefined, openTempStore, type TempStore } from '../../controllers/runtime/testing.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { registerControllers } from '../../controllers/setup.ts';
import { dropNamespace, eventually, freshNamespace, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { kwokExecManifest } from './pod-sync-support.ts';

let cluster: ClusterEnv;
let store: TempStore;
let controllers: { stop(): Promise<void> } | undefined;
let namespace: string;
let base: string;
let repo: string;
let folder: string;

beforeAll(async () => {
  cluster = await startCluster();
  store = await openTempStore();
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
  controllers = await startOwnDaemon();
}, 180_000);

/** The user's daemon: embedded store, the cluster as where kubernetes workspaces run (no ownerReferences). */
async function startOwnDaemon(): Promise<{ stop(): Promise<void> }> {
  const logger = silentLogger();
  const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 10_000 });
  registerControllers(manager, {
    client: store.client,
    clock: realClock,
    logger,
    stateDir: store.dir,
    trust: 'local',
    providers: [new MockProvider()],
    kubernetes: { kubeconfig: cluster.kubeconfig, namespace, ownerReferences: false },
  });
  await manager.start();
  return {
    stop: async () => {
      await manager.stop();
    },
  };
}

afterAll(async () => {
  await controllers?.stop();
  await store?.dispose();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const manifest = (): Workspace => {
  const ws = parse(manifestText()) as Workspace;
  ws.metadata.namespace = namespace;
  return ws;
};

const manifestText = (): string => `
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

function getWorkspace(): Promise<Workspace | undefined> {
  return getOrUndefined<Workspace>(store.client, 'Workspace', 'web', namespace);
}

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
    await store.client.create(manifest());
    await eventually('workspace web Ready', async () => (getCondition((await getWorkspace())?.status?.conditions, 'Ready')?.status === 'True' ? true : undefined), 90_000);
    const readyMs = Math.round(performance.now() - started);

    // Ready comes after the initial sync: the worktree's files are already in the Pod's folder.
    expect(await fileText(join(folder, 'README.md'))).toBe('# project\n');
    expect(await fileText(join(folder, 'src', 'main.sh'))).toBe('echo hi\n');
    const mountPath = await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web', '-o', 'jsonpath={.spec.containers[0].volumeMounts[0].mountPath}']);
    expect(mountPath).toBe(folder);
    const session = (await getOrUndefined<SyncSession>(store.client, 'SyncSession', 'web-sync', namespace))!;
    expect(session.spec.beta).toBe(`pod://${namespace}/nexus-web/workspace${folder}`);
    // Ordering: the session completed its initial sync no later than the workspace became Ready.
    const synced = getCondition(session.status?.conditions, 'InitialSyncComplete')!;
    const ready = getCondition((await getWorkspace())?.status?.conditions, 'Ready')!;
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

    await store.client.delete('Workspace', namespace, 'web');
    await eventually('workspace, pod and syncsession gone', async () => {
      const pod = await kubectl(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web']);
      const left = (await getWorkspace()) ?? (await getOrUndefined<SyncSession>(store.client, 'SyncSession', 'web-sync', namespace));
      return pod.code !== 0 && left === undefined ? true : undefined;
    }, 60_000);
  }, 180_000);
});
