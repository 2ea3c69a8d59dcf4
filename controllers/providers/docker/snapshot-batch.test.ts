import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, UID_LABEL } from '../../../apis/names/index.ts';
import { SnapshotBatcher } from './snapshot-batch.ts';

const MANAGED = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };

/** A fake engine holding one main container and one network per uid, and the isolated network; counts and answers list calls. */
function fakeEngine(uids: string[]) {
  const calls: string[][] = [];
  const containers = uids.map((uid, i) => ({ Id: `c-${uid}`, Created: i, State: 'running', Labels: { [UID_LABEL]: uid, [ROLE_LABEL]: 'workspace' } }));
  const networks = [
    ...uids.map((uid) => ({ Id: `n-${uid}`, Name: `net-${uid}`, Created: '2026-01-01T00:00:00Z', Driver: 'bridge', Labels: { ...MANAGED, [UID_LABEL]: uid } })),
    { Id: 'n-isolated', Name: 'nexus-isolated', Created: '2026-01-01T00:00:00Z', Driver: 'bridge', Options: { 'com.docker.network.bridge.enable_icc': 'false' }, Labels: { ...MANAGED, [COMPONENT_LABEL]: 'isolated-network' } },
    { Id: 'n-other', Name: 'other', Created: '2026-01-01T00:00:00Z', Driver: 'bridge', Labels: { [UID_LABEL]: 'uid-0' } },
  ];
  const select = <T extends { Labels: Record<string, string | undefined> }>(items: T[], filters: { label: string[] }): T[] =>
    items.filter((it) => filters.label.every((l) => (l.includes('=') ? it.Labels[l.split('=')[0]!] === l.split('=')[1] : l in it.Labels)));
  const docker = {
    listContainers: async (o: { filters: { label: string[] } }) => {
      calls.push(o.filters.label);
      await new Promise((r) => setTimeout(r, 5));
      return select(containers, o.filters);
    },
    listNetworks: async (o: { filters: { label: string[] } }) => {
      await new Promise((r) => setTimeout(r, 5));
      return select(networks, o.filters);
    },
  } as unknown as Dockerode;
  return { docker, calls };
}

describe('SnapshotBatcher', () => {
  it('lists a lone request by its own uid, and answers requests made during a listing with one shared list', async () => {
    const uids = Array.from({ length: 20 }, (_, i) => `uid-${i}`);
    const { docker, calls } = fakeEngine(uids);
    const batcher = new SnapshotBatcher(docker);
    const lone = await batcher.snapshot({ namespace: 'default', name: 'w0', uid: 'uid-0' });
    expect(lone.main?.Id).toBe('c-uid-0');
    // Its own network by uid among boulder's networks (not an unmanaged one with the same label), and the isolated one.
    expect([lone.network?.Id, lone.strayNetworks, lone.isolatedNetworks.map((n) => n.Id)]).toEqual(['n-uid-0', [], ['n-isolated']]);
    expect(calls).toEqual([[`${UID_LABEL}=uid-0`]]);

    calls.length = 0;
    const snapshots = await Promise.all(uids.map((uid, i) => batcher.snapshot({ namespace: 'default', name: `w${i}`, uid })));
    snapshots.forEach((s, i) => {
      expect(s.main?.Id).toBe(`c-uid-${i}`);
      expect(s.network?.Id).toBe(`n-uid-${i}`);
      expect(s.isolatedNetworks.map((n) => n.Id)).toEqual(['n-isolated']);
      expect(s.strayContainers).toEqual([]);
      expect(s.strayNetworks).toEqual([]);
    });
    // At most the first request went alone; the others, arriving meanwhile, shared one listing.
    expect(calls.length).toBeLessThanOrEqual(2);
    expect(calls.at(-1)).toEqual([UID_LABEL]);
    expect((await batcher.snapshot({ namespace: 'default', name: 'gone', uid: 'nope' })).main).toBeUndefined();
  });

  it('fails every request of a failed shared listing, and recovers', async () => {
    const { docker } = fakeEngine(['a', 'b']);
    let fail = true;
    const list = docker.listContainers.bind(docker);
    (docker as unknown as { listContainers: unknown }).listContainers = async (o: never) => {
      if (fail) throw new Error('engine gone');
      return list(o);
    };
    const all = await Promise.allSettled(['a', 'b', 'a'].map((uid) => batcher(docker).snapshot({ namespace: 'default', name: uid, uid })));
    expect(all.every((r) => r.status === 'rejected')).toBe(true);
    fail = false;
    expect((await new SnapshotBatcher(docker).snapshot({ namespace: 'default', name: 'b', uid: 'b' })).main?.Id).toBe('c-b');
  });
});

const batchers = new WeakMap<Dockerode, SnapshotBatcher>();
function batcher(docker: Dockerode): SnapshotBatcher {
  return batchers.get(docker) ?? batchers.set(docker, new SnapshotBatcher(docker)).get(docker)!;
}
