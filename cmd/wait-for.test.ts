import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../apis/client/types.ts';
import { resolveKind, type KindInfo } from '../apis/kinds.ts';
import type { KubeObject } from '../apis/meta.ts';
import { createTestDeps, type TestDeps } from './test-support.ts';
import { conditionMet, parseWaitTarget, waitForObjects } from './wait-for.ts';

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
    expect(met).toEqual({ met: ['a'], timedOut: [], failed: [] });
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
    expect(result).toEqual({ met: [], timedOut: ['a'], failed: [{ name: 'missing', reason: 'not found' }] });

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
