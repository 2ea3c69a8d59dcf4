// validateObject without a source document (as the store calls it): paths and messages only.
import { describe, expect, it } from 'vitest';
import { formatFieldIssue } from '../errors.ts';
import { validateObject } from './validate.ts';

const apiVersion = 'nexus.dev/v1alpha1';
const lines = (obj: unknown): string[] => validateObject(obj).map(formatFieldIssue);

describe('validateObject', () => {
  it('accepts a minimal object of each kind', () => {
    expect(lines({ apiVersion, kind: 'Workspace', metadata: { name: 'api' }, spec: {} })).toEqual([]);
    expect(lines({ apiVersion, kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'api', containerPort: 1 } })).toEqual([]);
    expect(lines({ apiVersion, kind: 'SyncSession', metadata: { name: 's' }, spec: { alpha: '/a', beta: '/b' } })).toEqual([]);
  });

  it('accepts store-set metadata and status', () => {
    const stored = {
      apiVersion,
      kind: 'PortBinding',
      metadata: {
        name: 'p',
        namespace: 'default',
        uid: 'c0ffee',
        resourceVersion: '17',
        generation: 2,
        creationTimestamp: '2025-01-31T12:00:00.123Z',
        deletionTimestamp: '2025-01-31T13:00:00Z',
        finalizers: ['nexus.dev/cleanup'],
        ownerReferences: [{ apiVersion, kind: 'Workspace', name: 'api', uid: 'abc', controller: true, blockOwnerDeletion: true }],
      },
      spec: { workspace: 'api', containerPort: 3000, protocol: 'tcp', visibility: 'private' },
      status: {
        observedGeneration: 2,
        phase: 'Bound',
        hostPort: 41234,
        url: 'http://127.0.0.1:41234',
        conditions: [{ type: 'Ready', status: 'True', reason: 'Bound', message: '', lastTransitionTime: '2025-01-31T12:00:01Z' }],
      },
    };
    expect(lines(stored)).toEqual([]);
  });

  it('reports apiVersion and kind before (and instead of) the schema when the kind is unknown', () => {
    expect(lines({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'X' } })).toEqual([
      'apiVersion: unknown apiVersion "apps/v1"; expected nexus.dev/v1alpha1',
      'kind: unknown kind "Deployment"; expected one of Workspace, PortBinding, SyncSession',
    ]);
    expect(lines({ metadata: { name: 'a' } })).toEqual(['apiVersion: is required', 'kind: is required']);
    expect(lines({ apiVersion: 1, kind: ['Workspace'] })).toEqual(['apiVersion: must be a string', 'kind: must be a string']);
  });

  it('still validates the rest when only the apiVersion is wrong', () => {
    expect(lines({ apiVersion: 'nexus.dev/v1', kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'api' } })).toEqual([
      'apiVersion: unknown apiVersion "nexus.dev/v1"; expected nexus.dev/v1alpha1',
      'spec.containerPort: is required',
    ]);
  });

  it('rejects documents that are not mappings', () => {
    expect(lines('text')).toEqual(['must be an object with apiVersion, kind and metadata, not a string']);
    expect(lines([{}])).toEqual(['must be an object with apiVersion, kind and metadata, not a list']);
    expect(lines(null)).toEqual(['must be an object with apiVersion, kind and metadata, not empty']);
    expect(lines(7)).toEqual(['must be an object with apiVersion, kind and metadata, not a number']);
  });

  it('reports one issue per problem, with dotted paths', () => {
    const obj = {
      apiVersion,
      kind: 'Workspace',
      metadata: { name: '', labels: { 'app.kubernetes.io/name': 3 } },
      spec: {
        image: 'a',
        build: {},
        ports: { web: { containerPort: 80.5, hostPort: 0, extra: 1 } },
        secrets: [{ name: 'A', secretRef: { name: 'Not_A_Subdomain', key: 'k' } }],
        services: { db: { image: 'postgres', volumes: ['data'] } },
      },
    };
    expect(lines(obj)).toEqual([
      `metadata.name: "" is not a valid name: must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
      'metadata.labels["app.kubernetes.io/name"]: must be a string',
      'spec.build: image and build are mutually exclusive; set only one',
      `spec.secrets[0].secretRef.name: "Not_A_Subdomain" is not a valid name: must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters)`,
      'spec.ports.web.extra: unknown field "extra"',
      'spec.ports.web.containerPort: must be an integer',
      'spec.ports.web.hostPort: must be >= 1',
      'spec.services.db.volumes[0]: "data" is not a valid volume: must be of the form name:/absolute/path',
    ]);
  });
});
