import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { NETWORK_FAILED } from '../../../apis/names/index.ts';
import { ProviderError } from '../errors.ts';
import { networkAttachment, withPoolHint, workspaceAliases } from './network.ts';

describe('withPoolHint', () => {
  it("says what to do when the engine's address pools are used up, and stays transient", () => {
    const engine = new ProviderError(NETWORK_FAILED, 'creating network nexus-a: could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', { transient: true });
    const hinted = withPoolHint(engine);
    expect(hinted.message).toContain('non-overlapping IPv4 address pool');
    expect(hinted.message).toContain('default-address-pools');
    expect(hinted.message).toContain('docker network prune');
    expect(hinted.reason).toBe(NETWORK_FAILED);
    expect(hinted.transient).toBe(true);
  });

  it('leaves any other failure as it is', () => {
    const other = new ProviderError(NETWORK_FAILED, 'creating network nexus-a: invalid name', { transient: false });
    expect(withPoolHint(other)).toBe(other);
  });
});

describe('networkAttachment', () => {
  const target = { namespace: 'ns', name: 'ws', uid: '0123abcd-0000-0000-0000-000000000000' };
  const owner = { target, labels: {} };
  const own = { id: 'own-id', name: 'nexus-ns-ws', isolated: false };
  const isolatedNet = { id: 'iso-id', name: 'nexus-isolated', isolated: true };
  const listed = (networks: Record<string, { NetworkID: string }>) => ({ Id: 'c', Names: ['/c'], NetworkSettings: { Networks: networks } }) as unknown as Dockerode.ContainerInfo;

  it('is attached only when on the network and on no other network of boulder for the workspace', () => {
    expect(networkAttachment(listed({ 'nexus-isolated': { NetworkID: 'iso-id' } }), owner, isolatedNet)).toBe('attached');
    // Never started: Docker has not resolved the id yet.
    expect(networkAttachment(listed({ 'nexus-isolated': { NetworkID: '' } }), owner, isolatedNet)).toBe('attached');
    // The network was recreated under the same name.
    expect(networkAttachment(listed({ 'nexus-isolated': { NetworkID: 'old-id' } }), owner, isolatedNet)).toBe('detached');
    // Moving between its own network and the isolated one, either way, or stuck on both.
    expect(networkAttachment(listed({ 'nexus-ns-ws': { NetworkID: 'own-id' } }), owner, isolatedNet)).toBe('detached');
    expect(networkAttachment(listed({ 'nexus-isolated': { NetworkID: 'iso-id' } }), owner, own)).toBe('detached');
    expect(networkAttachment(listed({ 'nexus-isolated': { NetworkID: 'iso-id' }, 'nexus-ns-ws': { NetworkID: 'own-id' } }), owner, own)).toBe('detached');
    // On a multi-user node the owner's isolated network is the one; the engine's is another of boulder's to leave.
    const alice = { target, labels: { 'nexus.dev/user': 'alice' } };
    const aliceNet = { id: 'alice-id', name: 'nexus-isolated-alice', isolated: true };
    expect(networkAttachment(listed({ 'nexus-isolated-alice': { NetworkID: 'alice-id' } }), alice, aliceNet)).toBe('attached');
    expect(networkAttachment(listed({ 'nexus-isolated-alice': { NetworkID: 'alice-id' }, 'nexus-isolated': { NetworkID: 'iso-id' } }), alice, aliceNet)).toBe('attached');
    expect(networkAttachment(listed({ 'nexus-isolated-alice': { NetworkID: 'alice-id' }, 'nexus-ns-ws': { NetworkID: 'own-id' } }), alice, aliceNet)).toBe('detached');
    // A network a user attached by hand is not boulder's to judge.
    expect(networkAttachment(listed({ 'nexus-ns-ws': { NetworkID: 'own-id' }, debug: { NetworkID: 'x' } }), owner, own)).toBe('attached');
  });

  it('gives the main container its host name as alias on its own network only', () => {
    expect(workspaceAliases(target, own)).toEqual(['ws']);
    expect(workspaceAliases(target, isolatedNet)).toEqual([]);
  });
});
