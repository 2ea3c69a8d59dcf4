/**
 * The ResourceClient contract: how controllers and the CLI read and write boulder objects,
 * independent of where they live (embedded SQLite store or a Kubernetes API server).
 * Both implementations must pass the shared conformance suite in `test/store/conformance.ts`.
 */
import type { KindName } from '../kinds.ts';
import type { KubeObject } from '../meta.ts';

/** Options for list and watch. */
export interface ListOptions {
  /** Namespace to read; undefined means all namespaces. */
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
  labelSelector?: string;
}

/** The answer of list: items sorted by namespace then name, and the store's resourceVersion. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  /** Collection resourceVersion at which the list was taken; watch from it to miss nothing. */
  resourceVersion: string;
}

/** Options for watch. */
export interface WatchOptions extends ListOptions {
  /**
   * Deliver only changes after this resourceVersion. When undefined, the watch first delivers an
   * ADDED event for every existing object, then changes (Kubernetes semantics).
   * A version older than the retained history fails with a GoneError (code `Gone`).
   */
  resourceVersion?: string;
  /** Stops the watch when aborted; the iterator then ends without error. */
  signal?: AbortSignal;
}

/** Kind of change a watch reports. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One watch event; for DELETED, `object` is the last state before removal. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** Options for delete. */
export interface DeleteOptions {
  /** Precondition: fail with Conflict unless the object has this resourceVersion. */
  resourceVersion?: string;
}

/** Options for apply. */
export interface ApplyOptions {
  /** Who applies (server-side apply field manager on Kubernetes). Defaults to `boulder`. */
  fieldManager?: string;
  /** Validate and compute the result without persisting it. */
  dryRun?: boolean;
}

/** Result of apply: the stored object and what happened. */
export interface ApplyResult<T extends KubeObject = KubeObject> {
  object: T;
  outcome: 'created' | 'configured' | 'unchanged';
}

/**
 * Reads and writes boulder objects with Kubernetes semantics:
 * - create assigns uid, resourceVersion, generation 1, creationTimestamp; fails with AlreadyExists.
 * - update replaces metadata (labels, annotations, finalizers, ownerReferences) and spec, never
 *   status; it requires `metadata.resourceVersion` to be current (else Conflict) when it is set;
 *   generation increases only when spec changes.
 * - updateStatus replaces status only, with the same concurrency rule.
 * - delete with finalizers sets deletionTimestamp; without, removes the object. Removing an object
 *   deletes every object whose ownerReferences name its uid (cascading, background).
 *   An update that empties finalizers of an object being deleted removes it.
 * - watch delivers every change, from any process, in resourceVersion order.
 * - Objects are validated and defaulted on every write; invalid ones fail with ValidationError.
 */
export interface ResourceClient {
  get<T extends KubeObject = KubeObject>(kind: KindName, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(kind: KindName, options?: ListOptions): Promise<ObjectList<T>>;
  create<T extends KubeObject = KubeObject>(obj: T): Promise<T>;
  update<T extends KubeObject = KubeObject>(obj: T): Promise<T>;
  updateStatus<T extends KubeObject = KubeObject>(obj: T): Promise<T>;
  apply<T extends KubeObject = KubeObject>(obj: T, options?: ApplyOptions): Promise<ApplyResult<T>>;
  /** Returns the object as stored after the call (with deletionTimestamp) or as it was when removed. */
  delete<T extends KubeObject = KubeObject>(
    kind: KindName,
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T>;
  watch<T extends KubeObject = KubeObject>(kind: KindName, options?: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** Releases connections, file handles and watchers. */
  close(): Promise<void>;
}
