/**
 * Kubernetes benchmarks on a private test control plane (its own run dir, so suites using the
 * shared one are not disturbed):
 * - control plane start with cached binaries (`up.sh` to all-ready; median of 3, each followed
 *   by `down.sh`), and the build step when binaries are cached (`build.sh`, ~0 s). The cold
 *   build (empty Go caches) takes ~11 min and is not re-run here: its figure is the one measured
 *   in test/k8s/env/README.md, reported as a note;
 * - `kubectl apply -f` a kubernetes Workspace → `kubectl wait --for=condition=Ready` with the
 *   controllers in this process (median of 7 after a warm-up). Floor: `kubectl apply` of a
 *   ConfigMap then `kubectl get` of it — two kubectl runs and API round trips, no controller.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from '../k8s/cluster-env.ts';
import { startClusterControllers } from '../k8s/cluster-controllers.ts';
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
