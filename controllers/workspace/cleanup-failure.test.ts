/**
 * A workspace whose cleanup fails (issue 20): a provider stub refuses to remove the runtime, and
 * the running controller shows it — phase Terminating, Ready=False/CleanupFailed with the engine's
 * message and the next retry time, rewritten on each retry (without cutting the backoff short) —
 * keeps the finalizer, and finishes the deletion once the obstacle is gone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TERMINATING } from '../../apis/terminal.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import type { RuntimeTarget } from '../providers/types.ts';
import { registerControllers } from '../setup.ts';
import { CLEANUP_FAILED, CLEANUP_FINALIZER, STALLED } from '../../apis/names/index.ts';

/** The mock provider, with a removal that fails while `obstacle` is set (like a busy overlay mount). */
class StuckProvider extends MockProvider {
  obstacle: Error | undefined;

  override async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    if (this.obstacle !== undefined) {
      this.calls.delete += 1;
      throw this.obstacle;
    }
    return super.delete(target);
  }
}

let store: TempStore;
let provider: StuckProvider;
let manager: Manager;

beforeEach(async () => {
  store = await openTempStore();
  provider = new StuckProvider();
  const logs = captureLogs();
  manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger });
  registerControllers(manager, { client: store.client, clock: realClock, logger: logs.logger, stateDir: store.dir, providers: [provider], resyncPeriodMs: 0 });
  await manager.start();
});
afterEach(async () => {
  await manager.stop();
  await store.dispose();
});

const get = (name: string): Promise<Workspace | undefined> => getOrUndefined<Workspace>(store.client, 'Workspace', name);

describe('Workspace cleanup that fails (mock provider stub)', () => {
  it('shows Terminating and CleanupFailed with the next retry, keeps retrying with backoff, and finishes once the obstacle is gone', async () => {
    await store.client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'stuck' }, spec: { backend: 'mock', image: 'debian:bookworm' } } as Workspace);
    await waitFor(async () => getCondition((await get('stuck'))?.status?.conditions, 'Ready')?.status === 'True', 5_000, 'Ready');

    provider.obstacle = new Error('remove container nexus-stuck: device or resource busy');
    await store.client.delete('Workspace', 'default', 'stuck');
    await waitFor(async () => getCondition((await get('stuck'))?.status?.conditions, 'Ready')?.reason === CLEANUP_FAILED, 5_000, 'CleanupFailed');
    const first = (await get('stuck'))!;
    expect(first.status?.phase).toBe(TERMINATING);
    expect(first.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    expect(first.metadata.deletionTimestamp).toBeDefined();
    const ready = getCondition(first.status?.conditions, 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: CLEANUP_FAILED });
    expect(ready.message).toMatch(/^remove container nexus-stuck: device or resource busy \(attempt \d+; retrying in \d+\.\ds, at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    expect(getCondition(first.status?.conditions, STALLED)).toBeUndefined();

    // Each retry rewrites the message (attempt and next retry time) …
    await waitFor(async () => getCondition((await get('stuck'))?.status?.conditions, 'Ready')?.message !== ready.message, 5_000, 'an updated retry message');
    // … and the write's own watch event does not trigger an immediate retry: the backoff holds
    // (100 ms doubling: at most ~5 attempts in the first 1.5 s, a hot loop would make hundreds).
    const callsBefore = provider.calls.delete;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(provider.calls.delete - callsBefore).toBeLessThanOrEqual(6);
    expect((await get('stuck'))?.status?.phase).toBe(TERMINATING);

    provider.obstacle = undefined;
    await waitFor(async () => (await get('stuck')) === undefined, 70_000, 'the workspace to go');
    expect(provider.size()).toBe(0);
  }, 90_000);
});
