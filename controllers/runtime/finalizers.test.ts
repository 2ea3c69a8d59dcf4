import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/meta.ts';
import { addFinalizer, hasFinalizer, isBeingDeleted, reconcileWithFinalizer, removeFinalizer } from './finalizers.ts';
import { isCleanupError, isTerminalError, TerminalError } from './errors.ts';
import { getOrUndefined, openTempStore, portBindingObject, workspaceObject, type TempStore } from './testing.ts';
import { CLEANUP_FINALIZER } from '../../apis/names/index.ts';

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  await store.dispose();
});

/** Handlers that record which half ran. */
function recorder(cleanupError?: Error): {
  calls: string[];
  handlers: { apply(o: KubeObject): Promise<string>; cleanup(o: KubeObject): Promise<string> };
} {
  const calls: string[] = [];
  return {
    calls,
    handlers: {
      apply: (o) => {
        calls.push(`apply:${o.metadata.name}`);
        return Promise.resolve('applied');
      },
      cleanup: (o) => {
        calls.push(`cleanup:${o.metadata.name}`);
        return cleanupError ? Promise.reject(cleanupError) : Promise.resolve('cleaned');
      },
    },
  };
}

describe('hasFinalizer / isBeingDeleted', () => {
  it('read metadata', () => {
    const obj = workspaceObject('a', { finalizers: ['x', CLEANUP_FINALIZER] });
    expect(hasFinalizer(obj, CLEANUP_FINALIZER)).toBe(true);
    expect(hasFinalizer(workspaceObject('a'), CLEANUP_FINALIZER)).toBe(false);
    expect(isBeingDeleted(obj)).toBe(false);
    expect(isBeingDeleted({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } })).toBe(true);
  });
});

describe('reconcileWithFinalizer', () => {
  it('not deleting, no finalizer: adds the finalizer and returns without applying', async () => {
    const obj = await store.client.create(workspaceObject('a'));
    const { calls, handlers } = recorder();
    expect(await reconcileWithFinalizer(obj, CLEANUP_FINALIZER, store.client, handlers)).toBeUndefined();
    expect(calls).toEqual([]);
    const stored = await store.client.get('Workspace', 'default', 'a');
    expect(stored.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
  });

  it('not deleting, has finalizer: applies and writes nothing', async () => {
    const obj = await store.client.create(workspaceObject('a', { finalizers: [CLEANUP_FINALIZER] }));
    const { calls, handlers } = recorder();
    expect(await reconcileWithFinalizer(obj, CLEANUP_FINALIZER, store.client, handlers)).toBe('applied');
    expect(calls).toEqual(['apply:a']);
    expect((await store.client.get('Workspace', 'default', 'a')).metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
  });

  it('deleting, has finalizer: cleans up, then removes the finalizer so the object goes', async () => {
    await store.client.create(workspaceObject('a', { finalizers: [CLEANUP_FINALIZER] }));
    const deleting = await store.client.delete('Workspace', 'default', 'a');
    const { calls, handlers } = recorder();
    expect(await reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, handlers)).toBe('cleaned');
    expect(calls).toEqual(['cleanup:a']);
    expect(await getOrUndefined(store.client, 'Workspace', 'a')).toBeUndefined();
  });

  it('deleting, has finalizer, other finalizers remain: only ours is removed', async () => {
    await store.client.create(workspaceObject('a', { finalizers: ['other.dev/hold', CLEANUP_FINALIZER] }));
    const deleting = await store.client.delete('Workspace', 'default', 'a');
    const { handlers } = recorder();
    await reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, handlers);
    const stored = await store.client.get('Workspace', 'default', 'a');
    expect(stored.metadata.finalizers).toEqual(['other.dev/hold']);
    expect(stored.metadata.deletionTimestamp).toBeDefined();
  });

  it('deleting, cleanup fails: keeps the finalizer and rethrows', async () => {
    await store.client.create(workspaceObject('a', { finalizers: [CLEANUP_FINALIZER] }));
    const deleting = await store.client.delete('Workspace', 'default', 'a');
    const { calls, handlers } = recorder(new Error('backend unreachable'));
    await expect(reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, handlers)).rejects.toThrow(
      'backend unreachable',
    );
    expect(calls).toEqual(['cleanup:a']);
    const stored = await store.client.get('Workspace', 'default', 'a');
    expect(stored.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
  });

  it('deleting, no finalizer of ours: does nothing', async () => {
    await store.client.create(workspaceObject('a', { finalizers: ['other.dev/hold'] }));
    const deleting = await store.client.delete('Workspace', 'default', 'a');
    const { calls, handlers } = recorder();
    expect(await reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, handlers)).toBeUndefined();
    expect(calls).toEqual([]);
    expect((await store.client.get('Workspace', 'default', 'a')).metadata.finalizers).toEqual(['other.dev/hold']);
  });
});

describe('finalizer edits are conflict-safe', () => {
  it('addFinalizer from a stale copy re-reads and keeps the concurrent change', async () => {
    const stale = await store.client.create(workspaceObject('a'));
    const fresh = await store.client.get('Workspace', 'default', 'a');
    await store.client.update({ ...fresh, metadata: { ...fresh.metadata, labels: { team: 'x' } } });
    const stored = await addFinalizer(store.client, stale, CLEANUP_FINALIZER);
    expect(stored?.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    expect(stored?.metadata.labels).toEqual({ team: 'x' });
  });

  it('addFinalizer does not add to an object whose deletion began meanwhile', async () => {
    const stale = await store.client.create(workspaceObject('a', { finalizers: ['other.dev/hold'] }));
    await store.client.delete('Workspace', 'default', 'a');
    const stored = await addFinalizer(store.client, { ...stale, metadata: { ...stale.metadata, finalizers: [] } }, CLEANUP_FINALIZER);
    expect(stored?.metadata.finalizers).toEqual(['other.dev/hold']);
  });

  it('removeFinalizer from a stale copy re-reads and succeeds', async () => {
    await store.client.create(workspaceObject('a', { finalizers: [CLEANUP_FINALIZER, 'other.dev/hold'] }));
    const stale = await store.client.delete('Workspace', 'default', 'a');
    const fresh = await store.client.get('Workspace', 'default', 'a');
    await store.client.update({ ...fresh, metadata: { ...fresh.metadata, labels: { touched: 'yes' } } });
    const stored = await removeFinalizer(store.client, stale, CLEANUP_FINALIZER);
    expect(stored?.metadata.finalizers).toEqual(['other.dev/hold']);
    expect(stored?.metadata.labels).toEqual({ touched: 'yes' });
  });

  it('edits of an object that is gone resolve undefined', async () => {
    const obj = await store.client.create(workspaceObject('a'));
    await store.client.delete('Workspace', 'default', 'a');
    expect(await addFinalizer(store.client, obj, CLEANUP_FINALIZER)).toBeUndefined();
    expect(await removeFinalizer(store.client, { ...obj, metadata: { ...obj.metadata, finalizers: [CLEANUP_FINALIZER] } }, CLEANUP_FINALIZER)).toBeUndefined();
  });
});

describe('reconcileWithFinalizer during deletion (issue 20)', () => {
  const syncSession = (name: string): KubeObject => ({
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'SyncSession',
    metadata: { name, namespace: 'default', finalizers: [CLEANUP_FINALIZER] },
    spec: { alpha: '/tmp/a', beta: '/tmp/b' },
  });

  it.each([
    ['Workspace', () => workspaceObject('w', { finalizers: [CLEANUP_FINALIZER] })],
    ['PortBinding', () => ({ ...portBindingObject('p', 'w'), metadata: { ...portBindingObject('p', 'w').metadata, finalizers: [CLEANUP_FINALIZER] } })],
    ['SyncSession', () => syncSession('s')],
  ] as const)('%s: writes phase Terminating (dropping Stalled) before cleanup and turns its failure into a CleanupError, keeping the finalizer', async (kind, make) => {
    const created = await store.client.create(make());
    await store.client.updateStatus({ ...created, status: { conditions: [{ type: 'Stalled', status: 'True', reason: 'Old', message: 'old', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
    const deleting = await store.client.delete(kind, 'default', created.metadata.name);
    const seenPhase: unknown[] = [];
    const err = await reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, {
      apply: () => Promise.resolve(undefined),
      cleanup: (o) => {
        seenPhase.push((o.status as { phase?: string } | undefined)?.phase);
        return Promise.reject(new Error('device or resource busy'));
      },
    }).catch((e: unknown) => e);
    expect(isCleanupError(err)).toBe(true);
    expect((err as Error).message).toBe('device or resource busy');
    expect(seenPhase).toEqual(['Terminating']);
    const after = (await getOrUndefined(store.client, kind, created.metadata.name))!;
    expect(after.status).toMatchObject({ phase: 'Terminating' });
    expect((after.status as { conditions?: { type: string }[] }).conditions?.map((c) => c.type)).toEqual([]);
    expect(after.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
  });

  it('leaves a TerminalError from cleanup terminal', async () => {
    const created = await store.client.create(workspaceObject('t', { finalizers: [CLEANUP_FINALIZER] }));
    const deleting = await store.client.delete('Workspace', 'default', created.metadata.name);
    const err = await reconcileWithFinalizer(deleting, CLEANUP_FINALIZER, store.client, {
      apply: () => Promise.resolve(undefined),
      cleanup: () => Promise.reject(new TerminalError('BackendUnavailable', 'no docker here')),
    }).catch((e: unknown) => e);
    expect(isTerminalError(err)).toBe(true);
  });
});
