/**
 * Conformance: label selectors (every operator) and namespaces on list.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { expectCode, names, workspace, type SuiteContext } from './harness.ts';

/** Registers the selector and namespace tests. */
export function describeSelectors(ctx: SuiteContext): void {
  describe('label selectors', () => {
    beforeEach(async () => {
      const ns = ctx.harness.namespace;
      await ctx.client().create(workspace(ns, 'a', { labels: { app: 'web', tier: 'front' } }));
      await ctx.client().create(workspace(ns, 'b', { labels: { app: 'db', tier: 'back' } }));
      await ctx.client().create(workspace(ns, 'c', { labels: { app: 'cache' } }));
      await ctx.client().create(workspace(ns, 'd'));
    });

    it.each([
      ['app=web', ['a']],
      ['app==db', ['b']],
      ['app!=web', ['b', 'c', 'd']],
      ['app in (web,db)', ['a', 'b']],
      ['app notin (web,db)', ['c', 'd']],
      ['tier', ['a', 'b']],
      ['!tier', ['c', 'd']],
      ['app,!tier', ['c']],
      ['app in (web, db, cache), tier != back', ['a', 'c']],
      ['', ['a', 'b', 'c', 'd']],
      ['app=none', []],
    ])('selects %j', async (selector, expected) => {
      const list = await ctx.client().list('Workspace', { namespace: ctx.harness.namespace, labelSelector: selector });
      expect(names(list.items)).toEqual(expected);
    });

    it('rejects a malformed selector with BadRequest', async () => {
      await expectCode(ctx.client().list('Workspace', { namespace: ctx.harness.namespace, labelSelector: 'app in (web' }), 'BadRequest');
    });
  });

  describe('namespaces', () => {
    it('keeps namespaces apart and lists across them when no namespace is given', async () => {
      const { namespace: ns, otherNamespace: other } = ctx.harness;
      const mine = await ctx.client().create(workspace(ns, 'shared', { image: 'mine:1' }));
      const theirs = await ctx.client().create(workspace(other, 'shared', { image: 'theirs:1' }));
      expect(mine.metadata.uid).not.toBe(theirs.metadata.uid);
      expect((await ctx.client().get('Workspace', other, 'shared')).metadata.uid).toBe(theirs.metadata.uid);

      expect((await ctx.client().list('Workspace', { namespace: ns })).items.map((o) => o.metadata.namespace)).toEqual([ns]);
      const all = await ctx.client().list('Workspace');
      const ours = all.items.filter((o) => o.metadata.namespace === ns || o.metadata.namespace === other);
      const expected = [ns, other].sort().map((n) => `${n}/shared`);
      expect(ours.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(expected);

      await ctx.client().delete('Workspace', ns, 'shared');
      expect((await ctx.client().get('Workspace', other, 'shared')).metadata.uid).toBe(theirs.metadata.uid);
    });
  });
}
