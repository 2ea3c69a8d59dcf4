/**
 * Workspace snapshots under fan-out: while one listing is in flight, further snapshot requests
 * wait and are then answered together by ONE list of containers carrying boulder's uid label and
 * ONE list of boulder's networks, sorted per workspace here — so 20 workspaces reconciled at once cost a few
 * list calls, not 40. A request that finds nothing in flight is listed at once, by its own uid
 * (no added latency when there is no fan-out).
 */
import type Dockerode from 'dockerode';
import type { RuntimeTarget } from '../types.ts';
import { ENGINE_UNAVAILABLE, UID_LABEL } from '../../../apis/names/index.ts';
import { toProviderError } from './engine-errors.ts';
import { allSettled } from './settle.ts';
import { isIsolatedCandidate } from './isolated-network.ts';
import { classify, listManagedNetworks, snapshotWorkspace, type WorkspaceSnapshot } from './snapshot.ts';

interface Waiter {
  target: RuntimeTarget;
  resolve: (snapshot: WorkspaceSnapshot) => void;
  reject: (err: unknown) => void;
}

/** See the module comment. */
export class SnapshotBatcher {
  readonly #docker: Dockerode;
  #inFlight = false;
  #waiting: Waiter[] = [];

  constructor(docker: Dockerode) {
    this.#docker = docker;
  }

  /** The workspace's containers and networks, as `snapshotWorkspace` lists them. */
  snapshot(target: RuntimeTarget): Promise<WorkspaceSnapshot> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ target, resolve, reject });
      if (!this.#inFlight) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#inFlight = true;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting;
      this.#waiting = [];
      if (batch.length === 1) {
        const [only] = batch as [Waiter];
        await snapshotWorkspace(this.#docker, only.target).then(only.resolve, only.reject);
        continue;
      }
      try {
        const { perUid, isolatedNetworks } = await this.#listAll();
        for (const w of batch) {
          const found = perUid.get(w.target.uid);
          w.resolve(classify(found?.containers ?? [], found?.networks ?? [], isolatedNetworks));
        }
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.#inFlight = false;
  }

  /** Every container and network carrying a uid label, grouped by it, and the isolated networks. */
  async #listAll(): Promise<{ perUid: Map<string, { containers: Dockerode.ContainerInfo[]; networks: Dockerode.NetworkInspectInfo[] }>; isolatedNetworks: Dockerode.NetworkInspectInfo[] }> {
    let containers: Dockerode.ContainerInfo[];
    let networks: Dockerode.NetworkInspectInfo[];
    try {
      [containers, networks] = await allSettled([this.#docker.listContainers({ all: true, filters: { label: [UID_LABEL] } }), listManagedNetworks(this.#docker)]);
    } catch (err) {
      throw toProviderError(this.#docker, err, ENGINE_UNAVAILABLE, 'listing the workspace objects');
    }
    const perUid = new Map<string, { containers: Dockerode.ContainerInfo[]; networks: Dockerode.NetworkInspectInfo[] }>();
    const entry = (uid: string) => perUid.get(uid) ?? perUid.set(uid, { containers: [], networks: [] }).get(uid)!;
    for (const c of containers) {
      const uid = c.Labels?.[UID_LABEL];
      if (uid !== undefined) entry(uid).containers.push(c);
    }
    for (const n of networks) {
      const uid = n.Labels?.[UID_LABEL];
      if (uid !== undefined) entry(uid).networks.push(n);
    }
    return { perUid, isolatedNetworks: networks.filter(isIsolatedCandidate) };
  }
}
