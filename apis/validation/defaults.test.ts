// Table tests of applyDefaults: static schema defaults, dynamic defaults, and what is never touched.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.ts';
import { applyDefaults, defaultValue } from './defaults.ts';

const apiVersion = 'nexus.dev/v1alpha1';

function object(kind: string, spec: unknown, metadata: Record<string, unknown> = { name: 'api' }): KubeObject {
  return { apiVersion, kind, metadata: metadata as unknown as KubeObject['metadata'], spec };
}

describe('applyDefaults', () => {
  const cases: { name: string; input: KubeObject; expected: unknown }[] = [
    {
      name: 'Workspace: backend, state, sync and namespace',
      input: object('Workspace', { image: 'node:24' }),
      expected: {
        apiVersion,
        kind: 'Workspace',
        metadata: { name: 'api', namespace: 'default' },
        spec: { image: 'node:24', backend: 'docker', state: 'Running', sync: { mode: 'bind', conflict: 'manual' } },
      },
    },
    {
      name: 'Workspace: repository branch is nexus/<name>, baseRef HEAD',
      input: object('Workspace', { repository: { path: '/src/api' } }, { name: 'feature-x' }),
      expected: {
        apiVersion,
        kind: 'Workspace',
        metadata: { name: 'feature-x', namespace: 'default' },
        spec: {
          repository: { path: '/src/api', branch: 'nexus/feature-x', baseRef: 'HEAD', onDelete: 'KeepIfDirty' },
          backend: 'docker',
          state: 'Running',
          sync: { mode: 'bind', conflict: 'manual' },
        },
      },
    },
    {
      name: 'Workspace: user values are kept, nested defaults fill the rest',
      input: object(
        'Workspace',
        {
          repository: { path: '/src/api', branch: 'main', baseRef: 'origin/main' },
          backend: 'mock',
          build: { dockerfile: 'dev.Dockerfile' },
          ports: { web: { containerPort: 3000, visibility: 'public' } },
          services: { db: { image: 'postgres:17', ports: [{ containerPort: 5432 }] } },
          sync: { mode: 'two-way-safe' },
          state: 'Paused',
        },
        { name: 'api', namespace: 'team-a' },
      ),
      expected: {
        apiVersion,
        kind: 'Workspace',
        metadata: { name: 'api', namespace: 'team-a' },
        spec: {
          repository: { path: '/src/api', branch: 'main', baseRef: 'origin/main', onDelete: 'KeepIfDirty' },
          backend: 'mock',
          build: { context: '.', dockerfile: 'dev.Dockerfile' },
          ports: { web: { containerPort: 3000, visibility: 'public', protocol: 'tcp' } },
          services: { db: { image: 'postgres:17', ports: [{ containerPort: 5432, protocol: 'tcp' }] } },
          sync: { mode: 'two-way-safe', conflict: 'manual' },
          state: 'Paused',
        },
      },
    },
    {
      name: 'PortBinding: protocol and visibility',
      input: object('PortBinding', { workspace: 'api', containerPort: 3000 }),
      expected: {
        apiVersion,
        kind: 'PortBinding',
        metadata: { name: 'api', namespace: 'default' },
        spec: { workspace: 'api', containerPort: 3000, protocol: 'tcp', visibility: 'private' },
      },
    },
    {
      name: 'SyncSession: mode and conflict; paused set by the user is kept',
      input: object('SyncSession', { alpha: '/a', beta: '/b', paused: true }),
      expected: {
        apiVersion,
        kind: 'SyncSession',
        metadata: { name: 'api', namespace: 'default' },
        spec: { alpha: '/a', beta: '/b', paused: true, mode: 'two-way-safe', conflict: 'manual' },
      },
    },
    {
      name: 'no spec: only the namespace',
      input: { apiVersion, kind: 'Workspace', metadata: { name: 'api' } },
      expected: { apiVersion, kind: 'Workspace', metadata: { name: 'api', namespace: 'default' } },
    },
    {
      name: 'unknown kind: only the namespace',
      input: object('Gadget', {}),
      expected: { apiVersion, kind: 'Gadget', metadata: { name: 'api', namespace: 'default' }, spec: {} },
    },
    {
      name: 'status is left alone',
      input: { ...object('PortBinding', { workspace: 'api', containerPort: 1 }), status: { phase: 'Bound' } },
      expected: {
        apiVersion,
        kind: 'PortBinding',
        metadata: { name: 'api', namespace: 'default' },
        spec: { workspace: 'api', containerPort: 1, protocol: 'tcp', visibility: 'private' },
        status: { phase: 'Bound' },
      },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    const before = structuredClone(input);
    const result = applyDefaults(input);
    expect(result).toEqual(expected);
    expect(input).toEqual(before);
    expect(applyDefaults(result)).toEqual(result);
  });

  it('never shares default objects between results', () => {
    const first = applyDefaults(object('Workspace', {}));
    (first.spec as { sync: { mode: string } }).sync.mode = 'changed';
    const second = applyDefaults(object('Workspace', {}));
    expect((second.spec as { sync: { mode: string } }).sync.mode).toBe('bind');
  });

  it('leaves malformed data as it is instead of failing', () => {
    expect(defaultValue('text')).toBe('text');
    expect(defaultValue([1, 2])).toEqual([1, 2]);
    expect(defaultValue({ kind: 'Workspace', metadata: 'api', spec: 'docker' })).toEqual({
      kind: 'Workspace',
      metadata: 'api',
      spec: 'docker',
    });
    expect(defaultValue({ kind: 'Workspace', metadata: { name: 7 }, spec: { repository: { path: '/x' } } })).toMatchObject({
      metadata: { name: 7, namespace: 'default' },
      spec: { repository: { path: '/x', baseRef: 'HEAD' } },
    });
  });
});
