/**
 * The sync-container rows for a Kubernetes Pod endpoint (`pod://`, issue 19 item 7): a local
 * directory (host) ⇄ a Pod endpoint through the real kube-apiserver of the shared test control
 * plane (joined, like the k8s vitest project: run with BOULDER_K8S_KEEP=1 so it stays up for
 * others). Every scan and read is a Pod exec over the API server's WebSocket.
 * What this cluster cannot give: a real container. Its nodes are kwok's, which run no container
 * runtime; kwok's kubelet API runs an exec'd command as a local process (a kwok `Exec` object,
 * test/k8s/pod-sync-support.ts), so the Pod's "filesystem" is this machine's and an edit "in the
 * Pod" is a write to the Pod endpoint's root here. The figures are boulder's Pod path (exec through
 * kube-apiserver and a kubelet API, the shell agent, the watcher) without a container runtime's
 * own exec cost. With no `inotifywait` where the commands run, the change watcher is the adaptive
 * `find -newer` poll (250 ms after a change) — the same as an image without inotify-tools.
 * Rows: a 1 KB edit in the Pod until the host file has it, and a 1 KB host edit until the Pod's
 * file has it (p50/p95, 30 samples, an edit every ~200 ms), over a synced tree of 2 000 files.
 * Floor from the same run: the host seeing the same edit at all (inotify on the directory + read).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFileAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { createPodEndpoint } from '../../controllers/sync/kubernetes/pod-endpoint.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { dropNamespace, freshNamespace, startCluster } from '../k8s/cluster-env.ts';
import { startExecPod, testKubeConfig } from '../k8s/pod-sync-support.ts';
import { median, quantile, type BenchRow } from './stats.ts';
import { editLatencies, fileHas, makeTree, seenOnHost } from './sync-edits.ts';

const FILES = 2_000;
const SAMPLES = 30;
const POD = 'sync-bench';

/** Latency samples of 1 KB writes to `from/name` until `arrived(digest)` resolves. */
function fileEdits(from: string, name: string, tag: string, arrived: (digest: string) => Promise<void>): Promise<number[]> {
  return editLatencies(SAMPLES, tag, (content) => writeFile(join(from, name), content), arrived);
}

/** Runs the benchmark (see the module comment). */
export async function benchSyncPod(): Promise<BenchRow[]> {
  const cluster = await startCluster();
  const namespace = await freshNamespace(cluster, 'bench-sync');
  const base = await mkdtemp(join(tmpdir(), 'boulder-bench-sync-pod-'));
  const alphaRoot = join(base, 'alpha');
  const betaRoot = join(base, 'beta');
  try {
    await mkdir(alphaRoot);
    await mkdir(betaRoot);
    await startExecPod(cluster, namespace, POD, '/');
    await makeTree(alphaRoot, FILES);
    const kubeConfig = testKubeConfig(cluster);
    const engine = createSyncEngine({
      alpha: createLocalEndpoint(alphaRoot),
      beta: createPodEndpoint({ kubeConfig, namespace, pod: POD, container: 'main', path: betaRoot }),
      ancestorStore: createFileAncestorStore(join(base, 'ancestor.json')),
    });
    const abort = new AbortController();
    try {
      let result = await engine.runCycle();
      while (result.changesApplied > 0 || result.retry) result = await engine.runCycle();
      const floor = await fileEdits(betaRoot, 'back.txt', 'floor', seenOnHost(betaRoot));
      let firstCycle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => (firstCycle = resolve));
      const watching = engine.watch(abort.signal, { onCycle: () => firstCycle() });
      try {
        await settled;
        await sleep(1000);
        const back = await fileEdits(betaRoot, 'back.txt', 'pod', (digest) => fileHas(join(alphaRoot, 'back.txt'), digest));
        const forth = await fileEdits(alphaRoot, 'forth.txt', 'host', (digest) => fileHas(join(betaRoot, 'forth.txt'), digest));
        const floorNote = `floor p95 ${quantile(floor, 0.95).toFixed(1)} ms`;
        const row = (direction: string, samples: number[], budget: boolean): BenchRow => ({
          name: `sync: 1 KB edit ${direction}, Pod endpoint (kwok exec, poll)`,
          value: median(samples),
          p99: quantile(samples, 0.99),
          unit: 'ms',
          floor: { name: 'host sees the edit (inotify + read)', value: median(floor) },
          ...(budget ? { budget: { text: 'p50 ≤ 50 ms, p95 ≤ 100 ms', met: median(samples) <= 50 && quantile(samples, 0.95) <= 100 } } : {}),
          note: `p95 ${quantile(samples, 0.95).toFixed(0)} ms (${floorNote}), N=${SAMPLES}, ${FILES} files`,
        });
        return [row('container → host', back, true), row('host → container', forth, false)];
      } finally {
        abort.abort();
        await watching;
      }
    } finally {
      await engine.close();
    }
  } finally {
    await rm(base, { recursive: true, force: true });
    await dropNamespace(cluster, namespace);
  }
}
