/**
 * Conformance: watch — ordered ADDED/MODIFIED/DELETED, replay from a resourceVersion, the initial
 * ADDED list, label and namespace filters, Gone for expired history, and clean endings.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apis/meta.ts';
import type { WatchEvent } from '../../../apis/client/types.ts';
import { expectCode, sleep, WatchRecorder, workspace, type SuiteContext } from './harness.ts';

function relabel(obj: KubeObject, labels: Record<string, string>): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, labels } };
}

function summary(events: readonly WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata.name}`);
}

/** Registers the watch tests. */
export function describeWatch(ctx: SuiteContext): void {
  describe('watch', () => {
    it('delivers ADDED, MODIFIED and DELETED in order after a list', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const { resourceVersion } = await client.list('Workspace', { namespace: ns });
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion });
      try {
        const created = await client.create(workspace(ns, 'w1'));
        const updated = await client.update({ ...created, spec: { ...(created.spec as object), image: 'busybox:2' } });
        await client.delete('Workspace', ns, 'w1');
        const events = await recorder.waitFor(3);
        expect(summary(events)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
        expect(events[0]?.object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
        expect(events[1]?.object).toEqual(updated);
        expect(events[2]?.object.metadata.uid).toBe(created.metadata.uid);
        expect((events[2]?.object.spec as { image?: string }).image).toBe('busybox:2');
        await sleep(50);
        expect(recorder.events).toHaveLength(3);
      } finally {
        await recorder.stop();
      }
      expect(recorder.error).toBeUndefined();
    });

    it('replays the changes after a given resourceVersion', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const a = await client.create(workspace(ns, 'a'));
      await client.update(relabel(a, { step: 'two' }));
      await client.create(workspace(ns, 'b'));
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion: a.metadata.resourceVersion });
      try {
        const events = await recorder.waitFor(2);
        expect(summary(events)).toEqual(['MODIFIED a', 'ADDED b']);
        expect(events[0]?.object.metadata.labels).toEqual({ step: 'two' });
      } finally {
        await recorder.stop();
      }
    });

    it('starts with an ADDED event per existing object when no resourceVersion is given', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      await client.create(workspace(ns, 'x'));
      const y = await client.create(workspace(ns, 'y'));
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns });
      try {
        const initial = await recorder.waitFor(2);
        expect(summary(initial).sort()).toEqual(['ADDED x', 'ADDED y']);
        await client.update(relabel(y, { changed: 'yes' }));
        const events = await recorder.waitFor(3);
        expect(summary(events.slice(2))).toEqual(['MODIFIED y']);
      } finally {
        await recorder.stop();
      }
    });

    it('filters by label, reporting objects entering and leaving the selection', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const { resourceVersion } = await client.list('Workspace', { namespace: ns });
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion, labelSelector: 'app=web' });
      try {
        const web = await client.create(workspace(ns, 'web', { labels: { app: 'web' } }));
        const db = await client.create(workspace(ns, 'db', { labels: { app: 'db' } }));
        await client.update(relabel(db, { app: 'web' }));
        await client.update(relabel(web, { app: 'gone' }));
        await client.create(workspace(ns, 'marker', { labels: { app: 'web' } }));
        const events = await recorder.waitFor(4);
        expect(summary(events)).toEqual(['ADDED web', 'ADDED db', 'DELETED web', 'ADDED marker']);
        await sleep(50);
        expect(recorder.events).toHaveLength(4);
      } finally {
        await recorder.stop();
      }
    });

    it('sees only its namespace', async () => {
      const { namespace: ns, otherNamespace: other } = ctx.harness;
      const client = ctx.client();
      const { resourceVersion } = await client.list('Workspace');
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion });
      try {
        await client.create(workspace(other, 'elsewhere'));
        await client.create(workspace(ns, 'here'));
        const events = await recorder.waitFor(1);
        expect(summary(events)).toEqual(['ADDED here']);
        await sleep(50);
        expect(recorder.events).toHaveLength(1);
      } finally {
        await recorder.stop();
      }
    });

    it('fails with Gone when asked for history that has expired', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const old = await client.create(workspace(ns, 'old'));
      await client.update(relabel(old, { n: '1' }));
      await client.create(workspace(ns, 'newer'));
      await ctx.harness.expireHistory();
      const iterator = client.watch('Workspace', { namespace: ns, resourceVersion: old.metadata.resourceVersion })[Symbol.asyncIterator]();
      await expectCode(iterator.next(), 'Gone');
      await iterator.return?.();

      const { resourceVersion } = await client.list('Workspace', { namespace: ns });
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion });
      try {
        await client.create(workspace(ns, 'after'));
        expect(summary(await recorder.waitFor(1))).toEqual(['ADDED after']);
      } finally {
        await recorder.stop();
      }
    });

    it('ends cleanly when the signal aborts or the iterator is returned', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns });
      await sleep(20);
      await recorder.stop();
      expect(recorder.ended).toBe(true);
      expect(recorder.error).toBeUndefined();

      const iterator = client.watch('Workspace', { namespace: ns })[Symbol.asyncIterator]();
      const pending = iterator.next();
      await iterator.return?.();
      expect(await pending).toMatchObject({ done: true });
      expect(await iterator.next()).toMatchObject({ done: true });

      const aborted = new AbortController();
      aborted.abort();
      const none: WatchEvent[] = [];
      for await (const event of client.watch('Workspace', { namespace: ns, signal: aborted.signal })) none.push(event);
      expect(none).toEqual([]);
    });
  });
}
