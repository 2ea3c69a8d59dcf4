/**
 * The embedded store: boulder's default ResourceClient, one SQLite file (node:sqlite, WAL) that any
 * number of processes read and write at once. Every write is one `BEGIN IMMEDIATE` transaction
 * that also appends to the change log (`events`), from which watches in every process are fed.
 * Object semantics (generation, status subresource, finalizers, cascading deletion, optimistic
 * concurrency) come from the pure functions in `object-semantics.ts`.
 */
import { dirname, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { compileLabelSelector } from '../client/label-selector.ts';
import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
  ListOptions,
  ObjectList,
  ResourceClient,
  WatchEvent,
  WatchOptions,
} from '../client/types.ts';
import { BoulderError, ValidationError } from '../errors.ts';
import { kindByName, type KindName } from '../kinds.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../meta.ts';
import { ChangeFeed, type FeedSubscriber } from './change-feed.ts';
import { openStoreDatabase, storeFailure } from './database.ts';
import { EventStream } from './event-stream.ts';
import { jsonEqual } from './json-equal.ts';
import {
  applyCandidate,
  createCandidate,
  finalizerIssue,
  isReadyForRemoval,
  markedForDeletion,
  namespaceOf,
  ownerUids,
  rfc3339Seconds,
  sameStoredContent,
  settleAdmitted,
  statusCandidate,
  updateCandidate,
  withResourceVersion,
  type WriteScope,
} from './object-semantics.ts';
import { alreadyExists, conflict, gone, notFound, parseResourceVersion, storeClosed } from './store-errors.ts';
import { StoreTables, type ObjectRef } from './tables.ts';
import { watchEventFor, type WatchFilter } from './watch-filter.ts';
import { ensureWriteSignal, signalWrite, writeSignalName } from './write-signal.ts';

/** Validates and defaults an object; throws ValidationError. */
export type AdmitFunction = <T extends KubeObject>(obj: T) => T;

/** How to open an embedded store. */
export interface EmbeddedStoreOptions {
  /** The SQLite file; created with its parent directories when missing. */
  path: string;
  /**
   * Admission run on every create, update, updateStatus and apply. Default: `admitObject` from
   * apis/validation/admit.ts, loaded on the first write so that read-only users never pay for it.
   */
  admit?: AdmitFunction;
  /** Fallback poll interval of watches, for writes whose hint was missed (default 1000 ms). */
  pollIntervalMs?: number;
  /** Change-log entries kept for watches from a resourceVersion (default 10 000). */
  historyLimit?: number;
  /** Clock for creation and deletion timestamps (default: the system clock). */
  now?: () => Date;
}

/** Default number of change-log entries retained. */
export const DEFAULT_HISTORY_LIMIT = 10_000;
/** Default fallback poll interval of watches (ms). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** Opens (creating when needed) the embedded store at `options.path`. */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const path = resolve(options.path);
  const db = openStoreDatabase(path);
  ensureWriteSignal(path);
  return new EmbeddedStore(db, { ...options, path });
}

/**
 * A new object's uid: a random (v4) UUID from the global Web Crypto, which, unlike importing
 * node:crypto (about 5 ms), costs a CLI that writes one object almost nothing to load.
 */
function newUid(): string {
  return globalThis.crypto.randomUUID();
}

function checkIdentity(obj: KubeObject): void {
  const issues = [];
  if (typeof obj.kind !== 'string' || kindByName(obj.kind) === undefined) {
    issues.push({ path: 'kind', message: `unknown kind ${JSON.stringify(obj.kind)}` });
  }
  if (typeof obj.metadata?.name !== 'string' || obj.metadata.name === '') {
    issues.push({ path: 'metadata.name', message: 'is required' });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A ResourceClient over one SQLite file, safe to use from many processes at once. */
export class EmbeddedStore implements ResourceClient {
  /** Absolute path of the SQLite file. */
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly tables: StoreTables;
  private readonly feed: ChangeFeed;
  private admit: AdmitFunction | undefined;
  private readonly historyLimit: number;
  private readonly clock: () => Date;
  private lastRvInTransaction = 0;
  private closed = false;

  /** Use `openEmbeddedStore`; this wraps an already opened database. */
  constructor(db: DatabaseSync, options: EmbeddedStoreOptions) {
    this.path = options.path;
    this.db = db;
    this.tables = new StoreTables(db);
    this.admit = options.admit;
    this.historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.clock = options.now ?? (() => new Date());
    this.feed = new ChangeFeed({
      directory: dirname(this.path),
      hintFileName: writeSignalName(this.path),
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      readAfter: (rv) =>
        this.readTransaction(() => ({
          events: this.tables.eventsAfter(rv),
          compactedRv: this.tables.counter('compacted_rv'),
        })),
      goneError: (lastSeen, compactedRv) => gone(lastSeen, compactedRv),
    });
  }

  /** Reads one object; NotFound when absent. */
  async get<T extends KubeObject = KubeObject>(kind: KindName, namespace: string, name: string): Promise<T> {
    this.ensureOpen();
    const ref = { kind, namespace: namespace || DEFAULT_NAMESPACE, name };
    let obj: T | undefined;
    try {
      obj = this.tables.getObject<T>(ref);
    } catch (err) {
      throw storeFailure(this.path, err);
    }
    if (obj === undefined) throw notFound(kind, ref.namespace, name);
    return obj;
  }

  /** Lists objects of a kind, sorted by namespace then name, with the collection resourceVersion. */
  async list<T extends KubeObject = KubeObject>(kind: KindName, options: ListOptions = {}): Promise<ObjectList<T>> {
    this.ensureOpen();
    const matches = compileLabelSelector(options.labelSelector);
    const { bodies, rv } = this.readTransaction(() => ({
      rv: this.tables.counter('resource_version'),
      bodies: this.tables.listBodies(kind, options.namespace),
    }));
    const items = bodies.map((body) => JSON.parse(body) as T).filter((obj) => matches(obj.metadata.labels));
    return { items, resourceVersion: String(rv) };
  }

  /** Creates an object; AlreadyExists when the name is taken. */
  async create<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    this.ensureOpen();
    await this.loadAdmission();
    checkIdentity(obj);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '') {
      throw new BoulderError('BadRequest', 'metadata.resourceVersion must not be set on objects to be created');
    }
    const candidate = createCandidate(obj, { uid: newUid(), now: this.now() });
    const settled = this.admitted(candidate, candidate, 'create');
    return this.writeTransaction(() => {
      if (this.tables.getObject(refOf(settled)) !== undefined) {
        throw alreadyExists(settled.kind, namespaceOf(settled), settled.metadata.name);
      }
      return this.put(settled, undefined);
    });
  }

  /** Replaces metadata and spec (never status), with optimistic concurrency when resourceVersion is set. */
  async update<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    await this.loadAdmission();
    return this.modify(obj, 'update');
  }

  /** Replaces status only, with optimistic concurrency when resourceVersion is set. */
  async updateStatus<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    await this.loadAdmission();
    return this.modify(obj, 'status');
  }

  /** Creates the object, or merges it into the stored one; `unchanged` writes nothing. */
  async apply<T extends KubeObject = KubeObject>(obj: T, options: ApplyOptions = {}): Promise<ApplyResult<T>> {
    this.ensureOpen();
    await this.loadAdmission();
    checkIdentity(obj);
    const ref = refOf(obj);
    const plan = (): { existing: T | undefined; next: T } => {
      const existing = this.tables.getObject<T>(ref);
      if (existing === undefined) {
        const candidate = createCandidate(obj, { uid: newUid(), now: this.now() });
        return { existing, next: this.admitted(candidate, candidate, 'create') };
      }
      this.checkPreconditions(existing, obj);
      const next = this.admitted(applyCandidate(existing, obj), existing, 'update');
      this.checkFinalizers(existing, next);
      return { existing, next };
    };
    if (options.dryRun === true) {
      const { existing, next } = this.readTransaction(plan);
      if (existing === undefined) return { object: next, outcome: 'created' };
      if (sameStoredContent(existing, next)) return { object: existing, outcome: 'unchanged' };
      return { object: next, outcome: 'configured' };
    }
    return this.writeTransaction((): ApplyResult<T> => {
      const { existing, next } = plan();
      if (existing === undefined) return { object: this.put(next, undefined), outcome: 'created' };
      if (sameStoredContent(existing, next)) return { object: existing, outcome: 'unchanged' };
      const object = isReadyForRemoval(next) ? this.removeCascading(next) : this.put(next, existing);
      return { object, outcome: 'configured' };
    });
  }

  /** Marks the object for deletion (finalizers pending) or removes it with its dependents. */
  async delete<T extends KubeObject = KubeObject>(
    kind: KindName,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    this.ensureOpen();
    const ref = { kind, namespace: namespace || DEFAULT_NAMESPACE, name };
    return this.writeTransaction(() => {
      const existing = this.tables.getObject<T>(ref);
      if (existing === undefined) throw notFound(kind, ref.namespace, name);
      const rv = options.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== existing.metadata.resourceVersion) {
        throw conflict(kind, name, 'the object has been modified');
      }
      return this.deleteOne(existing);
    });
  }

  /**
   * Watches a kind: without resourceVersion (or with "0") first an ADDED per current object, then
   * every change, from any process, in resourceVersion order. With a label selector, an update
   * that moves an object into the selection arrives as ADDED and one that moves it out as DELETED
   * (as from a Kubernetes API server). Ends on abort, `return()` or close(); a watch that fell
   * behind the retained history ends with GoneError.
   */
  watch<T extends KubeObject = KubeObject>(kind: KindName, options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    return { [Symbol.asyncIterator]: () => this.startWatch<T>(kind, options) };
  }

  /**
   * Drops the change log except the newest `keepLast` entries; watches from an older
   * resourceVersion then fail with Gone. Normally automatic (historyLimit); exposed for tests.
   */
  async compactHistory(keepLast = 0): Promise<void> {
    this.writeTransaction(() => {
      this.tables.compactUpTo(this.tables.counter('resource_version') - keepLast);
    });
  }

  /** Ends all watches and closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    this.db.close();
  }

  private modify<T extends KubeObject>(obj: T, scope: 'update' | 'status'): T {
    this.ensureOpen();
    checkIdentity(obj);
    return this.writeTransaction(() => {
      const ref = refOf(obj);
      const existing = this.tables.getObject<T>(ref);
      if (existing === undefined) throw notFound(ref.kind, ref.namespace, ref.name);
      this.checkPreconditions(existing, obj);
      const candidate = scope === 'update' ? updateCandidate(existing, obj) : statusCandidate(existing, obj);
      const next = this.admitted(candidate, existing, scope);
      this.checkFinalizers(existing, next);
      if (sameStoredContent(existing, next)) return existing;
      return isReadyForRemoval(next) ? this.removeCascading(next) : this.put(next, existing);
    });
  }

  /** Loads the default admission on first use. */
  private async loadAdmission(): Promise<void> {
    if (this.admit !== undefined) return;
    const { admitObject } = await import('../validation/admit.ts');
    this.admit ??= admitObject;
  }

  private admitted<T extends KubeObject>(candidate: T, base: T, scope: WriteScope): T {
    if (this.admit === undefined) throw new BoulderError('Internal', 'admission used before it was loaded');
    const admitted = this.admit(clone(candidate));
    return settleAdmitted(admitted, base, scope);
  }

  private checkPreconditions(existing: KubeObject, incoming: KubeObject): void {
    const { resourceVersion, uid } = incoming.metadata;
    if (uid !== undefined && uid !== '' && uid !== existing.metadata.uid) {
      const detail =
        `the UID in the precondition (${uid}) does not match the UID in record (${existing.metadata.uid ?? ''}); ` +
        'the object might have been deleted and then recreated';
      throw conflict(existing.kind, existing.metadata.name, detail);
    }
    if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(existing.kind, existing.metadata.name, 'the object has been modified');
    }
  }

  private checkFinalizers(existing: KubeObject, next: KubeObject): void {
    const issue = finalizerIssue(existing, next);
    if (issue !== undefined) throw new ValidationError([issue]);
  }

  /** Deletes one object inside a write transaction; returns its state after the call. */
  private deleteOne<T extends KubeObject>(existing: T): T {
    if ((existing.metadata.finalizers ?? []).length === 0) return this.removeCascading(existing);
    if (existing.metadata.deletionTimestamp !== undefined) return existing;
    return this.put(markedForDeletion(existing, this.now()), existing);
  }

  /** Writes an object (ADDED when `previous` is undefined, else MODIFIED) and logs the change. */
  private put<T extends KubeObject>(next: T, previous: T | undefined): T {
    const rv = this.nextRv();
    const stored = withResourceVersion(next, rv);
    const ownersChanged =
      previous === undefined || !jsonEqual(previous.metadata.ownerReferences, next.metadata.ownerReferences);
    this.tables.putObject(stored, rv, ownersChanged);
    if (previous === undefined) this.tables.appendEvent(rv, 'ADDED', stored, undefined);
    else this.tables.appendEvent(rv, 'MODIFIED', stored, previous.metadata.labels ?? {});
    return stored;
  }

  /** Removes an object, then (in the same transaction) every dependent left without a live owner. */
  private removeCascading<T extends KubeObject>(obj: T): T {
    const removed = this.removeOne(obj);
    const pending: KubeObject[] = [removed];
    for (let owner = pending.shift(); owner !== undefined; owner = pending.shift()) {
      for (const ref of this.tables.dependentsOf(owner.metadata.uid ?? '', namespaceOf(owner))) {
        const dependent = this.tables.getObject(ref);
        if (dependent === undefined) continue;
        if (this.tables.liveOwnerCount(namespaceOf(dependent), ownerUids(dependent)) > 0) continue;
        if ((dependent.metadata.finalizers ?? []).length > 0) {
          if (dependent.metadata.deletionTimestamp === undefined) {
            this.put(markedForDeletion(dependent, this.now()), dependent);
          }
          continue;
        }
        pending.push(this.removeOne(dependent));
      }
    }
    return removed;
  }

  private removeOne<T extends KubeObject>(obj: T): T {
    const rv = this.nextRv();
    const removed = withResourceVersion(obj, rv);
    this.tables.removeObject(removed);
    this.tables.appendEvent(rv, 'DELETED', removed, undefined);
    return removed;
  }

  private nextRv(): number {
    this.lastRvInTransaction = this.tables.nextResourceVersion();
    return this.lastRvInTransaction;
  }

  private now(): string {
    return rfc3339Seconds(this.clock());
  }

  private writeTransaction<R>(work: () => R): R {
    this.ensureOpen();
    this.lastRvInTransaction = 0;
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw storeFailure(this.path, err);
    }
    let result: R;
    try {
      result = work();
      if (this.lastRvInTransaction > 0) this.tables.compactUpTo(this.lastRvInTransaction - this.historyLimit);
      this.db.exec('COMMIT');
    } catch (err) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
      throw storeFailure(this.path, err);
    }
    if (this.lastRvInTransaction > 0) {
      signalWrite(this.path);
      this.feed.notify();
    }
    return result;
  }

  private readTransaction<R>(work: () => R): R {
    this.ensureOpen();
    try {
      this.db.exec('BEGIN');
      try {
        const result = work();
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      throw storeFailure(this.path, err);
    }
  }

  private startWatch<T extends KubeObject>(kind: KindName, options: WatchOptions): EventStream<WatchEvent<T>> {
    const signal = options.signal;
    const onAbort = (): void => stream.end();
    const subscriber: FeedSubscriber = {
      cursor: 0,
      deliver: (row) => {
        const event = watchEventFor<T>(filter, row);
        if (event !== undefined) stream.push(event);
      },
      end: (error) => stream.end(error),
    };
    const stream = new EventStream<WatchEvent<T>>(() => {
      this.feed.remove(subscriber);
      signal?.removeEventListener('abort', onAbort);
    });
    let filter: WatchFilter;
    try {
      this.ensureOpen();
      filter = { kind, namespace: options.namespace, matchesLabels: compileLabelSelector(options.labelSelector) };
      if (signal?.aborted === true) {
        stream.end();
        return stream;
      }
      const from = options.resourceVersion;
      const fromRv = from === undefined || from === '' || from === '0' ? undefined : parseResourceVersion(from);
      const start = this.readTransaction(() => {
        const head = this.tables.counter('resource_version');
        if (fromRv === undefined) return { head, initial: this.tables.listBodies(kind, options.namespace), backlog: [] };
        const compacted = this.tables.counter('compacted_rv');
        if (fromRv < compacted) throw gone(fromRv, compacted);
        return { head, initial: [], backlog: this.tables.eventsAfter(fromRv) };
      });
      for (const body of start.initial) {
        const object = JSON.parse(body) as T;
        if (filter.matchesLabels(object.metadata.labels)) stream.push({ type: 'ADDED', object });
      }
      for (const row of start.backlog) subscriber.deliver(row);
      subscriber.cursor = Math.max(start.head, fromRv ?? 0);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.feed.add(subscriber, start.head);
    } catch (err) {
      stream.end(err);
    }
    return stream;
  }

  private ensureOpen(): void {
    if (this.closed) throw storeClosed(this.path);
  }
}

function refOf(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, namespace: namespaceOf(obj), name: obj.metadata.name };
}
