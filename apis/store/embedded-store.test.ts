import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, expectCode, ownerRef, portBinding, WatchRecorder, workspace } from '../../test/store/conformance/harness.ts';
import { runWorker, workerScript } from '../../test/store/conformance/workers.ts';
import { ValidationError } from '../errors.ts';
import type { KubeObject } from '../meta.ts';
import { openEmbeddedStore, type AdmitFunction, type EmbeddedStore } from './embedded-store.ts';
import { CLEANUP_FINALIZER } from '../names/index.ts';

let dir: string;
let path: string;
const opened: EmbeddedStore[] = [];

async function open(options: { historyLimit?: number; pollIntervalMs?: number; admit?: AdmitFunction; now?: () => Date } = {}): Promise<EmbeddedStore> {
  const store = await openEmbeddedStore({ path, ...options });
  opened.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'boulder-store-'));
  path = join(dir, 'nested', 'state', 'boulder.db');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening', () => {
  it('creates parent directories and puts the file in WAL mode', async () => {
    await open();
    const raw = new DatabaseSync(path);
    try {
      expect(raw.prepare('PRAGMA journal_mode').get()).toEqual(expect.objectContaining({ journal_mode: 'wal' }));
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r['name']);
      expect(tables).toEqual(['events', 'objects', 'owner_refs', 'store_info']);
    } finally {
      raw.close();
    }
  });

  it('refuses a file written by a newer schema', async () => {
    const store = await open();
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec("UPDATE store_info SET value = 99 WHERE key = 'schema_version'");
    raw.close();
    await expect(openEmbeddedStore({ path })).rejects.toThrow(/schema version 99/);
  });

  it('keeps data across reopen and continues the resourceVersion sequence', async () => {
    const first = await open();
    const created = await first.create(workspace('default', 'keep'));
    await first.close();
    const second = await open();
    expect(await second.get('Workspace', 'default', 'keep')).toEqual(created);
    const next = await second.create(workspace('default', 'next'));
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  });

  it('lets several processes open a fresh file at the same time', { timeout: 60_000 }, async () => {
    const spec = { type: 'embedded', path };
    const script = workerScript('write-sequence.ts');
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => runWorker(script, { spec, namespace: 'default', name: `p${i}` })),
    );
    const store = await open();
    const { resourceVersion } = await store.list('Workspace');
    expect(resourceVersion).toBe('18');
  });
});

describe('two stores on one file', () => {
  it('see each other\'s writes, and watches are woken without waiting for the fallback poll', async () => {
    const writer = await open();
    const reader = await open({ pollIntervalMs: 60_000 });
    const { resourceVersion } = await reader.list('Workspace');
    const recorder = new WatchRecorder(reader, 'Workspace', { resourceVersion });
    try {
      await writer.create(workspace('default', 'shared'));
      expect((await reader.get('Workspace', 'default', 'shared')).metadata.name).toBe('shared');
      const started = Date.now();
      await recorder.waitFor(1, 5_000);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await recorder.stop();
    }
  });
});

describe('history', () => {
  it('keeps historyLimit events; older resourceVersions are Gone, newer ones replay', async () => {
    const store = await open({ historyLimit: 3 });
    const rvs: string[] = [];
    for (let i = 0; i < 6; i += 1) rvs.push((await store.create(workspace('default', `h${i}`))).metadata.resourceVersion ?? '');
    const raw = new DatabaseSync(path);
    expect(raw.prepare('SELECT count(*) AS n FROM events').get()?.['n']).toBe(3);
    raw.close();

    const stale = store.watch('Workspace', { resourceVersion: rvs[1] })[Symbol.asyncIterator]();
    const err = await expectCode(stale.next(), 'Gone');
    expect(err.message).toContain('too old resource version');

    const recorder = new WatchRecorder(store, 'Workspace', { resourceVersion: rvs[2] });
    try {
      const events = await recorder.waitFor(3);
      expect(events.map((e) => e.object.metadata.name)).toEqual(['h3', 'h4', 'h5']);
    } finally {
      await recorder.stop();
    }
  });

  it('ends a watch with Gone when it falls behind the retained history', async () => {
    const writer = await open({ historyLimit: 2 });
    const watcher = await open({ pollIntervalMs: 60_000 });
    const recorder = new WatchRecorder(watcher, 'Workspace', { resourceVersion: '0' });
    try {
      // Writes in one synchronous burst: the watcher cannot read between them.
      const burst = [0, 1, 2, 3, 4].map((i) => writer.create(workspace('default', `b${i}`)));
      await Promise.all(burst);
      await recorder.waitForEnd();
      expect((recorder.error as { code?: string } | undefined)?.code).toBe('Gone');
    } finally {
      await recorder.stop();
    }
  });

  it('rejects a malformed resourceVersion with BadRequest', async () => {
    const store = await open();
    await expectCode(store.watch('Workspace', { resourceVersion: 'abc' })[Symbol.asyncIterator]().next(), 'BadRequest');
  });
});

describe('closing', () => {
  it('ends open watches and refuses further calls', async () => {
    const store = await openEmbeddedStore({ path });
    const recorder = new WatchRecorder(store, 'Workspace', {});
    const other = new WatchRecorder(store, 'PortBinding', {});
    await store.close();
    await recorder.waitForEnd();
    await other.waitForEnd();
    expect(recorder.error).toBeUndefined();
    await expectCode(store.get('Workspace', 'default', 'x'), 'Unavailable');
    await expectCode(store.create(workspace('default', 'x')), 'Unavailable');
    await store.close();
  });
});

describe('writes', () => {
  it('deletes dependents in the same transaction, owner first', async () => {
    const store = await open();
    const owner = await store.create(workspace('default', 'owner'));
    await store.create(portBinding('default', 'dep', { ownerReferences: [ownerRef(owner)] }));
    const { resourceVersion } = await store.list('Workspace');
    const recorder = new WatchRecorder(store, 'PortBinding', { resourceVersion });
    try {
      const removed = await store.delete('Workspace', 'default', 'owner');
      await expectCode(store.get('PortBinding', 'default', 'dep'), 'NotFound');
      const [event] = await recorder.waitFor(1);
      expect(event?.type).toBe('DELETED');
      expect(Number(event?.object.metadata.resourceVersion)).toBe(Number(removed.metadata.resourceVersion) + 1);
    } finally {
      await recorder.stop();
    }
  });

  it('keeps a dependent while another owner lives', async () => {
    const store = await open();
    const a = await store.create(workspace('default', 'a'));
    const b = await store.create(workspace('default', 'b'));
    await store.create(portBinding('default', 'both', { ownerReferences: [ownerRef(a), ownerRef(b)] }));
    await store.delete('Workspace', 'default', 'a');
    expect((await store.get('PortBinding', 'default', 'both')).metadata.deletionTimestamp).toBeUndefined();
    await store.delete('Workspace', 'default', 'b');
    await expectCode(store.get('PortBinding', 'default', 'both'), 'NotFound');
  });

  it('writes nothing (no resourceVersion, no event) for no-op update, updateStatus and apply', async () => {
    const store = await open();
    const created = await store.create(workspace('default', 'same'));
    expect(await store.update(created)).toEqual(created);
    expect(await store.updateStatus(created)).toEqual(created);
    expect((await store.apply(workspace('default', 'same'))).outcome).toBe('unchanged');
    const { resourceVersion } = await store.list('Workspace');
    expect(resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('bumps generation when deletion is requested of an object with finalizers', async () => {
    const store = await open({ now: () => new Date('2026-11-26T02:32:33.456Z') });
    await store.create(workspace('default', 'fin', { finalizers: [CLEANUP_FINALIZER] }));
    const marked = await store.delete('Workspace', 'default', 'fin');
    expect(marked.metadata.deletionTimestamp).toBe('2026-11-26T02:32:33Z');
    expect(marked.metadata.generation).toBe(2);
  });

  it('runs admission on every write and never lets it change system fields', async () => {
    const seen: string[] = [];
    const admit: AdmitFunction = <T extends KubeObject>(obj: T): T => {
      seen.push(obj.metadata.name);
      if (obj.metadata.labels?.['reject'] === 'yes') throw new ValidationError([{ path: 'metadata.labels.reject', message: 'no' }]);
      return { ...obj, metadata: { ...obj.metadata, uid: 'forged', generation: 42, annotations: { admitted: 'yes' } } };
    };
    const store = await open({ admit });
    const created = await store.create(workspace('default', 'adm'));
    expect(created.metadata.uid).not.toBe('forged');
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.annotations).toEqual({ admitted: 'yes' });
    await store.update(created);
    await store.updateStatus({ ...created, status: { phase: 'Running' } });
    await store.apply(workspace('default', 'adm'));
    expect(seen).toEqual(['adm', 'adm', 'adm', 'adm']);

    const current = await store.get('Workspace', 'default', 'adm');
    const before = (await store.list('Workspace')).resourceVersion;
    await expectCode(store.update({ ...current, metadata: { ...current.metadata, labels: { reject: 'yes' } } }), 'Invalid');
    expect((await store.list('Workspace')).resourceVersion).toBe(before);
  });

  it('rejects create with a resourceVersion and objects of unknown kinds', async () => {
    const store = await open();
    await expectCode(store.create({ ...workspace('default', 'rv'), metadata: { name: 'rv', resourceVersion: '5' } }), 'BadRequest');
    await expectCode(store.create({ ...workspace('default', 'k'), kind: 'Gadget' }), 'Invalid');
  });

  it('defaults the namespace to "default"', async () => {
    const store = await open();
    const created = await store.create<KubeObject>({ ...workspace('default', 'nons'), metadata: { name: 'nons' } });
    expect(created.metadata.namespace).toBe('default');
    expect((await store.get('Workspace', '', 'nons')).metadata.uid).toBe(created.metadata.uid);
  });
});

describe('speed', () => {
  it('lists 100 workspaces in a few milliseconds', async () => {
    const store = await open();
    for (let i = 0; i < 100; i += 1) {
      await store.create(workspace('default', `ws-${String(i).padStart(3, '0')}`, { labels: { app: i % 2 === 0 ? 'even' : 'odd' } }));
    }
    const timings: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const started = performance.now();
      const { items } = await store.list('Workspace', { labelSelector: 'app in (even,odd)' });
      timings.push(performance.now() - started);
      expect(items).toHaveLength(100);
    }
    timings.sort((a, b) => a - b);
    expect(timings[3]).toBeLessThan(20);
  });

  it('delivers a local write to a local watch at once', async () => {
    const store = await open({ pollIntervalMs: 60_000 });
    const recorder = new WatchRecorder(store, 'Workspace', { resourceVersion: '0' });
    try {
      await eventually(() => expect(recorder.ended).toBe(false));
      const started = performance.now();
      await store.create(workspace('default', 'fast'));
      await recorder.waitFor(1);
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      await recorder.stop();
    }
  });
});
