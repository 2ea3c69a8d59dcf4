/**
 * The embedded store's rows, behind prepared statements: objects, the owner index used for
 * cascading deletion, the change log (`events`, one row per resourceVersion) and the counters.
 * Callers provide the transactions; every method here is one or two statements.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { WatchEventType } from '../client/types.ts';
import type { KubeObject } from '../meta.ts';

/** One row of the change log. */
export interface StoredEvent {
  rv: number;
  kind: string;
  namespace: string;
  type: WatchEventType;
  /** JSON of the object after the change (for DELETED: its last state). */
  body: string;
  /** For MODIFIED: labels before the change (JSON), so label-filtered watches see transitions. */
  prevLabels: string | null;
}

/** Identity of a stored object. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Prepared statements over the store's tables. */
export class StoreTables {
  private readonly selectObject: StatementSync;
  private readonly selectKind: StatementSync;
  private readonly selectKindInNamespace: StatementSync;
  private readonly upsertObject: StatementSync;
  private readonly deleteObject: StatementSync;
  private readonly selectCounter: StatementSync;
  private readonly bumpResourceVersion: StatementSync;
  private readonly raiseCompacted: StatementSync;
  private readonly insertEvent: StatementSync;
  private readonly deleteEventsUpTo: StatementSync;
  private readonly selectEventsAfter: StatementSync;
  private readonly deleteOwnerRefs: StatementSync;
  private readonly insertOwnerRef: StatementSync;
  private readonly selectDependents: StatementSync;
  private readonly countLiveOwners: StatementSync;

  constructor(db: DatabaseSync) {
    this.selectObject = db.prepare('SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?');
    this.selectKind = db.prepare('SELECT body FROM objects WHERE kind = ? ORDER BY namespace, name');
    this.selectKindInNamespace = db.prepare('SELECT body FROM objects WHERE kind = ? AND namespace = ? ORDER BY name');
    this.upsertObject = db.prepare(
      'INSERT OR REPLACE INTO objects (kind, namespace, name, uid, rv, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.deleteObject = db.prepare('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?');
    this.selectCounter = db.prepare('SELECT value FROM store_info WHERE key = ?');
    this.bumpResourceVersion = db.prepare(
      "UPDATE store_info SET value = value + 1 WHERE key = 'resource_version' RETURNING value",
    );
    this.raiseCompacted = db.prepare("UPDATE store_info SET value = max(value, ?) WHERE key = 'compacted_rv'");
    this.insertEvent = db.prepare(
      'INSERT INTO events (rv, kind, namespace, name, type, body, prev_labels) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.deleteEventsUpTo = db.prepare('DELETE FROM events WHERE rv <= ?');
    this.selectEventsAfter = db.prepare(
      'SELECT rv, kind, namespace, type, body, prev_labels FROM events WHERE rv > ? ORDER BY rv',
    );
    this.deleteOwnerRefs = db.prepare('DELETE FROM owner_refs WHERE dependent_uid = ?');
    this.insertOwnerRef = db.prepare('INSERT OR IGNORE INTO owner_refs (owner_uid, dependent_uid) VALUES (?, ?)');
    this.selectDependents = db.prepare(
      `SELECT o.kind AS kind, o.namespace AS namespace, o.name AS name FROM owner_refs r
       JOIN objects o ON o.uid = r.dependent_uid
       WHERE r.owner_uid = ? AND o.namespace = ? ORDER BY o.kind, o.name`,
    );
    this.countLiveOwners = db.prepare(
      'SELECT count(*) AS n FROM objects WHERE namespace = ? AND uid IN (SELECT value FROM json_each(?))',
    );
  }

  /** The stored object, or undefined. */
  getObject<T extends KubeObject>(ref: ObjectRef): T | undefined {
    const row = this.selectObject.get(ref.kind, ref.namespace, ref.name);
    return row === undefined ? undefined : (JSON.parse(row['body'] as string) as T);
  }

  /** Bodies (JSON) of every object of a kind, sorted by namespace then name. */
  listBodies(kind: string, namespace: string | undefined): string[] {
    const rows = namespace === undefined ? this.selectKind.all(kind) : this.selectKindInNamespace.all(kind, namespace);
    return rows.map((row) => row['body'] as string);
  }

  /** Current value of a counter: `resource_version` (last rv handed out) or `compacted_rv`. */
  counter(key: 'resource_version' | 'compacted_rv'): number {
    return Number(this.selectCounter.get(key)?.['value'] ?? 0);
  }

  /** Hands out the next resourceVersion (inside a write transaction). */
  nextResourceVersion(): number {
    return Number(this.bumpResourceVersion.get()?.['value']);
  }

  /** Inserts or replaces an object row; refreshes its owner index when `ownersChanged`. */
  putObject(obj: KubeObject, rv: number, ownersChanged: boolean): void {
    const { kind, metadata } = obj;
    const uid = metadata.uid ?? '';
    this.upsertObject.run(kind, metadata.namespace ?? '', metadata.name, uid, rv, JSON.stringify(obj));
    if (!ownersChanged) return;
    this.deleteOwnerRefs.run(uid);
    for (const ref of metadata.ownerReferences ?? []) this.insertOwnerRef.run(ref.uid, uid);
  }

  /** Removes an object row and its owner index entries. */
  removeObject(obj: KubeObject): void {
    this.deleteObject.run(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    this.deleteOwnerRefs.run(obj.metadata.uid ?? '');
  }

  /** Appends a change to the log. */
  appendEvent(rv: number, type: WatchEventType, obj: KubeObject, prevLabels: Record<string, string> | undefined): void {
    this.insertEvent.run(
      rv,
      obj.kind,
      obj.metadata.namespace ?? '',
      obj.metadata.name,
      type,
      JSON.stringify(obj),
      prevLabels === undefined ? null : JSON.stringify(prevLabels),
    );
  }

  /** Drops the change log up to and including `rv` and records that it is gone. */
  compactUpTo(rv: number): void {
    if (rv <= 0) return;
    this.deleteEventsUpTo.run(rv);
    this.raiseCompacted.run(rv);
  }

  /** Changes after `rv`, oldest first. */
  eventsAfter(rv: number): StoredEvent[] {
    return this.selectEventsAfter.all(rv).map((row) => ({
      rv: Number(row['rv']),
      kind: row['kind'] as string,
      namespace: row['namespace'] as string,
      type: row['type'] as WatchEventType,
      body: row['body'] as string,
      prevLabels: row['prev_labels'] as string | null,
    }));
  }

  /** Objects in `namespace` that name `ownerUid` among their owners. */
  dependentsOf(ownerUid: string, namespace: string): ObjectRef[] {
    return this.selectDependents.all(ownerUid, namespace).map((row) => ({
      kind: row['kind'] as string,
      namespace: row['namespace'] as string,
      name: row['name'] as string,
    }));
  }

  /** How many of `uids` still exist in `namespace`. */
  liveOwnerCount(namespace: string, uids: string[]): number {
    return Number(this.countLiveOwners.get(namespace, JSON.stringify(uids))?.['n'] ?? 0);
  }
}
