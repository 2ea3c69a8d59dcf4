// The sync matrix (controllers/sync/matrix) against a local alpha directory and a Pod endpoint
// through the real kube-apiserver: every scan, read, apply and watch is a Pod exec over the API
// server's WebSocket, served by kwok's kubelet API, which runs the commands as local processes in
// the Pod's "container" — so beta's root is a host directory the beta driver edits directly.
// Every case runs (≈ 45 s here); only the burst (1 000 files) and the large file (8 MB) are smaller.
import { afterAll, beforeAll } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeSyncMatrix } from '../sync/matrix.ts';
import { dropNamespace, freshNamespace, startCluster, type ClusterEnv } from './cluster-env.ts';
import { makePodFixture, startExecPod, testKubeConfig } from './pod-sync-support.ts';

const POD = 'sync-target';
let cluster: ClusterEnv | undefined;
let namespace: string | undefined;
let kubeConfig: KubeConfig | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  namespace = await freshNamespace(cluster, 'pod-sync');
  kubeConfig = testKubeConfig(cluster);
  await startExecPod(cluster, namespace, POD, '/');
}, 120_000);

afterAll(async () => {
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

describeSyncMatrix(
  'sync matrix: local directory ⇄ Pod (exec through kube-apiserver + kwok)',
  () => makePodFixture(kubeConfig!, namespace!, POD)(),
  { burstFiles: 1000, largeFileBytes: 8 * 1024 * 1024, timeoutMs: 120_000 },
);
