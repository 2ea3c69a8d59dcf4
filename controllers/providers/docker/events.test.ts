import { describe, expect, it } from 'vitest';
import { NetworkDirectory, toProviderEvent } from './events.ts';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL, WORKSPACE_LABEL } from '../../../apis/names/index.ts';

const labels = { [MANAGED_BY_LABEL]: 'boulder', [NAMESPACE_LABEL]: 'team', [WORKSPACE_LABEL]: 'api' };

describe('toProviderEvent', () => {
  const networks = new NetworkDirectory();
  networks.remember({ Id: 'net1', Labels: labels });

  it.each(['die', 'stop', 'kill', 'pause', 'destroy', 'oom'])('maps a managed container %s to a hint', (action) => {
    expect(toProviderEvent({ Type: 'container', Action: action, Actor: { ID: 'c', Attributes: { ...labels, name: 'x' } } }, networks)).toEqual({
      namespace: 'team',
      name: 'api',
      reason: `container ${action}`,
    });
  });

  it('ignores unmanaged containers and uninteresting actions', () => {
    expect(toProviderEvent({ Type: 'container', Action: 'die', Actor: { Attributes: { name: 'x' } } }, networks)).toBeUndefined();
    expect(toProviderEvent({ Type: 'container', Action: 'start', Actor: { Attributes: labels } }, networks)).toBeUndefined();
    expect(toProviderEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { Attributes: labels } }, networks)).toBeUndefined();
  });

  it('maps network destroy/disconnect of a known workspace network, not of others', () => {
    expect(toProviderEvent({ Type: 'network', Action: 'destroy', Actor: { ID: 'net1', Attributes: { name: 'n' } } }, networks)).toEqual({
      namespace: 'team',
      name: 'api',
      reason: 'network destroy',
    });
    expect(toProviderEvent({ Type: 'network', Action: 'disconnect', Actor: { ID: 'other', Attributes: {} } }, networks)).toBeUndefined();
    expect(toProviderEvent({ Type: 'network', Action: 'create', Actor: { ID: 'net1', Attributes: {} } }, networks)).toBeUndefined();
  });

  it('remembers only labelled networks', () => {
    const directory = new NetworkDirectory();
    directory.remember({ Id: 'x', Labels: {} });
    directory.remember({ Id: 'y', Labels: null });
    expect(directory.lookup('x')).toBeUndefined();
    directory.set('z', { namespace: 'n', name: 'w' });
    expect(directory.lookup('z')).toEqual({ namespace: 'n', name: 'w' });
  });
});
