/**
 * Helpers for tests of the runtime and of controllers: a real embedded store in a temporary
 * directory, minimal valid objects, and waiting for asynchronous effects (watch delivery) without
 * fake timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KindName } from '../../apis/kinds.ts';
import { API_VERSION, DEFAULT_NAMESPACE, type KubeObject, type OwnerReference } from '../../apis/meta.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../apis/store/embedded-store.ts';
import { createLogger, type Logger } from './logger.ts';
import type { Manager } from './manager.ts';

/** A store in a fresh temporary directory; `dispose` closes it and removes the directory. */
export interface TempStore {
  client: EmbeddedStore;
  dir: string;
  dispose(): Promise<void>;
}

/** Opens an embedded store in a new temporary directory. */
export async function openTempStore(options: { pollIntervalMs?: number } = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-runtime-'));
  const client = await openEmbeddedStore({ path: join(dir, 'boulder.db'), ...options });
  return {
    client,
    dir,
    async dispose() {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What useTempStoreAndManagers gives a test file: the current test's store and its managers. */
export interface StoreAndManagers {
  /** The store of the running test (a fresh one per test). */
  store: TempStore;
  /** Managers the test started: stopped after it. */
  managers: Manager[];
}

/**
 * Per test of the calling file: a fresh temp store, and after the test its managers stopped
 * (bounded: a failed test may leave a reconcile stuck on a fake clock) and the store disposed.
 * Call at the top level of a test file.
 */
export function useTempStoreAndManagers(): StoreAndManagers {
  const ctx = { managers: [] } as unknown as StoreAndManagers;
  beforeEach(async () => {
    ctx.store = await openTempStore();
  });
  afterEach(async () => {
    await Promise.race([Promise.all(ctx.managers.map((m) => m.stop())), new Promise((r) => setTimeout(r, 1000))]);
    ctx.managers.length = 0;
    await ctx.store.dispose();
  });
  return ctx;
}

/** A minimal valid Workspace. */
export function workspaceObject(name: string, extra: { namespace?: string; finalizers?: string[] } = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Workspace',
    metadata: {
      name,
      namespace: extra.namespace ?? DEFAULT_NAMESPACE,
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    },
    spec: { backend: 'mock' },
  };
}

/** A minimal valid PortBinding, optionally controlled by `owner`. */
export function portBindingObject(name: string, workspace: string, owner?: KubeObject): KubeObject {
  const ownerReferences: OwnerReference[] | undefined =
    owner === undefined
      ? undefined
      : [
          {
            apiVersion: owner.apiVersion,
            kind: owner.kind,
            name: owner.metadata.name,
            uid: owner.metadata.uid ?? '',
            controller: true,
          },
        ];
  return {
    apiVersion: API_VERSION,
    kind: 'PortBinding',
    metadata: {
      name,
      namespace: owner?.metadata.namespace ?? DEFAULT_NAMESPACE,
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: { workspace, containerPort: 3000 },
  };
}

/** Reads an object, or undefined when it does not exist. */
export async function getOrUndefined<T extends KubeObject = KubeObject>(
  client: ResourceClient,
  kind: KindName,
  name: string,
  namespace = DEFAULT_NAMESPACE,
): Promise<T | undefined> {
  try {
    return await client.get<T>(kind, namespace, name);
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFound') return undefined;
    throw err;
  }
}

/**
 * Polls `predicate` on the real event loop until it holds (for effects that travel through real
 * I/O, like watch delivery); rejects after `timeoutMs` of real time.
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await predicate()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A debug-level logger keeping its JSON lines in memory. */
export function captureLogs(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: createLogger({ level: 'debug', destination: stream }), lines };
}
