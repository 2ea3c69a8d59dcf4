import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.ts';
import {
  applyCandidate,
  canonicalObject,
  createCandidate,
  finalizerIssue,
  isReadyForRemoval,
  markedForDeletion,
  rfc3339Seconds,
  sameStoredContent,
  settleAdmitted,
  statusCandidate,
  updateCandidate,
  withResourceVersion,
} from './object-semantics.ts';

const stored: KubeObject = {
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  metadata: {
    name: 'ws',
    namespace: 'default',
    uid: 'uid-1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { a: '1' },
    annotations: { n: 'x' },
    finalizers: ['nexus.dev/cleanup'],
    ownerReferences: [{ apiVersion: 'v', kind: 'Workspace', name: 'o', uid: 'owner' }],
  },
  spec: { image: 'one' },
  status: { phase: 'Running' },
};

describe('rfc3339Seconds', () => {
  it('drops milliseconds', () => {
    expect(rfc3339Seconds(new Date('2026-11-26T02:32:33.999Z'))).toBe('2026-11-26T02:32:33Z');
  });
});

describe('canonicalObject', () => {
  it('orders keys, defaults the namespace and drops empty collections', () => {
    const obj = canonicalObject({
      status: {},
      spec: { x: 1 },
      metadata: { labels: {}, finalizers: [], name: 'n' },
      kind: 'Workspace',
      apiVersion: 'v',
    } as KubeObject);
    expect(JSON.stringify(obj)).toBe('{"apiVersion":"v","kind":"Workspace","metadata":{"name":"n","namespace":"default"},"spec":{"x":1},"status":{}}');
  });
});

describe('createCandidate', () => {
  it('sets system fields, keeps user metadata and drops status and foreign system fields', () => {
    const obj = createCandidate(
      { ...stored, metadata: { ...stored.metadata, namespace: undefined, deletionTimestamp: 'x', generation: 9 } },
      { uid: 'new', now: '2026-02-02T00:00:00Z' },
    );
    expect(obj.metadata).toEqual({
      name: 'ws',
      namespace: 'default',
      uid: 'new',
      generation: 1,
      creationTimestamp: '2026-02-02T00:00:00Z',
      labels: { a: '1' },
      annotations: { n: 'x' },
      finalizers: ['nexus.dev/cleanup'],
      ownerReferences: stored.metadata.ownerReferences,
    });
    expect(obj.status).toBeUndefined();
  });
});

describe('updateCandidate + settleAdmitted', () => {
  it('takes metadata and spec from the update, status and system fields from the store', () => {
    const incoming: KubeObject = {
      ...stored,
      metadata: { name: 'ws', uid: 'forged', generation: 99, creationTimestamp: 'then', labels: { b: '2' } },
      spec: { image: 'two' },
      status: { phase: 'Failed' },
    };
    const next = settleAdmitted(updateCandidate(stored, incoming), stored, 'update');
    expect(next.metadata).toEqual({
      name: 'ws',
      namespace: 'default',
      uid: 'uid-1',
      resourceVersion: '5',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { b: '2' },
    });
    expect(next.spec).toEqual({ image: 'two' });
    expect(next.status).toEqual({ phase: 'Running' });
  });

  it('keeps generation when spec is equal in a different key order', () => {
    const base = { ...stored, spec: { a: 1, b: 2 } };
    const next = settleAdmitted(updateCandidate(base, { ...base, spec: { b: 2, a: 1 } }), base, 'update');
    expect(next.metadata.generation).toBe(2);
  });
});

describe('statusCandidate + settleAdmitted', () => {
  it('changes status only', () => {
    const incoming = { ...stored, metadata: { name: 'ws', labels: {} }, spec: { image: 'x' }, status: { phase: 'Pending' } };
    const admitted = { ...statusCandidate(stored, incoming), spec: { image: 'admission-changed' } };
    const next = settleAdmitted(admitted, stored, 'status');
    expect(next).toEqual({ ...stored, status: { phase: 'Pending' } });
  });
});

describe('applyCandidate', () => {
  it('replaces spec, merges labels and annotations, keeps finalizers, owners and status unless given', () => {
    const next = applyCandidate(stored, {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'ws', labels: { b: '2' }, annotations: { n: 'y' } },
      spec: { image: 'applied' },
      status: { phase: 'Failed' },
    });
    expect(next.metadata.labels).toEqual({ a: '1', b: '2' });
    expect(next.metadata.annotations).toEqual({ n: 'y' });
    expect(next.metadata.finalizers).toEqual(['nexus.dev/cleanup']);
    expect(next.metadata.ownerReferences).toEqual(stored.metadata.ownerReferences);
    expect(next.spec).toEqual({ image: 'applied' });
    expect(next.status).toEqual({ phase: 'Running' });
  });

  it('replaces finalizers when given', () => {
    const next = applyCandidate(stored, { ...stored, metadata: { name: 'ws', finalizers: [] } });
    expect(next.metadata.finalizers).toBeUndefined();
  });
});

describe('deletion rules', () => {
  const deleting = markedForDeletion(stored, '2026-03-03T00:00:00Z');

  it('marks with a deletionTimestamp and bumps generation', () => {
    expect(deleting.metadata.deletionTimestamp).toBe('2026-03-03T00:00:00Z');
    expect(deleting.metadata.generation).toBe(3);
    expect(isReadyForRemoval(deleting)).toBe(false);
    expect(isReadyForRemoval({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } })).toBe(true);
    expect(isReadyForRemoval({ ...stored, metadata: { ...stored.metadata, finalizers: [] } })).toBe(false);
  });

  it.each([
    [['nexus.dev/cleanup'], false],
    [[], false],
    [['nexus.dev/cleanup', 'example.com/new'], true],
  ])('finalizers %j on an object being deleted → issue: %s', (finalizers, issue) => {
    const next = { ...deleting, metadata: { ...deleting.metadata, finalizers } };
    expect(finalizerIssue(deleting, next) !== undefined).toBe(issue);
  });

  it('allows any finalizers while not being deleted', () => {
    expect(finalizerIssue(stored, { ...stored, metadata: { ...stored.metadata, finalizers: ['x/y'] } })).toBeUndefined();
  });
});

describe('sameStoredContent and withResourceVersion', () => {
  it('ignores resourceVersion only', () => {
    expect(sameStoredContent(stored, withResourceVersion(stored, 77))).toBe(true);
    expect(withResourceVersion(stored, 77).metadata.resourceVersion).toBe('77');
    expect(sameStoredContent(stored, { ...stored, status: { phase: 'Failed' } })).toBe(false);
  });
});
