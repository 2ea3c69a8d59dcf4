/**
 * Conformance: apply — created, configured, unchanged (no write), label/annotation merge, kept
 * finalizers, ignored status, and dry runs that write nothing.
 */
import { describe, expect, it } from 'vitest';
import { expectAbsent, imageOf, workspace, type SuiteContext } from './harness.ts';
import { CLEANUP_FINALIZER } from '../../../apis/names/index.ts';

/** Registers the apply tests. */
export function describeApply(ctx: SuiteContext): void {
  describe('apply', () => {
    it('creates, then reports unchanged without writing, then configures', async () => {
      const ns = ctx.harness.namespace;
      const first = await ctx.client().apply(workspace(ns, 'app', { labels: { app: 'web' } }));
      expect(first.outcome).toBe('created');
      expect(first.object.metadata.generation).toBe(1);
      expect(first.object.metadata.uid).toBeDefined();

      const second = await ctx.client().apply(workspace(ns, 'app', { labels: { app: 'web' } }));
      expect(second.outcome).toBe('unchanged');
      expect(second.object.metadata.resourceVersion).toBe(first.object.metadata.resourceVersion);
      expect((await ctx.client().get('Workspace', ns, 'app')).metadata.resourceVersion).toBe(first.object.metadata.resourceVersion);

      const relabelled = await ctx.client().apply(workspace(ns, 'app', { labels: { app: 'web', tier: 'front' } }));
      expect(relabelled.outcome).toBe('configured');
      expect(relabelled.object.metadata.generation).toBe(1);
      expect(relabelled.object.metadata.labels).toEqual({ app: 'web', tier: 'front' });

      const respecced = await ctx.client().apply(workspace(ns, 'app', { labels: { app: 'web' }, image: 'busybox:2' }));
      expect(respecced.outcome).toBe('configured');
      expect(respecced.object.metadata.generation).toBe(2);
      expect(imageOf(respecced.object)).toBe('busybox:2');
      expect(respecced.object.metadata.uid).toBe(first.object.metadata.uid);
    });

    it('merges labels and annotations over the stored ones and keeps finalizers and status', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create({
        ...workspace(ns, 'merge', { labels: { owner: 'ci' }, finalizers: [CLEANUP_FINALIZER] }),
      });
      await ctx.client().updateStatus({ ...created, status: { phase: 'Running' } });
      const applied = workspace(ns, 'merge', { labels: { app: 'web' }, image: 'busybox:3' });
      applied.metadata.annotations = { note: 'applied' };
      const result = await ctx.client().apply({ ...applied, status: { phase: 'Failed' } });
      expect(result.outcome).toBe('configured');
      expect(result.object.metadata.labels).toEqual({ owner: 'ci', app: 'web' });
      expect(result.object.metadata.annotations).toMatchObject({ note: 'applied' });
      expect(result.object.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
      expect(result.object.status).toEqual({ phase: 'Running' });
      expect(imageOf(result.object)).toBe('busybox:3');
    });

    it('writes nothing on a dry run', async () => {
      const ns = ctx.harness.namespace;
      const dryCreate = await ctx.client().apply(workspace(ns, 'dry'), { dryRun: true });
      expect(dryCreate.outcome).toBe('created');
      expect(dryCreate.object.metadata.name).toBe('dry');
      await expectAbsent(ctx.client(), 'Workspace', ns, 'dry');

      const real = await ctx.client().apply(workspace(ns, 'dry'));
      const dryChange = await ctx.client().apply(workspace(ns, 'dry', { image: 'busybox:7' }), { dryRun: true });
      expect(dryChange.outcome).toBe('configured');
      expect(imageOf(dryChange.object)).toBe('busybox:7');
      const stored = await ctx.client().get('Workspace', ns, 'dry');
      expect(stored).toEqual(real.object);
    });
  });
}
