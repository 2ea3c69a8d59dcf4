import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { ProviderError } from '../providers/errors.ts';
import { FakeClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { TerminalError } from '../runtime/errors.ts';
import { openTempStore, type TempStore } from '../runtime/testing.ts';
import { LiveStatus } from './live-status.ts';

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  await store.dispose();
});

async function created(): Promise<Workspace> {
  return store.client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w' }, spec: { backend: 'mock' } });
}

describe('LiveStatus.step', () => {
  it('records a terminal failure as phase Failed and a later transient one as Pending', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const terminal = new LiveStatus(store.client, await created(), clock);
    await expect(terminal.step('ContainerReady', () => Promise.reject(new ProviderError('ServiceFailed', 'conflict', { transient: false })))).rejects.toBeInstanceOf(TerminalError);
    expect(terminal.object.status?.phase).toBe('Failed');

    const transient = new LiveStatus(store.client, terminal.object, clock);
    await expect(transient.step('ContainerReady', () => Promise.reject(new ProviderError('EngineUnavailable', 'engine gone', { transient: true })))).rejects.toBeInstanceOf(ProviderError);
    expect(transient.object.status?.phase).toBe('Pending');
    expect(getCondition(transient.object.status?.conditions, 'ContainerReady')).toMatchObject({ status: 'False', reason: 'EngineUnavailable' });
    expect(getCondition(transient.object.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'EngineUnavailable' });
  });

  it('keeps the phase of a running workspace on a transient failure', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const ws = await created();
    const running = await store.client.updateStatus<Workspace>({ ...ws, status: { phase: 'Running' } });
    const live = new LiveStatus(store.client, running, clock);
    await expect(live.step('ContainerReady', () => Promise.reject(new ProviderError('EngineUnavailable', 'engine gone', { transient: true })))).rejects.toBeInstanceOf(ProviderError);
    expect(live.object.status?.phase).toBe('Running');
  });
});
