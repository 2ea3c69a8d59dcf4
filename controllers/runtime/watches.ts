/**
 * What a controller watches besides its own kind, declared on its options in controller-runtime's
 * vocabulary (`Builder.Owns/Watches`, kube-rs `Controller::owns/watches`):
 *
 * - `owns: [kind]` — an event of an object of that kind enqueues its controlling owner;
 * - `watches: [watches(kind, mapFn)]` — an event of an object of that kind enqueues the keys
 *   `mapFn` maps it to, each with the reason it gives (logged with the reconcile).
 *
 * The manager keeps one informer per kind, shared by every controller that owns or watches it,
 * and an in-memory cache of what the informers saw (`ObjectCache`) that a `mapFn` reads instead
 * of listing the store on every event.
 */
import type { KindName } from '../../apis/kinds.ts';
import { objectKey, type KubeObject } from '../../apis/meta.ts';

/** A key (`namespace/name`) a watch maps an event to, with why (for the log). */
export interface MappedRequest {
  key: string;
  reason?: string;
}

/** Read access to the objects the manager's informers (or one-shot lists) saw last. */
export interface CachedObjects {
  /** The object `namespace/name` of `kind`, as last seen; undefined when unknown or deleted. */
  get<T extends KubeObject = KubeObject>(kind: KindName, key: string): T | undefined;
  /** Every object of `kind` as last seen (empty for a kind no informer keeps). */
  list<T extends KubeObject = KubeObject>(kind: KindName): T[];
}

/**
 * Maps an event of a watched object (its new state, or its last one when deleted) to the keys of
 * the controller's kind to reconcile. Must not throw and must not block: it reads `cache`.
 */
export type WatchMapFn<T extends KubeObject = KubeObject> = (obj: T, cache: CachedObjects) => readonly (string | MappedRequest)[];

/** A declared watch: events of `kind` are mapped by `map`. */
export interface Watch {
  kind: KindName;
  map: WatchMapFn;
}

/** Declares a watch of `kind` whose events `map` turns into keys of the watching controller. */
export function watches<T extends KubeObject = KubeObject>(kind: KindName, map: WatchMapFn<T>): Watch {
  return { kind, map: map as WatchMapFn };
}

/** The objects the manager saw, per kind (see `CachedObjects`). */
export class ObjectCache implements CachedObjects {
  readonly #byKind = new Map<KindName, Map<string, KubeObject>>();

  /** Records `obj` of `kind` as its latest state, or forgets it when `deleted`. */
  observe(kind: KindName, obj: KubeObject, deleted: boolean): void {
    let objects = this.#byKind.get(kind);
    if (objects === undefined) this.#byKind.set(kind, (objects = new Map()));
    if (deleted) objects.delete(objectKey(obj));
    else objects.set(objectKey(obj), obj);
  }

  get<T extends KubeObject = KubeObject>(kind: KindName, key: string): T | undefined {
    return this.#byKind.get(kind)?.get(key) as T | undefined;
  }

  list<T extends KubeObject = KubeObject>(kind: KindName): T[] {
    return [...(this.#byKind.get(kind)?.values() ?? [])] as T[];
  }
}

/** `mapFn`'s answer as requests, skipping what it could not map (a mapFn that throws maps to nothing). */
export function mapEvent(watch: Watch, obj: KubeObject, cache: CachedObjects, onError: (err: unknown) => void): MappedRequest[] {
  try {
    return watch.map(obj, cache).map((r) => (typeof r === 'string' ? { key: r } : r));
  } catch (err) {
    onError(err);
    return [];
  }
}
