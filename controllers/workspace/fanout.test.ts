import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import type { DesiredRuntime, EnsureResult } from '../providers/types.ts';
import { registerControllers } from '../setup.ts';
import { WORKSPACE_CONCURRENCY } from './register.ts';

/** Workspaces applied at once (the bench's batch). */
const BATCH = 20;

/**
 * A provider whose ensure waits until `expected` ensures are in flight together (or `patienceMs`
 * passed), like an engine that serialises network creation and so rewards having every
 * workspace's request queued early; records the most ensures seen in flight at once.
 */
class GatheringProvider extends MockProvider {
  inFlight = 0;
  maxInFlight = 0;
  readonly #waiters: (() => void)[] = [];
  readonly #expected: number;
  readonly #patienceMs: number;

  constructor(expected: number, patienceMs: number) {
    super();
    this.#expected = expected;
    this.#patienceMs = patienceMs;
  }

  override async ensure(desired: DesiredRuntime): Promise<EnsureResult> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.inFlight >= this.#expected) for (const release of this.#waiters.splice(0)) release();
    else await new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
      setTimeout(resolve, this.#patienceMs).unref();
    });
    try {
      return await super.ensure(desired);
    } finally {
      this.inFlight -= 1;
    }
  }
}

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  await store.dispose();
});

describe('Workspace fan-out (embedded store, mock provider)', () => {
  it(`converges ${BATCH} workspaces applied at once all in parallel: none waits for a worker`, async () => {
    expect(WORKSPACE_CONCURRENCY).toBeGreaterThanOrEqual(BATCH);
    const provider = new GatheringProvider(BATCH, 3_000);
    for (let i = 0; i < BATCH; i += 1) {
      const ws: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: `w${i}` }, spec: { backend: 'mock', image: 'debian:bookworm' } };
      await store.client.create(ws);
    }
    const logs = captureLogs();
    const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger });
    registerControllers(manager, { client: store.client, clock: realClock, logger: logs.logger, stateDir: store.dir, providers: [provider] });
    const started = performance.now();
    await manager.runUntilIdle({ timeoutMs: 60_000 });
    // Every ensure was in flight with all the others; none had to wait out the gather's patience.
    expect(provider.maxInFlight).toBe(BATCH);
    expect(performance.now() - started).toBeLessThan(3_000);
    const { items } = await store.client.list<Workspace>('Workspace', { namespace: 'default' });
    expect(items.map((w) => getCondition(w.status?.conditions, 'Ready')?.status)).toEqual(Array(BATCH).fill('True'));
  });
});
