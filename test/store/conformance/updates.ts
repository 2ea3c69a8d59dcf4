/**
 * Conformance: update and updateStatus — generation moves only on spec changes, the status
 * subresource is separate in both directions, and stale resourceVersions fail with Conflict.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apis/meta.ts';
import { expectCode, imageOf, workspace, type SuiteContext } from './harness.ts';

function withImage(obj: KubeObject, image: string): KubeObject {
  return { ...obj, spec: { ...(obj.spec as object), image } };
}

/** Registers the update tests. */
export function describeUpdates(ctx: SuiteContext): void {
  describe('update and generation', () => {
    it('bumps generation only when spec changes', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'gen'));
      expect(created.metadata.generation).toBe(1);

      const relabelled = await ctx.client().update({
        ...created,
        metadata: { ...created.metadata, labels: { tier: 'front' }, annotations: { note: 'x' } },
      });
      expect(relabelled.metadata.generation).toBe(1);
      expect(relabelled.metadata.labels).toEqual({ tier: 'front' });
      expect(relabelled.metadata.annotations).toEqual({ note: 'x' });
      expect(relabelled.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);

      const respecced = await ctx.client().update(withImage(relabelled, 'busybox:2'));
      expect(respecced.metadata.generation).toBe(2);
      expect(imageOf(respecced)).toBe('busybox:2');

      const statused = await ctx.client().updateStatus({ ...respecced, status: { phase: 'Running', observedGeneration: 2 } });
      expect(statused.metadata.generation).toBe(2);

      const again = await ctx.client().update(withImage(statused, 'busybox:3'));
      expect(again.metadata.generation).toBe(3);
      expect((await ctx.client().get('Workspace', ns, 'gen')).metadata.generation).toBe(3);
    });

    it('keeps uid and creationTimestamp across updates', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'stable'));
      const updated = await ctx.client().update({
        ...withImage(created, 'busybox:9'),
        metadata: { ...created.metadata, creationTimestamp: '2000-01-01T00:00:00Z' },
      });
      expect(updated.metadata.uid).toBe(created.metadata.uid);
      expect(updated.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    });

    it('removes labels and annotations an update leaves out', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'drop', { labels: { a: '1', b: '2' } }));
      const updated = await ctx.client().update({ ...created, metadata: { ...created.metadata, labels: { a: '1' } } });
      expect(updated.metadata.labels).toEqual({ a: '1' });
    });
  });

  describe('status subresource', () => {
    it('update never changes status', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'stat'));
      const withStatus = await ctx.client().updateStatus({ ...created, status: { phase: 'Running', observedGeneration: 1 } });
      const updated = await ctx.client().update({ ...withImage(withStatus, 'busybox:2'), status: { phase: 'Failed' } });
      expect(updated.status).toEqual({ phase: 'Running', observedGeneration: 1 });
      expect(imageOf(updated)).toBe('busybox:2');
      expect((await ctx.client().get('Workspace', ns, 'stat')).status).toEqual({ phase: 'Running', observedGeneration: 1 });
    });

    it('create ignores status', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create({ ...workspace(ns, 'nostat'), status: { phase: 'Running' } });
      expect(created.status ?? {}).toEqual({});
    });

    it('updateStatus changes only status', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'onlystat', { labels: { keep: 'me' } }));
      const updated = await ctx.client().updateStatus({
        ...withImage(created, 'other:1'),
        metadata: { ...created.metadata, labels: { changed: 'yes' } },
        status: { phase: 'Pending' },
      });
      expect(updated.status).toEqual({ phase: 'Pending' });
      expect(imageOf(updated)).toBe('busybox:1');
      expect(updated.metadata.labels).toEqual({ keep: 'me' });
      expect(updated.metadata.generation).toBe(1);
      const read = await ctx.client().get('Workspace', ns, 'onlystat');
      expect(read.status).toEqual({ phase: 'Pending' });
      expect(imageOf(read)).toBe('busybox:1');
    });
  });

  describe('optimistic concurrency', () => {
    it('fails update, updateStatus and delete with a stale resourceVersion', async () => {
      const ns = ctx.harness.namespace;
      const stale = await ctx.client().create(workspace(ns, 'occ'));
      const fresh = await ctx.client().update(withImage(stale, 'busybox:2'));
      await expectCode(ctx.client().update(withImage(stale, 'busybox:3')), 'Conflict');
      await expectCode(ctx.client().updateStatus({ ...stale, status: { phase: 'Running' } }), 'Conflict');
      await expectCode(ctx.client().delete('Workspace', ns, 'occ', { resourceVersion: stale.metadata.resourceVersion ?? '' }), 'Conflict');

      const read = await ctx.client().get('Workspace', ns, 'occ');
      expect(read).toEqual(fresh);
      const next = await ctx.client().update(withImage(read, 'busybox:4'));
      expect(imageOf(next)).toBe('busybox:4');
      await ctx.client().delete('Workspace', ns, 'occ', { resourceVersion: next.metadata.resourceVersion ?? '' });
    });

    it('applies an update without resourceVersion unconditionally', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'uncond'));
      await ctx.client().update(withImage(created, 'busybox:2'));
      const blind = withImage(created, 'busybox:3');
      blind.metadata = { ...blind.metadata, resourceVersion: undefined };
      const updated = await ctx.client().update(blind);
      expect(imageOf(updated)).toBe('busybox:3');
    });

    it('fails with Conflict when the uid names an earlier incarnation', async () => {
      const ns = ctx.harness.namespace;
      const first = await ctx.client().create(workspace(ns, 'reborn'));
      await ctx.client().delete('Workspace', ns, 'reborn');
      await ctx.client().create(workspace(ns, 'reborn'));
      const old = withImage(first, 'busybox:2');
      old.metadata = { ...old.metadata, resourceVersion: undefined };
      await expectCode(ctx.client().update(old), 'Conflict');
    });
  });
}
