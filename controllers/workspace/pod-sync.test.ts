// File sync of kubernetes workspaces and spec.workspaceFolder (pure parts): which workspaces get a
// Pod-synced session, the session's beta, the workdir/mounts the folder yields, and its validation.
import { describe, expect, it } from 'vitest';
import { admitObject } from '../../apis/validation/admit.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { desiredRuntime, usesFileSync } from './desired.ts';
import { desiredSyncSession, usesPodSync } from './sync-session.ts';

function workspace(spec: Partial<Workspace['spec']>): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'web', namespace: 'team', uid: 'u-1' }, spec: { image: 'busybox', ...spec } };
}

describe('kubernetes workspaces sync into their Pod', () => {
  it.each([
    [{ backend: 'kubernetes', sync: { mode: 'two-way-safe' } }, true, false],
    [{ backend: 'kubernetes', sync: { mode: 'bind' } }, false, false],
    [{ backend: 'kubernetes' }, false, false],
    [{ backend: 'docker', sync: { mode: 'two-way-safe' } }, false, true],
    [{ sync: { mode: 'one-way-replica' } }, false, true],
  ] as const)('%o: pod sync %s, volume sync %s', (spec, pod, volume) => {
    const ws = workspace(spec as Partial<Workspace['spec']>);
    expect(usesPodSync(ws)).toBe(pod);
    expect(usesFileSync(ws)).toBe(volume);
  });

  it('the owned session syncs the worktree with the given beta (default: the sync volume)', () => {
    const ws = workspace({ backend: 'kubernetes', sync: { mode: 'two-way-safe', exclude: ['node_modules/'] } });
    const pod = desiredSyncSession(ws, '/repo/.nexus/worktrees/web', 'pod://team/nexus-web/workspace/workspace');
    expect(pod.metadata.name).toBe('web-sync');
    expect(pod.spec).toMatchObject({ alpha: '/repo/.nexus/worktrees/web', beta: 'pod://team/nexus-web/workspace/workspace', mode: 'two-way-safe', exclude: ['node_modules/'] });
    expect(desiredSyncSession(ws, '/w').spec.beta).toBe('volume://nexus-sync-u-1/');
    // spec.paused is the user's (boulder sync pause): the owner never sets it, whatever its state.
    expect(desiredSyncSession(workspace({ ...ws.spec, state: 'Stopped' }), '/w', 'pod://a/b/c/d').spec.paused).toBeUndefined();
  });
});

describe('spec.workspaceFolder', () => {
  it('defaults to /workspace and sets the workdir and the docker mounts', () => {
    expect(desiredRuntime(workspace({})).workdir).toBe('/workspace');
    const runtime = desiredRuntime(workspace({ workspaceFolder: '/src/app' }), { worktree: { path: '/repo/wt', commonGitDir: '/repo/.git' }, secretEnv: {} });
    expect(runtime.workdir).toBe('/src/app');
    expect(runtime.mounts.map((m) => m.target)).toEqual(['/src/app', '/repo/wt', '/repo/.git']);
    const synced = desiredRuntime(workspace({ workspaceFolder: '/src/app', sync: { mode: 'two-way-safe' } }));
    expect(synced.mounts).toEqual([{ source: 'nexus-sync-u-1', volume: 'nexus-sync-u-1', target: '/src/app' }]);
  });

  it('mounts the worktree once when the folder is its host path', () => {
    const runtime = desiredRuntime(workspace({ workspaceFolder: '/repo/wt' }), { worktree: { path: '/repo/wt', commonGitDir: '/repo/.git' }, secretEnv: {} });
    expect(runtime.mounts.map((m) => m.target)).toEqual(['/repo/wt', '/repo/.git']);
  });

  it.each(['/workspace', '/tmp/boulder x/files', '/a/.hidden', '/a/b...c'])('accepts %s', (folder) => {
    expect(admitObject(workspace({ workspaceFolder: folder })).spec.workspaceFolder).toBe(folder);
  });

  it.each(['workspace', '/', '/a/', '/a//b', '/a/../b', '/a/.', ''])('rejects %j', (folder) => {
    let error: unknown;
    try {
      admitObject(workspace({ workspaceFolder: folder }));
    } catch (err) {
      error = err;
    }
    expect(isErrorCode(error, 'Invalid')).toBe(true);
  });
});
