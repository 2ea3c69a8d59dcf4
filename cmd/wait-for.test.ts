import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../apis/client/types.ts';
import { resolveKind, type KindInfo } from '../apis/kinds.ts';
import type { KubeObject } from '../apis/meta.ts';
import { createTestDeps, type TestDeps } from './test-support.ts';
import { conditionMet, parseWaitTarget, terminalFailureFor, waitForObjects } from './wait-for.ts';

const ws = resolveKind('ws') as KindInfo;

function workspace(name: string): KubeObject {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace: 'default' }, spec: { backend: 'mock', image: 'x' } };
}

function ready(obj: KubeObject, status: 'True' | 'False', observedGeneration = obj.metadata.generation): KubeObject {
  return {
    ...obj,
    status: { conditions: [{ type: 'Ready', status, reason: 'Test', message: '', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration }] },
  };
}

describe('parseWaitTarget', () => {
  it.each([
    ['delete', { for: 'delete' }],
    ['condition=Ready', { for: 'condition', condition: 'Ready', status: 'True' }],
    ['condition=Ready=false', { for: 'condition', condition: 'Ready', status: 'False' }],
    ['condition=Synced=Unknown', { for: 'condition', condition: 'Synced', status: 'Unknown' }],
  ])('%s', (text, target) => {
    expect(parseWaitTarget(text)).toEqual(target);
  });

  it.each(['', 'condition', 'condition=', 'condition=Ready=maybe', 'jsonpath={.x}'])('rejects %j', (text) => {
    expect(parseWaitTarget(text)).toBeUndefined();
  });
});

describe('conditionMet', () => {
  it('requires the status and a condition observed for the current generation', () => {
    const obj = { ...workspace('a'), metadata: { name: 'a', generation: 2 } };
    expect(conditionMet(ready(obj, 'True', 2), 'Ready', 'True')).toBe(true);
    expect(conditionMet(ready(obj, 'True', 1), 'Ready', 'True')).toBe(false);
    expect(conditionMet(ready(obj, 'False', 2), 'Ready', 'True')).toBe(false);
    expect(conditionMet(obj, 'Ready', 'True')).toBe(false);
  });
});

describe('waitForObjects (real embedded store)', () => {
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

  it('returns at once when the condition already holds or the object is already gone', async () => {
    const a = await client.create(workspace('a'));
    await client.updateStatus(ready(a, 'True'));
    const met = await waitForObjects(client, ws, 'default', ['a'], { for: 'condition', condition: 'Ready', status: 'True' }, { timeoutMs: 5000 });
    expect(met).toMatchObject({ met: ['a'], timedOut: [], failed: [] });
    const gone = await waitForObjects(client, ws, 'default', ['nope'], { for: 'delete' }, { timeoutMs: 5000 });
    expect(gone.met).toEqual(['nope']);
  });

  it('follows the watch until the condition is met', async () => {
    const a = await client.create(workspace('a'));
    const started = Date.now();
    setTimeout(() => void client.updateStatus(ready(a, 'True')), 150);
    const result = await waitForObjects(client, ws, 'default', ['a'], { for: 'condition', condition: 'Ready', status: 'True' }, { timeoutMs: 10_000 });
    expect(result.met).toEqual(['a']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('sees deletion through the watch', async () => {
    await client.create(workspace('a'));
    setTimeout(() => void client.delete('Workspace', 'default', 'a'), 100);
    const result = await waitForObjects(client, ws, 'default', ['a'], { for: 'delete' }, { timeoutMs: 10_000 });
    expect(result.met).toEqual(['a']);
  });

  it('times out, and fails objects that do not exist or vanish', async () => {
    await client.create(workspace('a'));
    const started = Date.now();
    const result = await waitForObjects(client, ws, 'default', ['a', 'missing'], { for: 'condition', condition: 'Ready', status: 'True' }, { timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result).toMatchObject({ met: [], timedOut: ['a'], failed: [{ name: 'missing', reason: 'not found' }] });

    setTimeout(() => void client.delete('Workspace', 'default', 'a'), 100);
    const vanished = await waitForObjects(client, ws, 'default', ['a'], { for: 'condition', condition: 'Ready', status: 'True' }, { timeoutMs: 10_000 });
    expect(vanished.failed).toEqual([{ name: 'a', reason: 'was deleted' }]);
  });

  it('stops early when interrupted', async () => {
    await client.create(workspace('a'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const result = await waitForObjects(client, ws, 'default', ['a'], { for: 'delete' }, { timeoutMs: 30_000, signal: controller.signal });
    expect(result.timedOut).toEqual(['a']);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

/** Ready=False plus Stalled=True (what the terminal recorder writes) for `generation`. */
function stalled(obj: KubeObject, generation: number, phase?: string): KubeObject {
  const failure = { reason: 'NotAGitRepository', message: 'repository path /nope does not exist', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: generation };
  return {
    ...obj,
    status: { ...(phase !== undefined ? { phase } : {}), conditions: [{ type: 'Ready', status: 'False', ...failure }, { type: 'Stalled', status: 'True', ...failure }] },
  };
}

describe('terminalFailureFor (per generation)', () => {
  const obj = { ...workspace('a'), metadata: { name: 'a', generation: 3 } };
  const condition = { for: 'condition', condition: 'Ready', status: 'True' } as const;

  it('ends a condition wait on Stalled=True for the current generation', () => {
    expect(terminalFailureFor(stalled(obj, 3), condition)).toEqual({ reason: 'NotAGitRepository', message: 'repository path /nope does not exist' });
  });

  it('ignores a Stalled condition left from an older generation, a Stalled=False and a plain Ready=False', () => {
    expect(terminalFailureFor(stalled(obj, 2), condition)).toBeUndefined();
    const notStalled = stalled(obj, 3);
    (notStalled.status as { conditions: { status: string }[] }).conditions[1]!.status = 'False';
    expect(terminalFailureFor(notStalled, condition)).toBeUndefined();
    expect(terminalFailureFor(ready(obj, 'False', 3), condition)).toBeUndefined();
  });

  it('ends a delete wait only once cleanup started (phase Terminating)', () => {
    expect(terminalFailureFor(stalled(obj, 3), { for: 'delete' })).toBeUndefined();
    expect(terminalFailureFor(stalled(obj, 3, 'Terminating'), { for: 'delete' })).toMatchObject({ reason: 'NotAGitRepository' });
  });
});

describe('waitForObjects ends on a terminal failure (real embedded store)', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  const condition = { for: 'condition', condition: 'Ready', status: 'True' } as const;

  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('at once when the failure is already reported for the current generation', async () => {
    const a = await client.create(workspace('a'));
    await client.updateStatus(stalled(a, a.metadata.generation!));
    const started = Date.now();
    const result = await waitForObjects(client, ws, 'default', ['a'], condition, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.failed).toEqual([{ name: 'a', reason: 'failed: NotAGitRepository: repository path /nope does not exist', terminal: { reason: 'NotAGitRepository', message: 'repository path /nope does not exist' } }]);
  });

  it('not on a stale failure of an older generation: waits until the controller judges the new spec', async () => {
    const a = await client.create(workspace('a'));
    await client.updateStatus(stalled(a, 1));
    const edited = await client.update({ ...(await client.get('Workspace', 'default', 'a')), spec: { backend: 'mock', image: 'y' } });
    expect(edited.metadata.generation).toBe(2);
    const stale = await waitForObjects(client, ws, 'default', ['a'], condition, { timeoutMs: 300 });
    expect(stale).toMatchObject({ met: [], failed: [], timedOut: ['a'] });

    setTimeout(() => void client.get('Workspace', 'default', 'a').then((cur) => client.updateStatus(stalled(cur, 2))), 100);
    const judged = await waitForObjects(client, ws, 'default', ['a'], condition, { timeoutMs: 10_000 });
    expect(judged.failed.map((f) => f.terminal?.reason)).toEqual(['NotAGitRepository']);
  });

  it('a wait for Ready=False is met, not failed, by the same status', async () => {
    const a = await client.create(workspace('a'));
    await client.updateStatus(stalled(a, 1));
    const result = await waitForObjects(client, ws, 'default', ['a'], { for: 'condition', condition: 'Ready', status: 'False' }, { timeoutMs: 1_000 });
    expect(result).toMatchObject({ met: ['a'], failed: [] });
  });

  it('a delete wait reports each version seen (for cleanup failures) and the latest at the timeout', async () => {
    await client.create({ ...workspace('a'), metadata: { name: 'a', namespace: 'default', finalizers: ['nexus.dev/cleanup'] } });
    await client.delete('Workspace', 'default', 'a');
    const seen: string[] = [];
    setTimeout(() => void client.get('Workspace', 'default', 'a').then((cur) => client.updateStatus({ ...cur, status: { phase: 'Terminating', conditions: [{ type: 'Ready', status: 'False', reason: 'CleanupFailed', message: 'busy (attempt 1)', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 1 }] } })), 50);
    const result = await waitForObjects(client, ws, 'default', ['a'], { for: 'delete' }, { timeoutMs: 600, onObject: (o) => seen.push(String((o.status as { phase?: string } | undefined)?.phase)) });
    expect(result.timedOut).toEqual(['a']);
    expect(seen).toEqual(['undefined', 'Terminating']);
    expect(result.latest.get('a')?.status).toMatchObject({ phase: 'Terminating' });
  });
});
