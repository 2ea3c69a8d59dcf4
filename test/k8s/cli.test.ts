/**
 * Black-box: the real `boulder` executable with `--kubeconfig` / `--context` stores objects in the
 * test cluster, so `boulder get` and `kubectl get` show the same objects; errors of the cluster
 * connection come out as the CLI's usual messages and exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runBoulder } from '../cli/harness.ts';
import { removeWrittenKubeconfigs, writeKubeconfig } from '../support/kubeconfig.ts';
import { k8sEnv, kubectlStdout, useNamespaces } from './harness.ts';

const EXAMPLE = join(ROOT, 'manifests', 'examples', 'mock-workspace.yaml');
const suite = useNamespaces('cli', 2);

interface Listed {
  items: { metadata: { name: string; uid: string; resourceVersion: string }; spec: unknown }[];
}

beforeAll(ensureBuilt, 240_000);
afterAll(removeWrittenKubeconfigs);

describe('boulder --kubeconfig', () => {
  it('applies into the cluster; boulder get and kubectl get show the same object', async () => {
    const { kubeconfig } = k8sEnv();
    const ns = suite.names[0] as string;
    const applied = await runBoulder(['--kubeconfig', kubeconfig, 'apply', '-n', ns, '-f', EXAMPLE, '--no-daemon']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('workspace.nexus.dev/demo created');

    const table = await runBoulder(['--kubeconfig', kubeconfig, 'get', 'workspaces', '-n', ns]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\b/);
    expect(table.stdout).toMatch(/\ndemo\b/);
    expect(await kubectlStdout(['get', 'workspaces', '-n', ns])).toMatch(/\ndemo\s+\S*\s*mock\b/);

    const ours = JSON.parse((await runBoulder(['--kubeconfig', kubeconfig, 'get', 'workspaces', '-n', ns, '-o', 'json'])).stdout) as Listed;
    const theirs = JSON.parse(await kubectlStdout(['get', 'workspaces', '-n', ns, '-o', 'json'])) as Listed;
    expect(ours.items.map((o) => o.metadata.uid)).toEqual(theirs.items.map((o) => o.metadata.uid));
    expect(ours.items[0]?.metadata.resourceVersion).toBe(theirs.items[0]?.metadata.resourceVersion);
    expect(ours.items[0]?.spec).toEqual(theirs.items[0]?.spec);

    const again = await runBoulder(['--kubeconfig', kubeconfig, 'apply', '-n', ns, '-f', EXAMPLE, '--no-daemon']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('workspace.nexus.dev/demo unchanged');
  });

  it('selects the store with --context and the default kubeconfig ($KUBECONFIG)', async () => {
    const { kubeconfig } = k8sEnv();
    const ns = suite.names[0] as string;
    await kubectlStdout(['apply', '-n', ns, '-f', '-'], 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: from-kubectl\nspec:\n  backend: mock\n  image: busybox:1\n');
    const context = (await kubectlStdout(['config', 'current-context'])).trim();
    const got = await runBoulder(['--context', context, 'get', 'workspace', 'from-kubectl', '-n', ns, '-o', 'name'], {
      env: { KUBECONFIG: kubeconfig },
    });
    expect(got.stderr).toBe('');
    expect(got.stdout.trim()).toBe('workspace.nexus.dev/from-kubectl');

    const unknown = await runBoulder(['--kubeconfig', kubeconfig, '--context', 'nope', 'get', 'workspaces']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('context "nope" does not exist in the kubeconfig');
  });

  it("defaults to the kubeconfig context's namespace, as kubectl does", async () => {
    const { kubeconfig } = k8sEnv();
    const ns = suite.names[0] as string;
    const withNamespace = join(mkdtempSync(join(tmpdir(), 'boulder-kc-')), 'kubeconfig');
    const config = readFileSync(kubeconfig, 'utf8').replace(/^(\s+)user: admin$/m, `$1user: admin\n$1namespace: ${ns}`);
    expect(config).toContain(`namespace: ${ns}`);
    writeFileSync(withNamespace, config, { mode: 0o600 });
    const manifest = join(dirname(withNamespace), 'ws.yaml');
    writeFileSync(manifest, 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: context-ns\nspec:\n  backend: mock\n  image: busybox:1\n');

    const applied = await runBoulder(['--kubeconfig', withNamespace, 'apply', '-f', manifest, '--no-daemon']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(await kubectlStdout(['get', 'workspace', 'context-ns', '-n', ns, '-o', 'name'])).toContain('workspace.nexus.dev/context-ns');

    const got = await runBoulder(['--kubeconfig', withNamespace, 'get', 'workspace', 'context-ns', '-o', 'name']);
    expect(got.stdout.trim()).toBe('workspace.nexus.dev/context-ns');
    const elsewhere = await runBoulder(['--kubeconfig', withNamespace, 'get', 'workspace', 'context-ns', '-n', 'default', '-o', 'name']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('not found');

    // The context's namespace is a default, not an explicit -n: a manifest's own namespace wins
    // (kubectl's rule), for apply and for delete -f alike.
    const other = suite.names[1] as string;
    const own = join(dirname(withNamespace), 'own.yaml');
    writeFileSync(own, `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: own-ns\n  namespace: ${other}\nspec:\n  backend: mock\n  image: busybox:1\n`);
    const appliedOwn = await runBoulder(['--kubeconfig', withNamespace, 'apply', '-f', own, '--no-daemon']);
    expect(appliedOwn.stderr).toBe('');
    expect(appliedOwn.code).toBe(0);
    expect(await kubectlStdout(['get', 'workspace', 'own-ns', '-n', other, '-o', 'name'])).toContain('workspace.nexus.dev/own-ns');
    const deletedOwn = await runBoulder(['--kubeconfig', withNamespace, 'delete', '-f', own]);
    expect(deletedOwn.stdout).toContain('workspace.nexus.dev "own-ns" deleted');
  });

  it('reports an unreachable API server with exit code 7, naming it', async () => {
    const kubeconfig = writeKubeconfig('https://127.0.0.1:1');
    const result = await runBoulder(['--kubeconfig', kubeconfig, 'get', 'workspaces']);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('cannot reach the Kubernetes API server https://127.0.0.1:1');
  });
});
