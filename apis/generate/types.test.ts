import { describe, expect, it } from 'vitest';
import type { Condition as MetaCondition, KubeObject, ObjectMeta as MetaObjectMeta } from '../meta.ts';
import type { Condition, ObjectMeta, PortBinding, SyncSession, Workspace, WorkspaceSpec, WorkspaceStatus } from '../types/index.ts';

// Compile-time checks (tsc --noEmit): the generated types fit the shared object machinery both ways
// where it matters. A generated type that stops being assignable breaks the typecheck.
const asKubeObject = (obj: Workspace | PortBinding | SyncSession): KubeObject => obj;
const metaFromGenerated = (meta: ObjectMeta): MetaObjectMeta => meta;
const metaToGenerated = (meta: MetaObjectMeta): ObjectMeta => meta;
const conditionFromGenerated = (c: Condition): MetaCondition => c;
const conditionToGenerated = (c: MetaCondition): Condition => c;

describe('generated types', () => {
  it('describe real objects that are KubeObjects', () => {
    const spec: WorkspaceSpec = { backend: 'mock', image: 'node:24', ports: { web: { containerPort: 3000 } }, state: 'Paused' };
    const status: WorkspaceStatus = {
      phase: 'Paused',
      conditions: [
        conditionToGenerated({ type: 'Ready', status: 'False', reason: 'Paused', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }),
      ],
    };
    const ws: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: metaToGenerated({ name: 'a' }), spec, status };
    const obj = asKubeObject(ws);
    expect(metaFromGenerated(ws.metadata)).toBe(obj.metadata);
    expect(conditionFromGenerated(status.conditions![0]!).reason).toBe('Paused');
    expect(obj.kind).toBe('Workspace');
  });
});
