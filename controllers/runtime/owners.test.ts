import { describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '../../apis/meta.ts';
import { controllerOwnerKey } from './owners.ts';

function owned(namespace: string | undefined, refs: OwnerReference[] | undefined): KubeObject {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'PortBinding',
    metadata: { name: 'pb', ...(namespace !== undefined ? { namespace } : {}), ...(refs ? { ownerReferences: refs } : {}) },
  };
}
const ref = (extra: Partial<OwnerReference>): OwnerReference => ({
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  name: 'ws1',
  uid: 'u1',
  controller: true,
  ...extra,
});

describe('controllerOwnerKey', () => {
  it.each([
    ['the controlling owner of the kind, in the same namespace', owned('team', [ref({})]), 'team/ws1'],
    ['default namespace when none is set', owned(undefined, [ref({})]), 'default/ws1'],
    ['no owner references', owned('team', undefined), undefined],
    ['an owner that is not the controller', owned('team', [ref({ controller: false })]), undefined],
    ['controller flag missing', owned('team', [ref({ controller: undefined })]), undefined],
    ['another kind', owned('team', [ref({ kind: 'SyncSession' })]), undefined],
    ['another API group', owned('team', [ref({ apiVersion: 'apps/v1' })]), undefined],
    ['the controller among several owners', owned('team', [ref({ name: 'x', controller: false }), ref({ name: 'y' })]), 'team/y'],
  ])('%s', (_name, obj, expected) => {
    expect(controllerOwnerKey(obj, 'Workspace')).toBe(expected);
  });
});
