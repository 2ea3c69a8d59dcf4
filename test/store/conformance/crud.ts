/**
 * Conformance: create, get, list and delete; the fields the backend sets on create; AlreadyExists
 * and NotFound.
 */
import { describe, expect, it } from 'vitest';
import { expectAbsent, expectCode, names, portBinding, workspace, type SuiteContext } from './harness.ts';

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Registers the CRUD tests. */
export function describeCrud(ctx: SuiteContext): void {
  describe('create, get, list, delete', () => {
    it('creates an object and sets uid, resourceVersion, generation and creationTimestamp', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'alpha', { labels: { app: 'web' } }));
      expect(created.metadata).toMatchObject({ name: 'alpha', namespace: ns, generation: 1, labels: { app: 'web' } });
      expect(created.metadata.uid).toMatch(/\S{8,}/);
      expect(created.metadata.resourceVersion).toMatch(/^\S+$/);
      expect(created.metadata.creationTimestamp).toMatch(RFC3339_SECONDS);
      expect(Math.abs(Date.parse(created.metadata.creationTimestamp ?? '') - Date.now())).toBeLessThan(60_000);
      expect(created.metadata.deletionTimestamp).toBeUndefined();

      const read = await ctx.client().get('Workspace', ns, 'alpha');
      expect(read).toEqual(created);
    });

    it('rejects a second create of the same name with AlreadyExists and keeps the first', async () => {
      const ns = ctx.harness.namespace;
      const first = await ctx.client().create(workspace(ns, 'dup', { image: 'first:1' }));
      await expectCode(ctx.client().create(workspace(ns, 'dup', { image: 'second:1' })), 'AlreadyExists');
      expect(await ctx.client().get('Workspace', ns, 'dup')).toEqual(first);
    });

    it('keeps kinds apart: the same name may exist once per kind', async () => {
      const ns = ctx.harness.namespace;
      await ctx.client().create(workspace(ns, 'same'));
      await ctx.client().create(portBinding(ns, 'same'));
      expect((await ctx.client().get('PortBinding', ns, 'same')).kind).toBe('PortBinding');
      expect((await ctx.client().get('Workspace', ns, 'same')).kind).toBe('Workspace');
    });

    it('reports NotFound for get, update, updateStatus and delete of a missing object', async () => {
      const ns = ctx.harness.namespace;
      await expectAbsent(ctx.client(), 'Workspace', ns, 'missing');
      await expectCode(ctx.client().update(workspace(ns, 'missing')), 'NotFound');
      await expectCode(ctx.client().updateStatus({ ...workspace(ns, 'missing'), status: { phase: 'Running' } }), 'NotFound');
      await expectCode(ctx.client().delete('Workspace', ns, 'missing'), 'NotFound');
    });

    it('lists items sorted by name with a collection resourceVersion', async () => {
      const ns = ctx.harness.namespace;
      for (const name of ['charlie', 'alpha', 'bravo']) await ctx.client().create(workspace(ns, name));
      const list = await ctx.client().list('Workspace', { namespace: ns });
      expect(names(list.items)).toEqual(['alpha', 'bravo', 'charlie']);
      expect(list.resourceVersion).toMatch(/^\S+$/);
      expect((await ctx.client().list('PortBinding', { namespace: ns })).items).toEqual([]);
    });

    it('deletes an object without finalizers at once and returns its last state', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'gone'));
      const deleted = await ctx.client().delete('Workspace', ns, 'gone');
      expect(deleted.metadata.uid).toBe(created.metadata.uid);
      expect(deleted.metadata.name).toBe('gone');
      await expectAbsent(ctx.client(), 'Workspace', ns, 'gone');
      expect(names((await ctx.client().list('Workspace', { namespace: ns })).items)).toEqual([]);
    });

    it('gives a re-created object a new uid', async () => {
      const ns = ctx.harness.namespace;
      const first = await ctx.client().create(workspace(ns, 'again'));
      await ctx.client().delete('Workspace', ns, 'again');
      const second = await ctx.client().create(workspace(ns, 'again'));
      expect(second.metadata.uid).not.toBe(first.metadata.uid);
    });

    it('returns copies: mutating a returned object does not change the stored one', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'copy', { labels: { a: 'b' } }));
      (created.metadata.labels ?? {})['a'] = 'mutated';
      expect((await ctx.client().get('Workspace', ns, 'copy')).metadata.labels).toEqual({ a: 'b' });
    });
  });
}
