/**
 * Conformance: invalid objects are rejected with ValidationError (code Invalid) and nothing is
 * written, on create, update and apply alike.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../apis/errors.ts';
import type { KubeObject } from '../../../apis/meta.ts';
import { expectAbsent, expectCode, names, workspace, type SuiteContext } from './harness.ts';

function withBackend(obj: KubeObject, backend: string): KubeObject {
  return { ...obj, spec: { ...(obj.spec as object), backend } };
}

/** Registers the validation tests. */
export function describeValidation(ctx: SuiteContext): void {
  describe('validation', () => {
    it('rejects an invalid object on create with Invalid and writes nothing', async () => {
      const ns = ctx.harness.namespace;
      const err = await expectCode(ctx.client().create(withBackend(workspace(ns, 'bad'), 'teleport')), 'Invalid');
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toContain('spec.backend');
      await expectCode(ctx.client().create(workspace(ns, 'Not_A_Name')), 'Invalid');
      await expectAbsent(ctx.client(), 'Workspace', ns, 'bad');
      const after = await ctx.client().list('Workspace', { namespace: ns });
      expect(names(after.items)).toEqual([]);
    });

    it('rejects an invalid update or apply and keeps the stored object', async () => {
      const ns = ctx.harness.namespace;
      const created = await ctx.client().create(workspace(ns, 'valid'));
      await expectCode(ctx.client().update(withBackend(created, 'teleport')), 'Invalid');
      await expectCode(ctx.client().apply(withBackend(workspace(ns, 'valid'), 'teleport')), 'Invalid');
      await expectCode(ctx.client().apply(withBackend(workspace(ns, 'never'), 'teleport')), 'Invalid');
      expect(await ctx.client().get('Workspace', ns, 'valid')).toEqual(created);
      await expectAbsent(ctx.client(), 'Workspace', ns, 'never');
    });
  });
}
