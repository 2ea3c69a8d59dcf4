/**
 * Kubernetes benchmarks on a private test control plane (its own run dir, so suites using the
 * shared one are not disturbed):
 * - control plane start with cached binaries (`up.sh` to all-ready; median of 3, each followed
 *   by `down.sh`), and the build step when binaries are cached (`build.sh`, ~0 s). The cold
 *   build (empty Go caches) takes ~11 min and is not re-run here: its figure is the one measured
 *   in test/k8s/env/README.md, reported as a note;
 * - `kubectl apply -f` a kubernetes Workspace → `kubectl wait --for=condition=Ready` with the
 *   controllers in this process (median of 7 after a warm-up). Floor: `kubectl apply` of a
 *   ConfigMap then `kubectl get` of it — two kubectl runs and API round trips, no controller;
 * - a PortBinding of a kubernetes Workspace forwarded through the API server's `pods/portforward`
 *   (one WebSocket per connection; kwok's kubelet API connects to a local echo server): connect +
 *   16-byte echo latency (median of 50) and 16 MiB echo throughput (median of 5), each against a
 *   direct connection to the same echo server.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from '../k8s/cluster-env.ts';
import { startClusterControllers } from '../k8s/cluster-controllers.ts';
import { applyKwokPortForward, echoClient, getBinding, startForwardingControllers } from '../k8s/port-forward-env.ts';
import { startEchoServer } from '../ports/servers.ts';
import { eventually } from '../k8s/cluster-env.ts';
import { median, quantile, timeRuns, type BenchRow } from './stats.ts';

const run = promisify(execFile);
const ENV_DIR = join(REPO_ROOT, 'test', 'k8s', 'env');
/** Cold `build.sh` measured in test/k8s/env/README.md (empty GOMODCACHE and GOCACHE). */
const COLD_BUILD_S = 635;

async function timeScript(script: string): Promise<number> {
  const start = performance.now();
  await run('bash', [join(ENV_DIR, script)], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  return performance.now() - start;
}

/** Runs the Kubernetes benchmarks. */
export async function benchK8s(): Promise<BenchRow[]> {
  const previousRunDir = process.env['BOULDER_K8S_RUN_DIR'];
  process.env['BOULDER_K8S_RUN_DIR'] = join(process.env['TMPDIR'] ?? '/tmp', `boulder-k8s-bench-${process.pid}`);
  try {
    const build = await timeScript('build.sh');
    const starts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      starts.push(await timeScript('up.sh'));
      if (i < 2) await timeScript('down.sh');
    }
    const cluster = await startCluster();
    try {
      return [
        {
          name: 'k8s control plane start, cached binaries (up.sh → all ready)',
          value: median(starts),
          unit: 'ms',
          p99: quantile(starts, 0.99),
          note: `3 runs; build.sh with cached binaries: ${(build / 1000).toFixed(1)} s; cold build: ${COLD_BUILD_S} s (README figure, not re-run)`,
        },
        ...(await applyToReady(cluster)),
        ...(await portForward(cluster)),
      ];
    } finally {
      await timeScript('down.sh');
    }
  } finally {
    if (previousRunDir === undefined) delete process.env['BOULDER_K8S_RUN_DIR'];
    else process.env['BOULDER_K8S_RUN_DIR'] = previousRunDir;
  }
}

async function applyToReady(cluster: ClusterEnv): Promise<BenchRow[]> {
  await installCrds(cluster);
  const namespace = await freshNamespace(cluster, 'bench');
  const controllers = await startClusterControllers(cluster.kubeconfig);
  try {
    let n = 0;
    const samples = await timeRuns(7, async () => {
      const name = `bench-${n++}`;
      const manifest = `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n  ports:\n    web:\n      containerPort: 8080\n`;
      await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest });
      await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', `workspace/${name}`, '--timeout=60s']);
    });
    let m = 0;
    const floor = await timeRuns(7, async () => {
      const name = `floor-${m++}`;
      await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n` });
      await kubectlOk(cluster, ['-n', namespace, 'get', 'configmap', name, '-o', 'name']);
    });
    return [
      {
        name: 'k8s kubectl apply → Ready (Pod, Service, PVC; kwok node)',
        value: median(samples),
        unit: 'ms',
        p99: quantile(samples, 0.99),
        floor: { name: 'kubectl apply + get of a ConfigMap', value: median(floor) },
        note: '7 runs after 1 warm-up; in-process controllers',
      },
    ];
  } finally {
    await controllers.stop();
  }
}

/** Connect, echo `payload`, close; resolves with the elapsed ms. */
async function echoOnce(port: number, payload: Buffer): Promise<number> {
  const start = performance.now();
  const client = await echoClient(port);
  await client.roundTrip(payload, 60_000);
  client.socket.destroy();
  return performance.now() - start;
}

async function portForward(cluster: ClusterEnv): Promise<BenchRow[]> {
  const namespace = await freshNamespace(cluster, 'bench-pf');
  const echo = await startEchoServer();
  await applyKwokPortForward(cluster, namespace, 'nexus-pf', { 8080: echo.port });
  const controllers = await startForwardingControllers(cluster.kubeconfig);
  try {
    const manifest = 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: pf\nspec:\n  backend: kubernetes\n  image: busybox:1.37\n  ports:\n    web:\n      containerPort: 8080\n';
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest });
    const hostPort = await eventually('portbinding pf-web Bound', async () => {
      const pb = await getBinding(controllers.client, namespace, 'pf-web');
      return pb?.status?.phase === 'Bound' ? pb.status.hostPort : undefined;
    }, 90_000);
    const small = Buffer.from('0123456789abcdef');
    const latency = async (port: number): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < 51; i += 1) samples.push(await echoOnce(port, small));
      return samples.slice(1);
    };
    const forwarded = await latency(hostPort);
    const direct = await latency(echo.port);
    const big = randomBytes(16 << 20);
    const throughput = async (port: number): Promise<number[]> => {
      const rates: number[] = [];
      for (let i = 0; i < 6; i += 1) rates.push(((2 * big.length) / 1e6) / ((await echoOnce(port, big)) / 1000));
      return rates.slice(1);
    };
    const forwardedRate = await throughput(hostPort);
    const directRate = await throughput(echo.port);
    return [
      {
        name: 'k8s port-forward: connect + 16 B echo (pods/portforward, kwok kubelet)',
        value: median(forwarded),
        unit: 'ms',
        p99: quantile(forwarded, 0.99),
        floor: { name: 'direct TCP connect + echo', value: median(direct) },
        note: '50 runs after 1 warm-up; one WebSocket through the API server per connection',
      },
      {
        name: 'k8s port-forward: 16 MiB echo throughput (both directions counted)',
        value: median(forwardedRate),
        unit: 'MB/s',
        floor: { name: 'direct TCP echo', value: median(directRate) },
        note: '5 runs after 1 warm-up',
      },
    ];
  } finally {
    await controllers.stop();
    await echo.close();
  }
}
