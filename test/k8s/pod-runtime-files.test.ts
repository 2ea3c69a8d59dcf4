/**
 * The file API's runtime path against a Pod: a Workspace with backend kubernetes and no worktree
 * (no spec.repository) runs in the test cluster (controllers in-process, embedded store); its
 * files are reached through the Kubernetes provider's exec over the API server's WebSocket, which
 * kwok's kubelet runs as local processes — so the Pod's workspace folder is a host temp directory
 * this test can inspect and plant links in. Proves write → visible in the Pod's folder, a Pod-side
 * write → read, list/stat/rename/remove, compare-and-swap, a 3 MiB round trip (kwok never ends an
 * exec's stdin: the upload's framing ends it), and links out of the folder refused.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { ProviderRegistry } from '../../controllers/providers/registry.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { silentLogger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { getOrUndefined, openTempStore, type TempStore } from '../../controllers/runtime/testing.ts';
import { registerControllers } from '../../controllers/setup.ts';
import { ApiError } from '../../server/rpc/method.ts';
import type { RuntimeFiles } from '../../server/methods/files/runtime-fs.ts';
import { openWorkspaceFiles } from '../../server/methods/files/workspace-files.ts';
import { dropNamespace, eventually, freshNamespace, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { kwokExecManifest } from './pod-sync-support.ts';

let cluster: ClusterEnv;
let store: TempStore;
let controllers: { stop(): Promise<void> } | undefined;
let providers: ProviderRegistry;
let namespace: string;
let base: string;
let folder: string;

beforeAll(async () => {
  cluster = await startCluster();
  store = await openTempStore();
  namespace = await freshNamespace(cluster, 'pod-files');
  base = await mkdtemp(join(tmpdir(), 'boulder-pod-files-'));
  folder = join(base, 'pod-files');
  await mkdir(folder);
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'secret'), 'secret\n');
  await kubectlOk(cluster, ['apply', '-f', '-'], { input: kwokExecManifest(namespace, 'nexus-files', '/') });
  const logger = silentLogger();
  const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 10_000 });
  providers = registerControllers(manager, {
    client: store.client,
    clock: realClock,
    logger,
    stateDir: store.dir,
    trust: 'local',
    providers: [new MockProvider()],
    kubernetes: { kubeconfig: cluster.kubeconfig, namespace, ownerReferences: false },
  });
  await manager.start();
  controllers = {
    stop: async () => {
      await manager.stop();
    },
  };
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  await store?.dispose();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

async function write(files: RuntimeFiles, path: string, data: Buffer | string, ifMatch?: string): Promise<string> {
  const upload = files.begin(path, true);
  const bytes = Buffer.from(data);
  for (let at = 0; at < bytes.length; at += 1024 * 1024) await upload.append(bytes.subarray(at, at + 1024 * 1024));
  return upload.commit(ifMatch);
}

async function readAll(files: RuntimeFiles, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  await files.read(path, 0, 1 << 30, (b) => (parts.push(Buffer.from(b)), Promise.resolve()));
  return Buffer.concat(parts);
}

describe('file API of a Pod workspace without a worktree (Pod exec through kube-apiserver + kwok)', () => {
  it('serves the Pod folder: round trips both ways, CAS, 3 MiB, links out refused', async () => {
    await store.client.create<Workspace>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'files', namespace },
      spec: { backend: 'kubernetes', image: 'busybox:1.37', workspaceFolder: folder },
    });
    await eventually('workspace files Ready', async () => {
      const ws = await getOrUndefined<Workspace>(store.client, 'Workspace', 'files', namespace);
      return getCondition(ws?.status?.conditions, 'Ready')?.status === 'True' ? true : undefined;
    }, 90_000);
    const opened = await openWorkspaceFiles({ client: store.client, providers }, { workspace: 'files', namespace });
    expect(opened.kind).toBe('runtime');
    const files = (opened as { kind: 'runtime'; files: RuntimeFiles }).files;

    await write(files, 'src/app.ts', 'from the API\n');
    expect(await readFile(join(folder, 'src', 'app.ts'), 'utf8')).toBe('from the API\n');
    await writeFile(join(folder, 'src', 'pod.txt'), 'from the pod\n');
    expect((await readAll(files, 'src/pod.txt')).toString()).toBe('from the pod\n');
    expect((await files.list('', 2, 100)).entries.map((e) => e.path)).toEqual(['src', 'src/app.ts', 'src/pod.txt']);
    const sha = (await files.stat('src/app.ts', true)).sha256!;
    expect(sha).toBe(createHash('sha256').update('from the API\n').digest('hex'));
    expect(await codeOf(write(files, 'src/app.ts', 'stale', 'f'.repeat(64)))).toBe('PreconditionFailed');
    await write(files, 'src/app.ts', 'v2', sha);
    expect(await readFile(join(folder, 'src', 'app.ts'), 'utf8')).toBe('v2');
    await files.rename('src/pod.txt', 'moved.txt', false);
    await files.remove('src', true);

    const big = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await write(files, 'big.bin', big);
    expect((await readFile(join(folder, 'big.bin'))).equals(big)).toBe(true);
    expect((await readAll(files, 'big.bin')).equals(big)).toBe(true);

    await symlink('/', join(folder, 'evil'));
    await symlink(join(base, 'outside', 'secret'), join(folder, 'secret-link'));
    expect(await codeOf(readAll(files, 'evil/etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(readAll(files, 'secret-link'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write(files, 'evil/tmp/planted', 'x'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(write(files, 'secret-link', 'overwritten'))).toBe('PathEscapesWorkspace');
    expect(await readFile(join(base, 'outside', 'secret'), 'utf8')).toBe('secret\n');
    expect(await codeOf(files.stat('../outside/secret'))).toBe('PathEscapesWorkspace');

    await store.client.delete('Workspace', namespace, 'files');
  }, 180_000);
});
