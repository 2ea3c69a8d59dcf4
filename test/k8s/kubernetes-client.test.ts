/**
 * The Kubernetes ResourceClient against the real kube-apiserver, beyond the shared conformance
 * suite: the API server's own validation (422 causes → field issues), Forbidden for a
 * least-privilege ServiceAccount, the `boulder` field manager of server-side apply, watches that
 * outlive the server's watch timeout, and garbage collection still working after the watch
 * history was discarded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventually, expectCode, WatchRecorder, workspace } from '../store/conformance/harness.ts';
import { openKubernetesClient, type KubernetesResourceClient } from '../../apis/client/kubernetes/kubernetes-client.ts';
import { openClient } from '../../apis/client/open.ts';
import { ValidationError } from '../../apis/errors.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { expireWatchHistory } from './control-plane.ts';
import { k8sEnv, kubectlStdout, kubernetesSpec, useNamespaces } from './harness.ts';

const suite = useNamespaces('client');
let client: KubernetesResourceClient;

beforeAll(async () => {
  client = await openKubernetesClient({ kubeconfig: k8sEnv().kubeconfig });
});
afterAll(async () => {
  await client.close();
});

function ns(): string {
  return suite.names[0] as string;
}

describe('Kubernetes ResourceClient on kube-apiserver', () => {
  it('opens through openClient from a JSON ClientSpec, in the context namespace by default', async () => {
    const viaSpec = await openClient(kubernetesSpec());
    try {
      expect((viaSpec as KubernetesResourceClient).namespace).toBe('default');
      const created = await viaSpec.create(workspace(ns(), 'via-spec'));
      expect((await client.get('Workspace', ns(), 'via-spec')).metadata.uid).toBe(created.metadata.uid);
    } finally {
      await viaSpec.close();
    }
  });

  it('maps the API server\'s 422 to a ValidationError with the field paths of its causes', async () => {
    const unchecked = await openKubernetesClient({ kubeconfig: k8sEnv().kubeconfig, admit: (obj) => obj });
    try {
      const bad: KubeObject = { ...workspace(ns(), 'Bad_Name'), spec: { backend: 'teleport', image: 'busybox:1' } };
      const err = await expectCode(unchecked.create(bad), 'Invalid');
      expect(err).toBeInstanceOf(ValidationError);
      const paths = (err as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(['metadata.name', 'spec.backend']);
      expect(err.message).toContain('spec.backend: Unsupported value: "teleport"');
    } finally {
      await unchecked.close();
    }
  });

  it('answers a ServiceAccount without rights with Forbidden', async () => {
    const account = 'no-rights';
    await kubectlStdout(['create', 'serviceaccount', account, '-n', ns()]);
    const token = (await kubectlStdout(['create', 'token', account, '-n', ns(), '--duration=10m'])).trim();
    const config = parse(readFileSync(k8sEnv().kubeconfig, 'utf8')) as { users: { name: string; user: Record<string, string> }[] };
    for (const user of config.users) user.user = { token };
    const dir = mkdtempSync(join(tmpdir(), 'boulder-sa-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(path, stringify(config));
    const restricted = await openKubernetesClient({ kubeconfig: path });
    try {
      const err = await expectCode(restricted.list('Workspace', { namespace: ns() }), 'Forbidden');
      expect(err.message).toContain(`system:serviceaccount:${ns()}:${account}`);
      await expectCode(restricted.create(workspace(ns(), 'nope')), 'Forbidden');
    } finally {
      await restricted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies server-side as the field manager boulder, defaults included', async () => {
    const { object } = await client.apply(workspace(ns(), 'ssa'));
    expect((object.spec as { state?: string }).state).toBe('Running');
    const raw = JSON.parse(await kubectlStdout(['get', 'workspace', 'ssa', '-n', ns(), '-o', 'json', '--show-managed-fields'])) as {
      metadata: { managedFields: { manager: string; operation: string; fieldsV1: { 'f:spec'?: object } }[] };
    };
    const applied = raw.metadata.managedFields.find((f) => f.manager === 'boulder' && f.operation === 'Apply');
    expect(applied?.fieldsV1['f:spec']).toMatchObject({ 'f:backend': {}, 'f:image': {} });
  });

  it('keeps what an earlier apply set and this one omits, like the embedded store (merge, not SSA pruning)', async () => {
    const first = workspace(ns(), 'merge-again', { labels: { app: 'web', tier: 'front' } });
    first.metadata.annotations = { 'nexus.dev/owner': 'alice' };
    await client.apply(first);
    const second = await client.apply(workspace(ns(), 'merge-again', { labels: { app: 'api' } }));
    expect(second.outcome).toBe('configured');
    expect(second.object.metadata.labels).toEqual({ app: 'api', tier: 'front' });
    expect(second.object.metadata.annotations).toEqual({ 'nexus.dev/owner': 'alice' });
    const third = await client.apply(workspace(ns(), 'merge-again', { labels: { app: 'api' } }));
    expect(third.outcome).toBe('unchanged');
    expect(third.object.metadata.resourceVersion).toBe(second.object.metadata.resourceVersion);
  });

  it('keeps a watch going across the server\'s watch timeouts, resuming where it left off', { timeout: 30_000 }, async () => {
    const short = await openKubernetesClient({ kubeconfig: k8sEnv().kubeconfig, watchTimeoutSeconds: 1 });
    const { resourceVersion } = await short.list('Workspace', { namespace: ns() });
    const recorder = new WatchRecorder(short, 'Workspace', { namespace: ns(), resourceVersion });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const created = await client.create(workspace(ns(), 'after-timeouts'));
      await client.delete('Workspace', ns(), 'after-timeouts');
      const events = await recorder.waitFor(2);
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED after-timeouts', 'DELETED after-timeouts']);
      expect(events[0]?.object.metadata.uid).toBe(created.metadata.uid);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(recorder.events).toHaveLength(2);
      expect(recorder.error).toBeUndefined();
      expect(recorder.ended).toBe(false);
    } finally {
      await recorder.stop();
      await short.close();
    }
  });

  it('discards the watch history, after which garbage collection still works', { timeout: 60_000 }, async () => {
    const owner = await client.create(workspace(ns(), 'gc-owner'));
    const started = performance.now();
    await expireWatchHistory(client);
    const expireMs = performance.now() - started;
    await expectCode(
      client.watch('Workspace', { namespace: ns(), resourceVersion: owner.metadata.resourceVersion })[Symbol.asyncIterator]().next(),
      'Gone',
    );
    const ownerRef = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '' };
    await client.create(workspace(ns(), 'gc-child', { ownerReferences: [ownerRef] }));
    await client.delete('Workspace', ns(), 'gc-owner');
    await eventually(() => expectCode(client.get('Workspace', ns(), 'gc-child'), 'NotFound'), 30_000, 100);
    expect(expireMs).toBeLessThan(20_000);
  });
});
