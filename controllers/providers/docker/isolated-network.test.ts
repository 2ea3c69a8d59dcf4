import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isIsolatedNetwork, isolatedNetworkLabels, pickIsolatedNetwork } from './isolated-network.ts';
import { isolatedNetworkNames } from './names.ts';

const isolated = (id: string, created: string, overrides: Partial<Dockerode.NetworkInspectInfo> = {}): Dockerode.NetworkInspectInfo =>
  ({ Id: id, Name: `nexus-isolated-${id}`, Created: created, Driver: 'bridge', Options: { 'com.docker.network.bridge.enable_icc': 'false' }, Labels: isolatedNetworkLabels(), ...overrides }) as Dockerode.NetworkInspectInfo;

describe('isIsolatedNetwork', () => {
  it("is boulder's labels, a bridge, and inter-container traffic off — all three", () => {
    expect(isIsolatedNetwork(isolated('a', '2026-01-01T00:00:00Z'))).toBe(true);
    // Someone else's network under the same labels but with ICC on would let workspaces reach each other.
    expect(isIsolatedNetwork(isolated('b', '2026-01-01T00:00:00Z', { Options: {} }))).toBe(false);
    expect(isIsolatedNetwork(isolated('c', '2026-01-01T00:00:00Z', { Options: { 'com.docker.network.bridge.enable_icc': 'true' } }))).toBe(false);
    expect(isIsolatedNetwork(isolated('d', '2026-01-01T00:00:00Z', { Driver: 'overlay' }))).toBe(false);
    expect(isIsolatedNetwork(isolated('e', '2026-01-01T00:00:00Z', { Labels: { 'app.kubernetes.io/managed-by': 'boulder' } }))).toBe(false);
    expect(isIsolatedNetwork(isolated('f', '2026-01-01T00:00:00Z', { Labels: { 'nexus.dev/component': 'isolated-network' } }))).toBe(false);
  });

  it("tells the engine's isolated network from an owner's on a multi-user node", () => {
    const alices = isolated('a', '2026-01-01T00:00:00Z', { Labels: isolatedNetworkLabels('alice') });
    expect(isIsolatedNetwork(alices, 'alice')).toBe(true);
    expect(isIsolatedNetwork(alices)).toBe(false);
    expect(isIsolatedNetwork(alices, 'bob')).toBe(false);
    expect(isIsolatedNetwork(isolated('e', '2026-01-01T00:00:00Z'), 'alice')).toBe(false);
  });
});

describe('isolatedNetworkNames', () => {
  it("names the engine's network and each owner's, with a fixed fallback", () => {
    expect(isolatedNetworkNames()).toEqual(['nexus-isolated', 'nexus-isolated-2']);
    expect(isolatedNetworkNames('alice')).toEqual(['nexus-isolated-alice', 'nexus-isolated-alice-2']);
    expect(isolatedNetworkNames('x'.repeat(80))[0]).toHaveLength(63);
  });
});

describe('pickIsolatedNetwork', () => {
  it('takes the oldest isolated network among the listed ones, ignoring the rest', () => {
    const listed = [
      isolated('new', '2026-03-01T00:00:00Z'),
      isolated('foreign', '2025-01-01T00:00:00Z', { Options: {} }),
      isolated('old', '2026-02-01T00:00:00Z'),
    ];
    expect(pickIsolatedNetwork(listed)?.Id).toBe('old');
    expect(pickIsolatedNetwork([listed[1]!])).toBeUndefined();
    expect(pickIsolatedNetwork([])).toBeUndefined();
    const alices = isolated('alice', '2020-01-01T00:00:00Z', { Labels: isolatedNetworkLabels('alice') });
    expect(pickIsolatedNetwork([...listed, alices])?.Id).toBe('old');
    expect(pickIsolatedNetwork([...listed, alices], 'alice')?.Id).toBe('alice');
  });
});
