import { describe, expect, it } from 'vitest';
import type { RuntimeTarget } from '../types.ts';
import { endpointOfContainer } from './endpoint.ts';
import { networkName } from './names.ts';

const target: RuntimeTarget = { namespace: 'default', name: 'app', uid: '1234abcd-0000-0000-0000-000000000000' };

function container(state: string, networks: Record<string, string>): Parameters<typeof endpointOfContainer>[0] {
  return { State: state, NetworkSettings: { Networks: Object.fromEntries(Object.entries(networks).map(([name, ip]) => [name, { IPAddress: ip }])) } } as unknown as Parameters<typeof endpointOfContainer>[0];
}

describe('endpointOfContainer', () => {
  it('the address on the workspace network (plain or unique name) wins over others', () => {
    expect(endpointOfContainer(container('running', { bridge: '172.17.0.2', [networkName(target)]: '172.20.0.3' }), target)).toEqual({ host: '172.20.0.3' });
    expect(endpointOfContainer(container('running', { other: '10.0.0.2', [networkName(target, { unique: true })]: '172.21.0.4' }), target)).toEqual({ host: '172.21.0.4' });
  });
  it('falls back to any network with an address', () => {
    expect(endpointOfContainer(container('running', { none: '', other: '10.0.0.2' }), target)).toEqual({ host: '10.0.0.2' });
  });
  it('a paused container keeps its address; a stopped one (or one without an address) has none', () => {
    expect(endpointOfContainer(container('paused', { [networkName(target)]: '172.20.0.3' }), target)).toEqual({ host: '172.20.0.3' });
    expect(endpointOfContainer(container('exited', { [networkName(target)]: '172.20.0.3' }), target)).toBeUndefined();
    expect(endpointOfContainer(container('created', {}), target)).toBeUndefined();
    expect(endpointOfContainer(container('running', { [networkName(target)]: '' }), target)).toBeUndefined();
  });
});
