/**
 * Black-box: the configuration `store: kubernetes` (issue 7) selects the cluster of
 * `backends.kubernetes.kubeconfig` / `.context` as the store without any flag, so `boulder apply`
 * and `boulder get` show the objects `kubectl get` shows; without --namespace the kubeconfig
 * context's namespace applies, as with `--kubeconfig`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runBoulder, type RunResult } from '../cli/harness.ts';
import { k8sEnv, kubectlStdout, useNamespaces } from './harness.ts';

const EXAMPLE = join(ROOT, 'manifests', 'examples', 'mock-workspace.yaml');
const suite = useNamespaces('cfgstore');

interface Listed {
  items: { metadata: { name: string; namespace: string; uid: string; resourceVersion: string }; spec: unknown }[];
}

let root: string;

const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** Runs boulder with only `env`'s configuration: no NEXUS_* variable or KUBECONFIG of the host, no node file. */
function boulder(args: string[], env: Record<string, string>): Promise<RunResult> {
  const clean = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('NEXUS_')).map((k) => [k, '']));
  return runBoulder(args, { cwd: root, env: { ...clean, KUBECONFIG: '', NEXUS_NODE_CONFIG: '', HOME: join(root, 'empty-home'), ...env } });
}

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'boulder-cfgstore-'));
}, 240_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('configuration store: kubernetes', () => {
  it('apply and get use the configured cluster: the same objects as kubectl get, and no daemon', async () => {
    const { kubeconfig } = k8sEnv();
    const ns = suite.names[0] as string;
    const userFile = write(join(root, 'user.yaml'), `store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n`);
    const env = { NEXUS_USER_CONFIG: userFile };
    const stateDir = join(root, 'state');

    const applied = await boulder(['apply', '-n', ns, '-f', EXAMPLE, '--state-dir', stateDir], env);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('workspace.nexus.dev/demo created');
    // The Kubernetes store: no daemon was started, the state dir was never touched.
    expect(existsSync(stateDir)).toBe(false);

    const table = await boulder(['get', 'workspaces', '-n', ns], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\b/);
    expect(table.stdout).toMatch(/\ndemo\b/);
    const ours = JSON.parse((await boulder(['get', 'workspaces', '-n', ns, '-o', 'json'], env)).stdout) as Listed;
    const theirs = JSON.parse(await kubectlStdout(['get', 'workspaces', '-n', ns, '-o', 'json'])) as Listed;
    expect(ours.items.map((o) => o.metadata.uid)).toEqual(theirs.items.map((o) => o.metadata.uid));
    expect(ours.items.map((o) => o.metadata.uid)).toHaveLength(1);
    expect(ours.items[0]?.metadata.resourceVersion).toBe(theirs.items[0]?.metadata.resourceVersion);
    expect(ours.items[0]?.spec).toEqual(theirs.items[0]?.spec);

    // --store embedded: the state dir for one command, where nothing was applied.
    const embedded = await boulder(['--store', 'embedded', 'get', 'workspaces', '-n', ns, '-o', 'name', '--state-dir', stateDir], env);
    expect(embedded).toMatchObject({ code: 0, stdout: '' });

    // The configured context is used too.
    writeFileSync(userFile, `store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n    context: nope\n`);
    const badContext = await boulder(['get', 'workspaces', '-n', ns], env);
    expect(badContext.code).toBe(3);
    expect(badContext.stderr).toContain('context "nope" does not exist in the kubeconfig');
  });

  it("~/.nexus/config.yaml selects the store; without --namespace the context's namespace applies", async () => {
    const { kubeconfig } = k8sEnv();
    const ns = suite.names[0] as string;
    const home = join(root, 'home');
    const withNamespace = join(home, '.kube', 'team');
    const config = readFileSync(kubeconfig, 'utf8').replace(/^(\s+)user: admin$/m, `$1user: admin\n$1namespace: ${ns}`);
    expect(config).toContain(`namespace: ${ns}`);
    write(withNamespace, config);
    write(join(home, '.nexus', 'config.yaml'), 'store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: ~/.kube/team\n');
    const manifest = write(join(root, 'ws.yaml'), 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: config-ns\nspec:\n  backend: mock\n  image: busybox:1\n');
    const env = { HOME: home };

    const applied = await boulder(['apply', '-f', manifest], env);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(await kubectlStdout(['get', 'workspace', 'config-ns', '-n', ns, '-o', 'name'])).toContain('workspace.nexus.dev/config-ns');

    const got = await boulder(['get', 'workspace', 'config-ns', '-o', 'name'], env);
    expect(got).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/config-ns\n' });
    const elsewhere = await boulder(['get', 'workspace', 'config-ns', '-n', 'default', '-o', 'name'], env);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('not found');

    const shown = await boulder(['config', 'view', '--show-origin'], env);
    expect(shown.stdout.split('\n')).toContain('store: kubernetes # user ~/.nexus/config.yaml:1:8');
  });
});
