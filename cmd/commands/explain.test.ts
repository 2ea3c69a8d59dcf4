import { describe, expect, it } from 'vitest';
import { splitExplainTarget } from './explain.ts';

describe('splitExplainTarget', () => {
  it.each([
    ['workspace', 'Workspace', undefined],
    ['ws.spec.ports', 'Workspace', 'spec.ports'],
    ['workspaces.nexus.dev.spec', 'Workspace', 'spec'],
    ['pb.spec.containerPort', 'PortBinding', 'spec.containerPort'],
  ])('%s', (text, kind, fieldPath) => {
    const target = splitExplainTarget(text);
    expect(target.kind.kind).toBe(kind);
    expect(target.fieldPath).toBe(fieldPath);
  });

  it('fails on an unknown kind', () => {
    expect(() => splitExplainTarget('pods.spec')).toThrow('resource type "pods"');
  });
});
