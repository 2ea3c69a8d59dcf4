import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../store/embedded-store.ts';
import type { Workspace } from '../types/index.ts';
import type { ResourceClient } from './types.ts';
import { MAX_CONFLICT_RETRIES, updateWithRetry } from './update.ts';

/** The workspace paused, as a mutation (undefined when it already is). */
const pause = (ws: Workspace): Workspace | undefined => (ws.spec.state === 'Paused' ? undefined : { ...ws, spec: { ...ws.spec, state: 'Paused' } });

describe('updateWithRetry', () => {
  let dir: string;
  let client: ResourceClient;
  const address = { kind: 'Workspace' as const, namespace: 'default', name: 'a' };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boulder-update-'));
    client = await openEmbeddedStore({ path: join(dir, 'boulder.db') });
    await client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a' }, spec: { backend: 'mock', image: 'x' } });
  });
  afterEach(async () => {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('recomputes the change from a fresh read after a Conflict', async () => {
    const stale = await client.get<Workspace>('Workspace', 'default', 'a');
    const fresh = await client.update<Workspace>({ ...stale, metadata: { ...stale.metadata, labels: { other: 'writer' } } });
    let calls = 0;
    const { object, changed } = await updateWithRetry<Workspace>(
      client,
      address,
      (ws) => {
        calls++;
        return pause(ws);
      },
      stale,
    );
    expect(calls).toBe(2);
    expect(changed).toBe(true);
    expect(object.spec.state).toBe('Paused');
    expect(object.metadata.labels).toEqual({ other: 'writer' });
    expect(Number(object.metadata.resourceVersion)).toBeGreaterThan(Number(fresh.metadata.resourceVersion));
  });

  it('writes nothing when the mutation has nothing to change', async () => {
    const before = await client.get<Workspace>('Workspace', 'default', 'a');
    const { object, changed } = await updateWithRetry<Workspace>(client, address, () => undefined);
    expect(changed).toBe(false);
    expect(object.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('gives up after MAX_CONFLICT_RETRIES further conflicts', async () => {
    const ws = await client.get<Workspace>('Workspace', 'default', 'a');
    await client.update({ ...ws, metadata: { ...ws.metadata, labels: { moved: 'on' } } });
    let attempts = 0;
    // A mutation that always sends an outdated resourceVersion conflicts on every attempt.
    const always = updateWithRetry<Workspace>(client, address, (ws) => {
      attempts++;
      return { ...ws, metadata: { ...ws.metadata, resourceVersion: '1' }, spec: { ...ws.spec, state: 'Stopped' } };
    });
    await expect(always).rejects.toMatchObject({ code: 'Conflict' });
    expect(attempts).toBe(MAX_CONFLICT_RETRIES + 1);
  });

  it('propagates NotFound', async () => {
    await expect(updateWithRetry<Workspace>(client, { ...address, name: 'nope' }, (ws) => ws)).rejects.toMatchObject({ code: 'NotFound' });
  });
});
