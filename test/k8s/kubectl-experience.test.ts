/**
 * The kubectl experience of boulder's CRDs on the real test control plane: printer columns,
 * `kubectl explain` from the schema descriptions, schema rejection of invalid manifests with a
 * clear message, `kubectl wait --for=condition=Ready` once the in-process controllers set it, and
 * the Phase column saying Terminating while they clean up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, freshNamespace, installCrds, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';

let cluster: ClusterEnv;
let namespace: string;
let controllers: ClusterControllers | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'kubectl');
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

const workspace = (name: string, spec: string): string => `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe('kubectl and the Workspace CRD', () => {
  it('kubectl get workspaces shows the printer columns', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('cols', '  backend: mock\n  image: debian\n  state: Stopped\n') });
    const out = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspaces']);
    const [header, row] = out.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'PHASE', 'BACKEND', 'BRANCH', 'STATE', 'PORTS', 'AGE']);
    expect(row).toMatch(/^cols\s+mock\s+Stopped\s+\d+s$/);
    const short = await kubectlOk(cluster, ['-n', namespace, 'get', 'ws', 'cols', '-o', 'name']);
    expect(short.trim()).toBe('workspace.nexus.dev/cols');
  });

  it('kubectl explain workspace.spec shows the schema descriptions', async () => {
    const out = await kubectlOk(cluster, ['explain', 'workspace.spec']);
    expect(out).toContain('Desired state of the workspace.');
    expect(out).toMatch(/backend\s+<string>\s+enum: docker, sprite, kubernetes, mock/);
    expect(out).toMatch(/Where the workspace runs: docker/);
    const field = await kubectlOk(cluster, ['explain', 'workspace.spec.repository.path']);
    expect(field).toContain('Path on the host of the git repository');
  });

  it('rejects invalid manifests with the schema message', async () => {
    const badEnum = await kubectl(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('bad', '  backend: podman\n  image: x\n') });
    expect(badEnum.code).not.toBe(0);
    expect(badEnum.stderr).toContain('The Workspace "bad" is invalid: spec.backend: Unsupported value: "podman": supported values: "docker", "sprite", "kubernetes", "mock"');
    const missing = await kubectl(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('bad', '  image: x\n  repository:\n    branch: main\n  secrets:\n    - fromEnv: X\n') });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('spec.repository.path: Required value');
    expect(missing.stderr).toContain('spec.secrets[0].name: Required value');
    const noSpec = await kubectl(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: bad\n' });
    expect(noSpec.stderr).toContain('The Workspace "bad" is invalid: spec: Required value');
    expect((await kubectl(cluster, ['-n', namespace, 'get', 'workspace', 'bad'])).code).not.toBe(0);
  });

  it('kubectl wait --for=condition=Ready works once the controller sets it', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('ready', '  backend: mock\n  image: debian\n') });
    const early = await kubectl(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/ready', '--timeout=1s']);
    expect(early.code).not.toBe(0);
    controllers = await startClusterControllers(cluster.kubeconfig);
    const out = await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/ready', '--timeout=60s']);
    expect(out.trim()).toBe('workspace.nexus.dev/ready condition met');
    const row = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'ready', '--no-headers']);
    expect(row).toMatch(/^ready\s+Running\s+mock\s+/);
  }, 90_000);

  it('kubectl get shows Terminating while the controller cleans up, and a cleanup that cannot proceed as Stalled', async () => {
    // A workspace whose status names a container of a backend these controllers lack: its cleanup
    // fails terminally (BackendUnavailable), the same way in every controller process that sees it.
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: workspace('held', '  backend: docker\n  image: debian\n') });
    controllers ??= await startClusterControllers(cluster.kubeconfig);
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready=False', 'workspace/held', '--timeout=60s']);
    await kubectlOk(cluster, ['-n', namespace, 'patch', 'workspace', 'held', '--subresource=status', '--type=merge', '-p', '{"status":{"containerId":"0123456789ab"}}']);
    await kubectlOk(cluster, ['-n', namespace, 'delete', 'workspace', 'held', '--wait=false']);
    // Terminating is written when cleanup starts (dropping the Stalled of the converge failure),
    // so a Stalled seen after it is the cleanup's own.
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=jsonpath={.status.phase}=Terminating', 'workspace/held', '--timeout=60s']);
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Stalled', 'workspace/held', '--timeout=60s']);
    const row = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'held', '--no-headers']);
    expect(row).toMatch(/^held\s+Terminating\s+docker\s+/);
    const reason = await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'held', '-o', 'jsonpath={.status.conditions[?(@.type=="Stalled")].reason}']);
    expect(reason).toBe('BackendUnavailable');

    // Without the container in status there is nothing to remove: the deletion completes.
    await kubectlOk(cluster, ['-n', namespace, 'patch', 'workspace', 'held', '--subresource=status', '--type=json', '-p', '[{"op":"remove","path":"/status/containerId"}]']);
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=delete', 'workspace/held', '--timeout=60s']);
  }, 120_000);
});
