import { describe, expect, it } from 'vitest';
import { KINDS } from '../../kinds.ts';
import type { KubeObject } from '../../meta.ts';
import { applyBody, applyConfiguration, createBody, fromServer, statusBody, updateBody } from './object-shape.ts';

const storedRaw = {
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  metadata: {
    name: 'a',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '42',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
    deletionTimestamp: '2026-01-02T00:00:00Z',
    deletionGracePeriodSeconds: 0,
    managedFields: [{ manager: 'boulder', operation: 'Apply' }],
    labels: { app: 'web' },
    annotations: {},
    finalizers: ['nexus.dev/cleanup'],
  },
  spec: { backend: 'mock', image: 'busybox:1' },
  status: { phase: 'Running' },
};

describe('fromServer', () => {
  it('brings an object into canonical form: no managedFields, no empty collections', () => {
    const obj = fromServer(storedRaw);
    expect(obj.metadata).toEqual({
      name: 'a',
      namespace: 'ns',
      uid: 'u1',
      resourceVersion: '42',
      generation: 2,
      creationTimestamp: '2026-01-01T00:00:00Z',
      deletionTimestamp: '2026-01-02T00:00:00Z',
      labels: { app: 'web' },
      finalizers: ['nexus.dev/cleanup'],
    });
    expect(Object.keys(obj)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });

  it('fills apiVersion and kind of list items that lack them', () => {
    const item = fromServer({ metadata: { name: 'b', namespace: 'ns' } }, KINDS[1]);
    expect([item.apiVersion, item.kind]).toEqual(['nexus.dev/v1alpha1', 'PortBinding']);
  });
});

describe('request bodies', () => {
  const obj = fromServer<KubeObject>(storedRaw);

  it('create sends user metadata and spec, never uid, resourceVersion or status', () => {
    expect(createBody(obj, 'ns')).toEqual({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' }, finalizers: ['nexus.dev/cleanup'] },
      spec: { backend: 'mock', image: 'busybox:1' },
    });
  });

  it('update sends the uid and the given resourceVersion as preconditions, no status', () => {
    const body = updateBody(obj, 'ns', '43');
    expect(body.metadata).toEqual({ name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '43', labels: { app: 'web' }, finalizers: ['nexus.dev/cleanup'] });
    expect(body.status).toBeUndefined();
    expect(body.spec).toEqual(obj.spec);
  });

  it('a status update sends identity, resourceVersion and status only', () => {
    expect(statusBody(obj, 'ns', '42')).toEqual({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '42', uid: 'u1' },
      status: { phase: 'Running' },
    });
  });

  it('apply sends the configuration without uid, timestamps or status', () => {
    const body = applyBody({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }, 'ns');
    expect(body).toEqual({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' }, finalizers: ['nexus.dev/cleanup'] },
      spec: { backend: 'mock', image: 'busybox:1' },
    });
  });
});

describe('applyConfiguration', () => {
  const stored = fromServer<KubeObject>({
    ...storedRaw,
    metadata: { ...storedRaw.metadata, labels: { app: 'web', tier: 'front' }, annotations: { 'nexus.dev/owner': 'alice' } },
  });

  it('merges labels and annotations over the stored ones, keeps finalizers and ownerReferences, pins the resourceVersion', () => {
    const applied: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', namespace: 'ns', labels: { app: 'api' } },
      spec: { backend: 'mock', image: 'busybox:2' },
    };
    expect(applyConfiguration(applied, stored).metadata).toEqual({
      name: 'a',
      namespace: 'ns',
      labels: { app: 'api', tier: 'front' },
      annotations: { 'nexus.dev/owner': 'alice' },
      finalizers: ['nexus.dev/cleanup'],
      resourceVersion: '42',
    });
  });

  it('takes given finalizers and resourceVersion as they are, and leaves a new object alone', () => {
    const applied: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', namespace: 'ns', finalizers: [], resourceVersion: '7' },
    };
    expect(applyConfiguration(applied, stored).metadata).toMatchObject({ finalizers: [], resourceVersion: '7' });
    expect(applyConfiguration(applied, undefined)).toBe(applied);
  });
});
