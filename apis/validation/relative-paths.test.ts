import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.ts';
import { resolveHostPaths } from './relative-paths.ts';

const ws = (path: string): KubeObject => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a' }, spec: { repository: { path, baseRef: 'main' } } });

describe('resolveHostPaths', () => {
  it.each([
    ['..', '/home/me/project'],
    ['.', '/home/me/project/manifests'],
    ['../other', '/home/me/project/other'],
    ['/abs/repo', '/abs/repo'],
  ])('repository.path %s → %s', (path, expected) => {
    const out = resolveHostPaths(ws(path), '/home/me/project/manifests');
    expect((out.spec as { repository: { path: string; baseRef: string } }).repository).toEqual({ path: expected, baseRef: 'main' });
  });

  it('resolves a SyncSession alpha path but not an endpoint URL, and leaves other kinds alone', () => {
    const ss = (alpha: string): KubeObject => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's' }, spec: { alpha, beta: 'docker://c/workspace' } });
    expect((resolveHostPaths(ss('src'), '/r').spec as { alpha: string }).alpha).toBe('/r/src');
    expect((resolveHostPaths(ss('docker://x/y'), '/r').spec as { alpha: string }).alpha).toBe('docker://x/y');
    const pb: KubeObject = { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'a', containerPort: 1 } };
    expect(resolveHostPaths(pb, '/r')).toBe(pb);
  });

  it('does not change its input', () => {
    const input = ws('..');
    resolveHostPaths(input, '/x/y');
    expect((input.spec as { repository: { path: string } }).repository.path).toBe('..');
  });
});
