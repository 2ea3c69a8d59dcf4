/**
 * Conformance: finalizers with deletionTimestamp, and cascading deletion through ownerReferences.
 * Assertions about dependents poll, because garbage collection is asynchronous on Kubernetes.
 */
import { describe, expect, it } from 'vitest';
import { eventually, expectAbsent, expectCode, ownerRef, portBinding, workspace, type SuiteContext } from './harness.ts';
import { CLEANUP_FINALIZER } from '../../../apis/names/index.ts';

const OTHER_FINALIZER = 'example.com/other';

/** Registers the deletion tests. */
export function describeDeletion(ctx: SuiteContext): void {
  describe('finalizers', () => {
    it('marks an object with finalizers for deletion and removes it once they are emptied', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'fin', { finalizers: [CLEANUP_FINALIZER, OTHER_FINALIZER] }));
      const marked = await ctx.client().delete('Workspace', ns, 'fin');
      expect(marked.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(marked.metadata.finalizers).toEqual([CLEANUP_FINALIZER, OTHER_FINALIZER]);

      const stillThere = await ctx.client().get('Workspace', ns, 'fin');
      expect(stillThere.metadata.uid).toBe(created.metadata.uid);
      expect(stillThere.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);

      const again = await ctx.client().delete('Workspace', ns, 'fin');
      expect(again.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);

      const partly = await ctx.client().update({ ...stillThere, metadata: { ...stillThere.metadata, finalizers: [OTHER_FINALIZER] } });
      expect(partly.metadata.finalizers).toEqual([OTHER_FINALIZER]);
      expect(partly.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);

      await ctx.client().update({ ...partly, metadata: { ...partly.metadata, finalizers: [] } });
      await eventually(() => expectAbsent(ctx.client(), 'Workspace', ns, 'fin'));
    });

    it('refuses new finalizers on an object being deleted', async () => {
      const ns = ctx.harness.namespace;
      await ctx.client().create(workspace(ns, 'nofin', { finalizers: [CLEANUP_FINALIZER] }));
      const marked = await ctx.client().delete('Workspace', ns, 'nofin');
      await expectCode(
        ctx.client().update({ ...marked, metadata: { ...marked.metadata, finalizers: [CLEANUP_FINALIZER, OTHER_FINALIZER] } }),
        'Invalid',
      );
      expect((await ctx.client().get('Workspace', ns, 'nofin')).metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    });

    it('lets status be written while finalizers are pending', async () => {
      const ns = ctx.harness.namespace;
      await ctx.client().create(workspace(ns, 'fin-status', { finalizers: [CLEANUP_FINALIZER] }));
      const marked = await ctx.client().delete('Workspace', ns, 'fin-status');
      const updated = await ctx.client().updateStatus({ ...marked, status: { phase: 'Terminating' } });
      expect(updated.status).toEqual({ phase: 'Terminating' });
      expect(updated.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    });
  });

  describe('cascading deletion', () => {
    it('deletes dependents recursively, respects their finalizers and spares the rest', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const owner = await client.create(workspace(ns, 'owner'));
      const child = await client.create(portBinding(ns, 'child', { ownerReferences: [ownerRef(owner)] }));
      await client.create(portBinding(ns, 'child-2', { containerPort: 9090, ownerReferences: [ownerRef(owner)] }));
      await client.create(portBinding(ns, 'grandchild', { ownerReferences: [ownerRef(child)] }));
      await client.create(portBinding(ns, 'guarded', { ownerReferences: [ownerRef(owner)], finalizers: [CLEANUP_FINALIZER] }));
      await client.create(portBinding(ns, 'unrelated'));
      await client.create(workspace(ctx.harness.otherNamespace, 'owner'));

      await client.delete('Workspace', ns, 'owner');

      await eventually(async () => {
        await expectAbsent(client, 'Workspace', ns, 'owner');
        await expectAbsent(client, 'PortBinding', ns, 'child');
        await expectAbsent(client, 'PortBinding', ns, 'child-2');
        await expectAbsent(client, 'PortBinding', ns, 'grandchild');
        const guarded = await client.get('PortBinding', ns, 'guarded');
        expect(guarded.metadata.deletionTimestamp).toBeDefined();
      }, 30_000, 100);
      expect((await client.get('PortBinding', ns, 'unrelated')).metadata.deletionTimestamp).toBeUndefined();
      expect((await client.get('Workspace', ctx.harness.otherNamespace, 'owner')).metadata.deletionTimestamp).toBeUndefined();

      const guarded = await client.get('PortBinding', ns, 'guarded');
      await client.update({ ...guarded, metadata: { ...guarded.metadata, finalizers: [] } });
      await eventually(() => expectAbsent(client, 'PortBinding', ns, 'guarded'));
    });

    it('deletes dependents only when their owner is actually removed', async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const owner = await client.create(workspace(ns, 'slow-owner', { finalizers: [CLEANUP_FINALIZER] }));
      await client.create(portBinding(ns, 'slow-child', { ownerReferences: [ownerRef(owner)] }));
      const marked = await client.delete('Workspace', ns, 'slow-owner');
      expect((await client.get('PortBinding', ns, 'slow-child')).metadata.deletionTimestamp).toBeUndefined();

      await client.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } });
      await eventually(() => expectAbsent(client, 'PortBinding', ns, 'slow-child'), 30_000, 100);
    });
  });
}
