import { describe, expect, it } from 'vitest';
import { collectionPath, objectPath, resourceLabel } from './resource-paths.ts';

describe('resource paths', () => {
  it('builds namespaced, cluster-wide and subresource paths', () => {
    expect(collectionPath('Workspace', 'dev')).toBe('/apis/nexus.dev/v1alpha1/namespaces/dev/workspaces');
    expect(collectionPath('PortBinding', undefined)).toBe('/apis/nexus.dev/v1alpha1/portbindings');
    expect(collectionPath('SyncSession', '')).toBe('/apis/nexus.dev/v1alpha1/namespaces/default/syncsessions');
    expect(objectPath('Workspace', 'dev', 'a.b', 'status')).toBe('/apis/nexus.dev/v1alpha1/namespaces/dev/workspaces/a.b/status');
    expect(resourceLabel('PortBinding')).toBe('portbindings.nexus.dev');
  });

  it('rejects a kind boulder does not serve', () => {
    expect(() => collectionPath('Pod' as never, 'x')).toThrow(/unknown kind "Pod"/);
  });
});
