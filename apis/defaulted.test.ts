import { describe, expect, it } from 'vitest';
import { backendOf, defaultBackend, defaulted, desiredStateOf } from './defaulted.ts';
import type { PortBinding, SyncSession, Workspace } from './types/index.ts';

const ws = (spec: Workspace['spec']): Workspace => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a' }, spec });

describe('defaulted', () => {
  it('fills the schema defaults of each kind, without touching the input or a value that is set', () => {
    const input = ws({ image: 'x' });
    const out = defaulted(input);
    expect(out.metadata.namespace).toBe('default');
    expect(out.spec.backend).toBe('docker');
    expect(out.spec.state).toBe('Running');
    expect(input.spec).toEqual({ image: 'x' });
    expect(defaulted(ws({ image: 'x', backend: 'kubernetes', state: 'Paused' })).spec).toMatchObject({ backend: 'kubernetes', state: 'Paused' });
    const pb: PortBinding = { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'a', containerPort: 80 } };
    expect(defaulted(pb).spec).toMatchObject({ protocol: 'tcp', visibility: 'private' });
    const ss = { apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's' }, spec: { alpha: '/a', beta: 'docker://x/y' } } as SyncSession;
    expect(defaulted(ss).spec).toMatchObject({ mode: 'two-way-safe', conflict: 'manual', paused: false });
  });

  it('fills the nested defaults DefaultedWorkspace promises: ports, service ports, build, repository, sync', () => {
    const spec = defaulted(
      ws({ repository: { path: '/r' }, build: {}, ports: { web: { containerPort: 80 } }, services: { db: { image: 'pg', ports: [{ containerPort: 5432 }] } } }),
    ).spec;
    expect(spec.ports?.['web']).toEqual({ containerPort: 80, protocol: 'tcp', visibility: 'private' });
    expect(spec.services?.['db']?.ports).toEqual([{ containerPort: 5432, protocol: 'tcp' }]);
    expect(spec.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(spec.repository).toEqual({ path: '/r', branch: 'nexus/a', baseRef: 'HEAD', onDelete: 'KeepIfDirty' });
    expect(spec.sync).toEqual({ mode: 'bind', conflict: 'manual' });
    // Set values are kept.
    expect(defaulted(ws({ image: 'x', ports: { dns: { containerPort: 53, protocol: 'udp', visibility: 'org' } } })).spec.ports?.['dns']).toEqual({ containerPort: 53, protocol: 'udp', visibility: 'org' });
  });

  it('backendOf and desiredStateOf read the field, else the schema default', () => {
    expect(backendOf(ws({ image: 'x' }))).toBe('docker');
    expect(backendOf(ws({ image: 'x', backend: 'sprite' }))).toBe('sprite');
    expect(desiredStateOf(ws({ image: 'x' }))).toBe('Running');
    expect(desiredStateOf(ws({ image: 'x', state: 'Stopped' }))).toBe('Stopped');
    expect(defaultBackend()).toBe('docker');
  });
});
