import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { ownedFieldsEqual, SYNC_SESSION_OWNED_SPEC, withOwnedFields } from './owned-fields.ts';
import { desiredSyncSession } from './sync-session.ts';
import { desiredPortBindings } from './port-bindings.ts';
import { applyDefaults } from '../../apis/validation/defaults.ts';

function workspace(spec: Partial<Workspace['spec']> = {}): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'web', namespace: 'default', uid: 'u-1' }, spec: { backend: 'docker', image: 'busybox', sync: { mode: 'two-way-safe' }, ...spec } };
}

/** The owned session as stored after others touched it: the user paused it, labelled and annotated it, another owner referenced it. */
function touched(desired: SyncSession): SyncSession {
  const want = applyDefaults(desired); // as the store keeps it
  return {
    ...want,
    metadata: {
      ...want.metadata,
      uid: 's-1',
      resourceVersion: '7',
      finalizers: ['nexus.dev/cleanup'],
      labels: { ...want.metadata.labels, team: 'core' },
      annotations: { 'nexus.dev/sync-request': '{"id":"r1","op":"flush"}', note: 'mine' },
      ownerReferences: [...want.metadata.ownerReferences!, { apiVersion: 'example.com/v1', kind: 'Team', name: 'core', uid: 'uid-team' }],
    },
    spec: { ...want.spec, paused: true, maxEntryCount: 1000 },
    status: { phase: 'Paused' },
  };
}

describe('field ownership of the owned SyncSession', () => {
  it('the owner never writes spec.paused, whatever the workspace state', () => {
    expect(SYNC_SESSION_OWNED_SPEC).not.toContain('paused');
    for (const state of ['Running', 'Stopped', 'Paused'] as const) expect(desiredSyncSession(workspace({ state }), '/wt').spec).not.toHaveProperty('paused');
  });

  it('fields the store defaults (conflict: manual, paused: false; a binding\'s protocol, visibility) are not a difference', () => {
    const want = desiredSyncSession(workspace(), '/wt');
    expect(want.spec.conflict).toBeUndefined();
    const stored = applyDefaults(want);
    expect(stored.spec.conflict).toBe('manual');
    expect(ownedFieldsEqual(stored, want)).toBe(true);
    const binding = desiredPortBindings(workspace({ ports: { web: { containerPort: 3000 } } }))[0]!;
    const { protocol: _p, visibility: _v, ...bare } = binding.spec;
    const sparse = { ...binding, spec: bare };
    expect(ownedFieldsEqual(applyDefaults(sparse), sparse)).toBe(true);
  });

  it('what others set is equal as far as the owner is concerned: no update, pause and all kept', () => {
    const want = desiredSyncSession(workspace(), '/wt');
    expect(ownedFieldsEqual(touched(want), want)).toBe(true);
  });

  it('an update sets the owned fields only: a removed exclude goes, the user\'s pause, limits, labels, annotations, references, finalizers and status stay', () => {
    const before = desiredSyncSession(workspace({ sync: { mode: 'two-way-safe', exclude: ['node_modules/'], conflict: 'host-wins' } }), '/wt');
    const have = touched(before);
    const want = desiredSyncSession(workspace({ sync: { mode: 'one-way-safe' } }), '/wt2');
    expect(ownedFieldsEqual(have, want)).toBe(false);
    const next = withOwnedFields(have, want);
    // conflict: the workspace sets none any more, so the store's default (manual) is what it owns.
    expect(next.spec).toEqual({ workspace: 'web', alpha: '/wt2', beta: 'volume://nexus-sync-u-1/', mode: 'one-way-safe', conflict: 'manual', paused: true, maxEntryCount: 1000 });
    expect(next.metadata).toEqual(have.metadata);
    expect(next.status).toEqual(have.status);
    expect(ownedFieldsEqual(next, want)).toBe(true);
  });

  it('restores its own label and owner reference, keeping the rest', () => {
    const want = desiredSyncSession(workspace(), '/wt');
    const have = touched(want);
    const tampered: SyncSession = { ...have, metadata: { ...have.metadata, labels: { team: 'core' }, ownerReferences: have.metadata.ownerReferences!.slice(1) } };
    expect(ownedFieldsEqual(tampered, want)).toBe(false);
    const next = withOwnedFields(tampered, want);
    expect(next.metadata.labels).toEqual({ team: 'core', 'nexus.dev/workspace': 'web' });
    expect(next.metadata.ownerReferences).toEqual([have.metadata.ownerReferences![1], want.metadata.ownerReferences![0]]);
  });
});
