import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import { kindByName, type KindInfo } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import { followUntilReady, progressLabel } from './follow.ts';
import type { ObjectProgress } from './lines.ts';
import { PlainProgressView } from './view.ts';
import { waitWithProgress } from './wait.ts';

const WS = kindByName('Workspace') as KindInfo;
const T = '2026-01-01T00:00:00Z';

function workspace(name: string, namespace = 'default'): KubeObject {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace }, spec: { backend: 'mock', image: 'busybox' } };
}

/** Writes a status the way the controller would: conditions for the object's current generation. */
async function setConditions(client: ResourceClient, name: string, conditions: [string, 'True' | 'False', string][], namespace = 'default'): Promise<void> {
  const obj = await client.get('Workspace', namespace, name);
  await client.updateStatus({
    ...obj,
    status: { conditions: conditions.map(([type, status, reason]) => ({ type, status, reason, message: '', observedGeneration: obj.metadata.generation, lastTransitionTime: T })) },
  });
}

describe('followUntilReady', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('reports each change and ends when every object (of several namespaces) is Ready', async () => {
    await client.create(workspace('a'));
    await client.create(workspace('b', 'other'));
    const seen: string[] = [];
    const following = followUntilReady(
      client,
      [
        { kind: WS, namespace: 'default', name: 'a' },
        { kind: WS, namespace: 'other', name: 'b' },
      ],
      { timeoutMs: 10_000, onChange: (objects) => seen.push(objects.map((o) => o.outcome).join(',')) },
    );
    await setConditions(client, 'a', [['ContainerReady', 'True', 'Running'], ['Ready', 'False', 'NotReady']]);
    await setConditions(client, 'a', [['ContainerReady', 'True', 'Running'], ['Ready', 'True', 'Ready']]);
    await setConditions(client, 'b', [['Ready', 'True', 'Ready']], 'other');
    const result = await following;
    expect(result.map((r) => [r.label, r.outcome])).toEqual([
      ['workspace/a', 'ready'],
      ['workspace/other/b', 'ready'],
    ]);
    expect(seen.at(-1)).toBe('ready,ready');
    expect(seen).toContain('waiting,waiting');
  });

  it('does not count a Ready condition of an older generation', async () => {
    await client.create(workspace('a'));
    await setConditions(client, 'a', [['Ready', 'True', 'Ready']]);
    const obj = await client.get('Workspace', 'default', 'a');
    await client.update({ ...obj, spec: { backend: 'mock', image: 'busybox', state: 'Paused' } });
    const [result] = await followUntilReady(client, [{ kind: WS, namespace: 'default', name: 'a' }], { timeoutMs: 200 });
    expect(result?.outcome).toBe('timedOut');
  });

  it('reports missing and deleted objects', async () => {
    await client.create({ ...workspace('doomed'), metadata: { name: 'doomed', finalizers: ['test/hold'] } });
    const following = followUntilReady(
      client,
      [
        { kind: WS, namespace: 'default', name: 'missing' },
        { kind: WS, namespace: 'default', name: 'doomed' },
      ],
      { timeoutMs: 10_000 },
    );
    await new Promise((r) => setTimeout(r, 50));
    const doomed = await client.delete('Workspace', 'default', 'doomed');
    await client.update({ ...doomed, metadata: { ...doomed.metadata, finalizers: [] } });
    expect((await following).map((r) => r.outcome)).toEqual(['notFound', 'deleted']);
  });

  it('labels objects of other namespaces with the namespace', () => {
    expect(progressLabel({ kind: WS, namespace: 'default', name: 'a' })).toBe('workspace/a');
    expect(progressLabel({ kind: WS, namespace: 'dev', name: 'a' })).toBe('workspace/dev/a');
  });
});

describe('waitWithProgress', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  beforeEach(async () => {
    deps = await createTestDeps({ nowMs: Date.parse(T) });
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('prints plain progress lines on stderr and returns no failure once Ready', async () => {
    await client.create(workspace('a'));
    const waiting = waitWithProgress(deps, client, [{ kind: WS, namespace: 'default', name: 'a' }], { timeoutMs: 10_000 });
    await setConditions(client, 'a', [['ContainerReady', 'True', 'Running'], ['Ready', 'True', 'Ready']]);
    expect(await waiting).toBeUndefined();
    expect(deps.err.text).toBe('workspace/a: ContainerReady=True (Running)\nworkspace/a: Ready (0.0s)\n');
  });

  it('reports timeouts (with the reason) and missing objects; the first failure (not found: 4) sets the code', async () => {
    await client.create(workspace('a'));
    await setConditions(client, 'a', [['ContainerReady', 'False', 'ImagePullFailed'], ['Ready', 'False', 'NotReady']]);
    const view = new PlainProgressView(deps.err);
    const code = await waitWithProgress(
      deps,
      client,
      [
        { kind: WS, namespace: 'default', name: 'a' },
        { kind: WS, namespace: 'default', name: 'nope' },
      ],
      { timeoutMs: 100, view },
    );
    expect(code).toBe(4);
    expect(deps.err.text).toMatch(/^warning: no boulder daemon is running for /m);
    expect(deps.err.text.split('\n').filter((l) => !l.startsWith('warning: no boulder daemon'))).toEqual([
      'workspace/a: ContainerReady=False (ImagePullFailed)',
      'workspace/a: Ready=False (NotReady)',
      'workspace/a: not Ready after 0.0s: ContainerReady=False (ImagePullFailed)',
      'workspace/nope: not found',
      'Error from server (NotFound): workspaces.nexus.dev "nope" not found',
      'error: timed out waiting for condition=Ready on workspaces/a',
      '',
    ]);
  });

  it('exits 6 on a timeout', async () => {
    await client.create(workspace('a'));
    expect(await waitWithProgress(deps, client, [{ kind: WS, namespace: 'default', name: 'a' }], { timeoutMs: 50 })).toBe(6);
    const lines = deps.err.text.split('\n').filter((l) => !l.startsWith('warning: no boulder daemon'));
    expect(lines.join('\n')).toMatch(/^workspace\/a: not Ready after 0\.0s: no status reported yet .*\nerror: timed out waiting for condition=Ready on workspaces\/a\n$/);
  });

  it('returns at once when there is nothing to wait for', async () => {
    const none: ObjectProgress[] = [];
    expect(await waitWithProgress(deps, client, [], { timeoutMs: 1 })).toBeUndefined();
    expect(none).toEqual([]);
    expect(deps.err.text).toBe('');
  });
});

describe('waitWithProgress ends on a terminal failure of the current generation', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('fails at once (exit 1) with the reason and message, but waits past a Stalled of an older generation', async () => {
    await client.create(workspace('a'));
    const obj = await client.get('Workspace', 'default', 'a');
    const failure = (observedGeneration: number): KubeObject['status'] => ({
      conditions: ['Ready', 'Stalled'].map((type) => ({ type, status: type === 'Ready' ? 'False' : 'True', reason: 'NotAGitRepository', message: 'repository path /nope does not exist', observedGeneration, lastTransitionTime: T })),
    });
    await client.updateStatus({ ...obj, status: failure(obj.metadata.generation!) });
    const view = new PlainProgressView(deps.stderr);
    const started = Date.now();
    expect(await waitWithProgress(deps, client, [{ kind: WS, namespace: 'default', name: 'a' }], { timeoutMs: 10_000, view })).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    const lines = deps.err.text.split('\n').filter((l) => !l.startsWith('warning: no boulder daemon'));
    expect(lines).toContain('workspace/a: Ready=False (NotAGitRepository): repository path /nope does not exist');
    expect(lines.some((l) => /^workspace\/a: failed after [\d.]+s: NotAGitRepository: repository path \/nope does not exist$/.test(l))).toBe(true);
    expect(lines).toContain('error: workspace.nexus.dev/a failed: NotAGitRepository: repository path /nope does not exist');

    // A new generation: the old failure is stale, the wait runs to its timeout.
    const edited = await client.update({ ...(await client.get('Workspace', 'default', 'a')), spec: { backend: 'mock', image: 'other' } });
    expect(edited.metadata.generation).toBe(2);
    const [stale] = await followUntilReady(client, [{ kind: WS, namespace: 'default', name: 'a' }], { timeoutMs: 300 });
    expect(stale?.outcome).toBe('timedOut');
  });
});
