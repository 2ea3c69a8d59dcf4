import { describe, expect, it } from 'vitest';
import type { Workspace, WorkspaceSpec } from '../../apis/types/index.ts';
import { isTerminalError } from '../runtime/errors.ts';
import { admitForOwner } from './admission.ts';
import { commandAs } from './run-as.ts';

const owner = { user: 'alice', uid: 1001, gid: 1001, groups: [1001, 2000], home: '/home/alice' };

function ws(spec: Partial<WorkspaceSpec>): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { namespace: 'user-alice', name: 'app' }, spec: { image: 'x', ...spec } } as Workspace;
}

function reasonOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isTerminalError(err) ? err.reason : 'not terminal';
  }
}

describe('admitForOwner', () => {
  it.each([
    ['a docker workspace with a repository, named volumes and fromFile', { backend: 'docker', repository: { path: '/home/alice/r' }, services: { db: { image: 'x', volumes: ['data:/data'] } }, secrets: [{ name: 'S', fromFile: '/home/alice/s' }] }, undefined],
    ['the kubernetes backend (the daemon\'s kubeconfig)', { backend: 'kubernetes' }, 'BackendNotAllowed'],
    ['the sprite backend (the daemon\'s API key)', { backend: 'sprite' }, 'BackendNotAllowed'],
    ['file sync (runs with the daemon\'s rights)', { sync: { mode: 'two-way-safe' } }, 'HostPathNotAllowed'],
    ['a host path service volume', { services: { db: { image: 'x', volumes: ['/etc:/host-etc'] } } }, 'HostPathNotAllowed'],
    ['fromEnv (the daemon\'s environment)', { secrets: [{ name: 'S', fromEnv: 'HOME' }] }, 'SecretSourceNotAllowed'],
  ] as [string, Partial<WorkspaceSpec>, string | undefined][])('%s', (_what, spec, reason) => {
    expect(reasonOf(() => admitForOwner(ws(spec), owner))).toBe(reason);
  });
});

describe('commandAs', () => {
  it('runs through setpriv with the owner\'s uid, gid and groups, from /, with a minimal environment', () => {
    process.env['BOULDER_TEST_DAEMON_SECRET'] = 'x';
    const command = commandAs(owner, 'git', ['status']);
    delete process.env['BOULDER_TEST_DAEMON_SECRET'];
    expect(command.file).toBe('setpriv');
    expect(command.args).toEqual(['--reuid=1001', '--regid=1001', '--groups', '1001,2000', '--', 'git', 'status']);
    expect(command.cwd).toBe('/');
    expect(Object.keys(command.env).sort()).toEqual(['HOME', 'LOGNAME', 'PATH', 'USER']);
    expect(command.env['HOME']).toBe('/home/alice');
  });
});
