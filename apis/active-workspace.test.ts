import { describe, expect, it } from 'vitest';
import type { Workspace } from './types/index.ts';
import { activeSince, activeWorkspace } from './active-workspace.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION } from './names/index.ts';

function ws(name: string, since?: string, extra: { namespace?: string; deleting?: boolean } = {}): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      ...(since !== undefined ? { annotations: { [ACTIVE_WORKSPACE_SINCE_ANNOTATION]: since } } : {}),
      ...(extra.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {},
  } as Workspace;
}

describe('activeWorkspace', () => {
  it('is the workspace switched to last', () => {
    expect(activeWorkspace([ws('a', '2026-01-01T00:00:01.000Z'), ws('b', '2026-01-01T00:00:02.000Z'), ws('c')])).toEqual({ namespace: 'default', name: 'b' });
    expect(activeWorkspace([ws('a', '2026-01-01T00:00:03.000Z'), ws('b', '2026-01-01T00:00:02.000Z')])).toEqual({ namespace: 'default', name: 'a' });
  });
  it('names the namespace: the same name elsewhere is another workspace', () => {
    expect(activeWorkspace([ws('a', '2026-01-01T00:00:01.000Z'), ws('a', '2026-01-01T00:00:02.000Z', { namespace: 'team' })])).toEqual({ namespace: 'team', name: 'a' });
  });
  it('ignores workspaces being deleted and records that are not times', () => {
    expect(activeWorkspace([ws('a', '2026-01-01T00:00:01.000Z'), ws('b', '2026-01-01T00:00:02.000Z', { deleting: true }), ws('c', 'soon')])).toEqual({ namespace: 'default', name: 'a' });
    expect(activeSince(ws('c', 'soon'))).toBeUndefined();
  });
  it('is undefined when none was switched to; a tie goes to the first by namespace/name', () => {
    expect(activeWorkspace([ws('a'), ws('b')])).toBeUndefined();
    expect(activeWorkspace([ws('b', '2026-01-01T00:00:01.000Z'), ws('a', '2026-01-01T00:00:01.000Z')])).toEqual({ namespace: 'default', name: 'a' });
  });
});
