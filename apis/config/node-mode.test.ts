import { describe, expect, it } from 'vitest';
import { nodeModeOf } from './node-mode.ts';

describe('nodeModeOf', () => {
  it('is undefined unless multi_user.enabled', () => {
    expect(nodeModeOf({}, 'node.yaml')).toBeUndefined();
    expect(nodeModeOf({ multi_user: { enabled: false } }, 'node.yaml')).toBeUndefined();
  });

  it('takes the defaults of an enabled node', () => {
    expect(nodeModeOf({ multi_user: { enabled: true } }, 'node.yaml')).toEqual({
      stateDir: '/var/lib/nexus/state',
      usersDir: '/var/lib/nexus/workspaces',
      socket: '/var/lib/nexus/workspaces/api.sock',
      group: 'nexus',
      adminGroup: 'sudo',
      limits: {},
    });
  });

  it('reads the configured values, limits and default resources', () => {
    const settings = nodeModeOf({ multi_user: { enabled: true, users_dir: '/srv/u', group: 'dev', admin_group: 'ops', auth: { method: 'unix' } }, limits: { max_workspaces_per_user: 2 }, resources: { memory: '1Gi' } }, 'node.yaml');
    expect(settings).toMatchObject({ usersDir: '/srv/u', socket: '/srv/u/api.sock', group: 'dev', adminGroup: 'ops', limits: { max_workspaces_per_user: 2 }, defaultResources: { memory: '1Gi' } });
  });

  it.each(['ldap', 'sso'])('refuses auth.method %s as not supported', (method) => {
    expect(() => nodeModeOf({ multi_user: { enabled: true, auth: { method } } }, '/etc/nexus/config.yaml')).toThrow(`/etc/nexus/config.yaml: multi_user.auth.method "${method}" is not supported; use "unix"`);
  });
});
