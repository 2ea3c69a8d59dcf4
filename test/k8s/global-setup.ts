/**
 * Global setup of the `k8s` vitest project: starts the test control plane once per run with
 * test/k8s/env/up.sh (or joins the one already running), installs the CRDs, waits until the
 * garbage collector handles boulder's kinds, and provides the facts (kubeconfig, kubectl, …) to
 * the suites as `inject('k8s')`. When the control plane cannot start, setup throws with up.sh's
 * output, so the run fails; it is never skipped. Teardown stops the control plane only when this
 * run started it (BOULDER_K8S_KEEP=1 keeps it running).
 */
import type { TestProject } from 'vitest/node';
import { installCrds, startControlPlane, stopControlPlane, waitForGarbageCollector } from './control-plane.ts';
import './provided-context.ts';

/** Starts the control plane and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { env, startedHere, ms } = await startControlPlane();
  const log = (line: string): void => void process.stderr.write(`[k8s] ${line}\n`);
  log(`control plane ${startedHere ? 'started' : 'already running'} in ${(ms / 1000).toFixed(1)} s: ${env.server} (${env.version})`);
  const crdStart = performance.now();
  await installCrds(env);
  const gcMs = await waitForGarbageCollector(env);
  log(`CRDs established in ${((performance.now() - crdStart - gcMs) / 1000).toFixed(1)} s; garbage collector ready in ${(gcMs / 1000).toFixed(1)} s`);
  project.provide('k8s', env);
  return async () => {
    if (!startedHere || process.env['BOULDER_K8S_KEEP'] === '1') return;
    await stopControlPlane();
  };
}
