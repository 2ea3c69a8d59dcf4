/**
 * What a backend provides to run the ResourceClient conformance suite, and the backend-neutral
 * helpers the suite's parts share: minimal valid objects, polling assertions, error matching,
 * and a watch recorder. Nothing here knows which backend is under test.
 */
import { expect } from 'vitest';
import { BoulderError, type ErrorCode } from '../../../apis/errors.ts';
import type { KindName } from '../../../apis/kinds.ts';
import { API_VERSION, type KubeObject, type OwnerReference } from '../../../apis/meta.ts';
import type { ClientSpec } from '../../../apis/client/open.ts';
import type { ResourceClient, WatchEvent, WatchOptions } from '../../../apis/client/types.ts';

/** Everything the suite needs from a backend. */
export interface ConformanceHarness {
  /** Namespace the suite writes to (must exist on backends that have namespace objects). */
  namespace: string;
  /** A second namespace, for isolation tests (must exist too). */
  otherNamespace: string;
  /** JSON-serialisable description child processes pass to `openClient`; read lazily. */
  readonly workerSpec: ClientSpec;
  /** A fresh client on the same backend (e.g. a second connection). The suite closes it. */
  newClient(): Promise<ResourceClient>;
  /** Empties both namespaces of every kind; runs before each test. */
  reset(): Promise<void>;
  /** Discards the backend's watch history so that old resourceVersions become Gone. */
  expireHistory(): Promise<void>;
}

/** Lets each part of the suite reach the shared client (opened in beforeAll). */
export interface SuiteContext {
  harness: ConformanceHarness;
  /** The client opened for the suite. */
  client(): ResourceClient;
}

/** A minimal valid Workspace. */
export function workspace(
  namespace: string,
  name: string,
  extra: { labels?: Record<string, string>; image?: string; finalizers?: string[]; ownerReferences?: OwnerReference[] } = {},
): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (extra.labels !== undefined) metadata.labels = extra.labels;
  if (extra.finalizers !== undefined) metadata.finalizers = extra.finalizers;
  if (extra.ownerReferences !== undefined) metadata.ownerReferences = extra.ownerReferences;
  return { apiVersion: API_VERSION, kind: 'Workspace', metadata, spec: { backend: 'mock', image: extra.image ?? 'busybox:1' } };
}

/** A minimal valid PortBinding. */
export function portBinding(
  namespace: string,
  name: string,
  extra: { containerPort?: number; finalizers?: string[]; ownerReferences?: OwnerReference[] } = {},
): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (extra.finalizers !== undefined) metadata.finalizers = extra.finalizers;
  if (extra.ownerReferences !== undefined) metadata.ownerReferences = extra.ownerReferences;
  return {
    apiVersion: API_VERSION,
    kind: 'PortBinding',
    metadata,
    spec: { workspace: 'owner', containerPort: extra.containerPort ?? 8080 },
  };
}

/** An owner reference naming `owner` (as stored, with its uid). */
export function ownerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '' };
}

/** `spec.image` of a Workspace. */
export function imageOf(obj: KubeObject): unknown {
  return (obj.spec as { image?: unknown } | undefined)?.image;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `check` until it stops throwing or `timeoutMs` passes (then rethrows its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

/** Asserts that `promise` rejects with a BoulderError of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<BoulderError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${code} error`).toBeInstanceOf(BoulderError);
  expect((caught as BoulderError).code).toBe(code);
  return caught as BoulderError;
}

/** Asserts that the object does not exist (NotFound). */
export async function expectAbsent(client: ResourceClient, kind: KindName, namespace: string, name: string): Promise<void> {
  await expectCode(client.get(kind, namespace, name), 'NotFound');
}

/** Names of a list's items, in order. */
export function names(items: readonly KubeObject[]): string[] {
  return items.map((item) => item.metadata.name);
}

/** Runs a watch in the background and records its events until stopped. */
export class WatchRecorder<T extends KubeObject = KubeObject> {
  /** Events received so far, in order. */
  readonly events: WatchEvent<T>[] = [];
  /** The error the watch ended with, if any. */
  error: unknown;
  /** True once the watch ended (any reason). */
  ended = false;
  private readonly controller = new AbortController();
  private readonly finished: Promise<void>;

  constructor(client: ResourceClient, kind: KindName, options: WatchOptions = {}) {
    const iterable = client.watch<T>(kind, { ...options, signal: this.controller.signal });
    this.finished = (async () => {
      try {
        for await (const event of iterable) this.events.push(event);
      } catch (err) {
        this.error = err;
      } finally {
        this.ended = true;
      }
    })();
  }

  /** Waits until at least `count` events arrived; returns the first `count`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<WatchEvent<T>[]> {
    await eventually(() => {
      if (this.events.length < count) {
        throw new Error(`watch received ${this.events.length} of ${count} events (ended: ${this.ended}, error: ${String(this.error)}): ${this.summary().join(', ')}`);
      }
    }, timeoutMs, 5);
    return this.events.slice(0, count);
  }

  /** Waits until the watch ended by itself. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    await eventually(() => {
      if (!this.ended) throw new Error('watch did not end');
    }, timeoutMs, 5);
  }

  /** `TYPE name` per event, for readable assertions. */
  summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata.name}`);
  }

  /** Aborts the watch and waits for it to finish. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.finished;
  }
}
