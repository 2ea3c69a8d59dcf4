import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { dockerEvents, NetworkDirectory, toProviderEvent } from './events.ts';
import { realClock } from '../../runtime/clock.ts';
import { noopLogger } from '../../runtime/noop-logger.ts';
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

  it("maps a disconnect from the shared isolated network through the container it names, and knows that network", () => {
    const directory = new NetworkDirectory();
    directory.remember({ Id: 'iso', Labels: { 'nexus.dev/component': 'isolated-network' } });
    directory.setContainer('c1', { namespace: 'ns', name: 'ws', uid: 'u' } as never);
    expect(directory.knows('iso')).toBe(true);
    expect(directory.knows('other')).toBe(false);
    expect(toProviderEvent({ Type: 'network', Action: 'disconnect', Actor: { ID: 'iso', Attributes: { container: 'c1', name: 'nexus-isolated' } } }, directory)).toEqual({ namespace: 'ns', name: 'ws', reason: 'network disconnect' });
    // Another container on it (not a workspace's), or a destroy, names no workspace.
    expect(toProviderEvent({ Type: 'network', Action: 'disconnect', Actor: { ID: 'iso', Attributes: { container: 'c2' } } }, directory)).toBeUndefined();
    expect(toProviderEvent({ Type: 'network', Action: 'destroy', Actor: { ID: 'iso', Attributes: { container: 'c1' } } }, directory)).toBeUndefined();
    // A recreated container replaces the workspace's earlier one; a deleted workspace is forgotten.
    directory.setContainer('c3', { namespace: 'ns', name: 'ws' });
    expect([directory.lookupContainer('c1'), directory.lookupContainer('c3')]).toEqual([undefined, { namespace: 'ns', name: 'ws' }]);
    directory.forgetContainer({ namespace: 'ns', name: 'ws' });
    expect(directory.lookupContainer('c3')).toBeUndefined();
    // What an ensure put a workspace on: its own network is mapped to it, an isolated one only known.
    directory.recordEnsured({ id: 'own', isolated: false }, { namespace: 'ns', name: 'ws' });
    directory.recordEnsured({ id: 'iso2', isolated: true }, { namespace: 'ns', name: 'ws' });
    expect([directory.lookup('own'), directory.lookup('iso2'), directory.knows('iso2')]).toEqual([{ namespace: 'ns', name: 'ws' }, undefined, true]);
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

describe('dockerEvents', () => {
  it("hints a workspace network's destroy, then forgets that network", async () => {
    const stream = new PassThrough();
    const docker = { getEvents: async () => stream, listNetworks: async () => [{ Id: 'net1', Labels: labels }] } as unknown as Dockerode;
    const networks = new NetworkDirectory();
    const abort = new AbortController();
    const events = dockerEvents({ docker, networks, clock: realClock, logger: noopLogger() }, abort.signal);
    const first = events.next();
    stream.write(`${JSON.stringify({ Type: 'network', Action: 'destroy', Actor: { ID: 'net1', Attributes: { name: 'nexus-team-api' } } })}\n`);
    expect((await first).value).toEqual({ namespace: 'team', name: 'api', reason: 'network destroy' });
    expect([networks.knows('net1'), networks.lookup('net1')]).toEqual([false, undefined]);
    abort.abort();
    await events.return(undefined);
  });
});
