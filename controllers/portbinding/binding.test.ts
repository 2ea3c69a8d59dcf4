import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { addressesOverlap, bindingPortName, bindingUrl, hostIPFor, resolveBinding, servicePortName } from './binding.ts';

function pb(spec: Partial<PortBinding['spec']>, namespace?: string): PortBinding {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'x', ...(namespace ? { namespace } : {}) }, spec: { workspace: 'ws', containerPort: 8080, ...spec } };
}

describe('resolveBinding', () => {
  it('fills protocol, address and name from the defaults', () => {
    expect(resolveBinding(pb({ name: 'web' }))).toEqual({ namespace: 'default', workspace: 'ws', name: 'web', containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' });
  });
  it('public and org ports listen on loopback unless the node allows an address beyond it', () => {
    expect(resolveBinding(pb({ visibility: 'public' })).hostIP).toBe('127.0.0.1');
    expect(resolveBinding(pb({ visibility: 'org' })).hostIP).toBe('127.0.0.1');
    expect(resolveBinding(pb({ visibility: 'org', hostIP: '0.0.0.0' })).hostIP).toBe('127.0.0.1');
    expect(resolveBinding(pb({ visibility: 'public', hostIP: '10.1.2.3' })).hostIP).toBe('127.0.0.1');
    const policy = { addresses: ['0.0.0.0'] };
    expect(resolveBinding(pb({ visibility: 'org' }), policy).hostIP).toBe('0.0.0.0');
    expect(resolveBinding(pb({ visibility: 'public', hostIP: '10.1.2.3' }), policy).hostIP).toBe('10.1.2.3');
    expect(resolveBinding(pb({ visibility: 'private' }), policy).hostIP).toBe('127.0.0.1');
    expect(hostIPFor('private')).toBe('127.0.0.1');
    expect(hostIPFor('org')).toBeUndefined();
  });
  it('keeps the service and the fixed port', () => {
    expect(resolveBinding(pb({ service: 'db', containerPort: 5432, hostPort: 5432 }, 'team'))).toEqual({
      namespace: 'team',
      workspace: 'ws',
      service: 'db',
      name: 'db-5432',
      containerPort: 5432,
      protocol: 'tcp',
      hostIP: '127.0.0.1',
      fixedPort: 5432,
    });
  });
});

describe('port names', () => {
  it.each([
    [{ name: 'web' }, 'web'],
    [{ service: 'postgres', containerPort: 5432 }, 'postgres-5432'],
    [{ service: 'dns', containerPort: 53, protocol: 'udp' as const }, 'dns-53-udp'],
    [{ containerPort: 9000 }, 'port-9000'],
    [{ containerPort: 9000, protocol: 'udp' as const }, 'port-9000-udp'],
  ])('%j → %s', (spec, name) => expect(bindingPortName({ workspace: 'ws', containerPort: 1, ...spec })).toBe(name));
  it('service ports', () => expect(servicePortName('redis', 6379)).toBe('redis-6379'));
});

describe('bindingUrl', () => {
  it.each([
    ['web', 'tcp', '127.0.0.1', 32801, 'http://127.0.0.1:32801'],
    ['api', 'tcp', '127.0.0.1', 32802, 'http://127.0.0.1:32802'],
    ['app', 'tcp', '0.0.0.0', 32801, 'http://127.0.0.1:32801'],
    ['my-http', 'tcp', '127.0.0.1', 1, 'http://127.0.0.1:1'],
    ['postgres-5432', 'tcp', '127.0.0.1', 32803, 'tcp://127.0.0.1:32803'],
    ['web', 'udp', '127.0.0.1', 32801, 'udp://127.0.0.1:32801'],
    ['ssh', 'tcp', '10.0.0.5', 32800, 'tcp://10.0.0.5:32800'],
  ] as const)('%s %s %s:%d → %s', (name, protocol, ip, port, url) => expect(bindingUrl(name, protocol, ip, port)).toBe(url));
});

describe('addressesOverlap', () => {
  it('equal addresses and wildcards overlap, distinct specific ones do not', () => {
    expect(addressesOverlap('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('127.0.0.1', '0.0.0.0')).toBe(true);
    expect(addressesOverlap('127.0.0.1', '10.0.0.1')).toBe(false);
  });
});
