/**
 * Harness of the Sprite end-to-end suite: the daemon's wiring in-process (an embedded store in a
 * temp dir, a Manager on the real clock, `registerControllers` on a started manager, so
 * PortBindings forward and SyncSessions run) with the Sprite provider pointed at a Sprites API —
 * the local implementation of the documented API (test/sprite/fake) or, for the live check, the
 * real service (SPRITES_TOKEN).
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { PortBinding, Workspace, WorkspaceSpec } from '../../apis/types/index.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { captureLogs, openTempStore } from '../../controllers/runtime/testing.ts';
import { registerControllers } from '../../controllers/setup.ts';
import type { ProviderRegistry } from '../../controllers/providers/registry.ts';
import type { SpriteProvider, SpriteProviderOptions } from '../../controllers/providers/sprite/sprite-provider.ts';

/** The controllers of one test file. */
export interface SpriteControllers {
  client: ResourceClient;
  providers: ProviderRegistry;
  provider: SpriteProvider;
  logLines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts the controllers with the Sprite provider on `api` (daemon mode). */
export async function startSpriteControllers(api: SpriteProviderOptions, options: { resyncPeriodMs?: number } = {}): Promise<SpriteControllers> {
  const store = await openTempStore();
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger, stopTimeoutMs: 10_000 });
  const providers = registerControllers(manager, {
    client: store.client,
    clock: realClock,
    logger: logs.logger,
    stateDir: store.dir,
    providers: [],
    sprite: api,
    resyncPeriodMs: options.resyncPeriodMs ?? 2_000,
    portConflictRetryMs: 500,
  });
  await manager.start();
  let stopped: Promise<void> | undefined;
  return {
    client: store.client,
    providers,
    provider: providers.get('sprite') as SpriteProvider,
    logLines: logs.lines,
    stop: () =>
      (stopped ??= (async () => {
        await manager.stop();
        await store.dispose();
      })()),
  };
}

/** A Workspace manifest on the sprite backend. */
export function spriteWorkspace(namespace: string, name: string, spec: Partial<WorkspaceSpec> = {}): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace }, spec: { backend: 'sprite', image: 'sprite', ...spec } as WorkspaceSpec };
}

/** Reads an object; undefined when it does not exist. */
export async function getObject<T extends KubeObject>(client: ResourceClient, kind: 'Workspace' | 'PortBinding', namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(kind, namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** True when Ready is True for the current generation. */
export function isReady(ws: Workspace | undefined): boolean {
  const ready = getCondition(ws?.status?.conditions, 'Ready');
  return ready?.status === 'True' && ws?.status?.observedGeneration === ws?.metadata.generation;
}

/** A condition of a workspace. */
export function conditionOf(ws: Workspace | undefined, type: string): ReturnType<typeof getCondition> {
  return getCondition(ws?.status?.conditions, type);
}

/** Polls the workspace until `predicate` holds; the timeout error shows the last status. */
export async function waitWorkspace(client: ResourceClient, namespace: string, name: string, predicate: (ws: Workspace | undefined) => boolean, what: string, timeoutMs = 20_000): Promise<Workspace | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ws = await getObject<Workspace>(client, 'Workspace', namespace, name);
    if (predicate(ws)) return ws;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${namespace}/${name}; last status: ${JSON.stringify(ws?.status, null, 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls a PortBinding until `predicate` holds. */
export async function waitBinding(client: ResourceClient, namespace: string, name: string, predicate: (pb: PortBinding | undefined) => boolean, what: string, timeoutMs = 20_000): Promise<PortBinding | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pb = await getObject<PortBinding>(client, 'PortBinding', namespace, name);
    if (predicate(pb)) return pb;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on portbinding ${namespace}/${name}; last status: ${JSON.stringify(pb?.status, null, 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `check` until it returns true. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const safe = async (): Promise<boolean> => {
    try {
      return await check();
    } catch {
      return false;
    }
  };
  while (!(await safe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Applies a workspace change (spec only) with retries on conflicts. */
export async function patchSpec(client: ResourceClient, namespace: string, name: string, change: (spec: WorkspaceSpec) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ws = await client.get<Workspace>('Workspace', namespace, name);
    change(ws.spec);
    try {
      await client.update(ws);
      return;
    } catch (err) {
      if (!isErrorCode(err, 'Conflict') || attempt > 5) throw err;
    }
  }
}
