import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/meta.ts';
import { changedBeyondStatus } from './predicates.ts';

const base: KubeObject = {
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  metadata: { name: 'a', namespace: 'default', uid: 'u1', generation: 1, resourceVersion: '5', labels: { l: '1' }, annotations: { a: '1' }, finalizers: ['f'] },
  spec: { backend: 'docker', image: 'x' },
  status: { phase: 'Pending' },
};
const meta = (extra: Record<string, unknown>): KubeObject => ({ ...base, metadata: { ...base.metadata, ...extra } });

describe('changedBeyondStatus', () => {
  it('is false for an update of status, resourceVersion and managedFields only (a status write)', () => {
    expect(changedBeyondStatus(base, { ...base, status: { phase: 'Running', conditions: [] }, metadata: { ...base.metadata, resourceVersion: '6' } })).toBe(false);
    expect(changedBeyondStatus(base, meta({ resourceVersion: '7', managedFields: [{ manager: 'm' }] }))).toBe(false);
    expect(changedBeyondStatus(base, { ...base, status: undefined })).toBe(false);
    expect(changedBeyondStatus(base, base)).toBe(false);
  });

  it('is true for spec/generation, labels, annotations, finalizers, ownerReferences, deletion and uid', () => {
    expect(changedBeyondStatus(base, { ...base, spec: { backend: 'docker', image: 'y' }, metadata: { ...base.metadata, generation: 2 } })).toBe(true);
    expect(changedBeyondStatus(base, { ...base, spec: { backend: 'docker', image: 'y' } })).toBe(true); // a store that bumps no generation
    expect(changedBeyondStatus(base, meta({ generation: 2 }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ labels: { l: '2' } }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ annotations: { a: '1', 'nexus.dev/switch-requested-at': 'now' } }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ finalizers: [] }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ ownerReferences: [{ apiVersion: 'v', kind: 'K', name: 'n', uid: 'o' }] }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ deletionTimestamp: '2025-01-01T00:00:00Z' }))).toBe(true);
    expect(changedBeyondStatus(base, meta({ uid: 'u2' }))).toBe(true); // deleted and recreated under the same name
  });

  it('is true without a previous state (creation, or nothing cached)', () => {
    expect(changedBeyondStatus(undefined, base)).toBe(true);
  });

  it('compares as stored: undefined members and key order do not count', () => {
    const reordered: KubeObject = { status: { phase: 'Running' }, spec: { image: 'x', backend: 'docker', extra: undefined }, kind: base.kind, apiVersion: base.apiVersion, metadata: base.metadata };
    expect(changedBeyondStatus(base, reordered)).toBe(false);
  });
});
