import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { lifecycleSteps } from './lifecycle.ts';
import { classify, observedFromSnapshot, runtimeState } from './snapshot.ts';
import { IMAGE_DIGEST_LABEL, ROLE_LABEL, SERVICE_LABEL } from '../../../apis/names/index.ts';

function container(id: string, created: number, labels: Record<string, string>, state = 'running'): Dockerode.ContainerInfo {
  return { Id: id, Created: created, Labels: labels, State: state, Image: 'img:1', Names: [`/${id}`] } as unknown as Dockerode.ContainerInfo;
}

describe('classify', () => {
  it('picks the newest main container and one container per service; the rest are strays', () => {
    const old = container('old', 1, { [ROLE_LABEL]: 'workspace' });
    const main = container('main', 2, { [ROLE_LABEL]: 'workspace', [IMAGE_DIGEST_LABEL]: 'sha256:x' });
    const db = container('db', 1, { [ROLE_LABEL]: 'service', [SERVICE_LABEL]: 'db' }, 'exited');
    const netA = { Id: 'a', Name: 'n', Created: '2024-01-01T00:00:00Z' } as Dockerode.NetworkInspectInfo;
    const netB = { Id: 'b', Name: 'n', Created: '2024-01-02T00:00:00Z' } as Dockerode.NetworkInspectInfo;
    const snapshot = classify([old, db, main], [netB, netA]);
    expect(snapshot.main?.Id).toBe('main');
    expect([...snapshot.services.keys()]).toEqual(['db']);
    expect(snapshot.strayContainers.map((c) => c.Id)).toEqual(['old']);
    expect(snapshot.network?.Id).toBe('a');
    expect(snapshot.strayNetworks.map((n) => n.Id)).toEqual(['b']);
    expect(observedFromSnapshot(snapshot)).toEqual({
      id: 'main',
      state: 'Running',
      image: 'img:1',
      imageDigest: 'sha256:x',
      services: { db: { running: false } },
    });
  });

  it('observes nothing without a main container', () => {
    expect(observedFromSnapshot(classify([], []))).toBeUndefined();
  });
});

describe('runtimeState and lifecycleSteps', () => {
  it.each([
    ['running', 'Running'],
    ['restarting', 'Running'],
    ['paused', 'Paused'],
    ['exited', 'Stopped'],
    ['created', 'Stopped'],
    ['dead', 'Stopped'],
  ] as const)('maps %s to %s', (docker, state) => {
    expect(runtimeState(docker)).toBe(state);
  });

  it.each([
    ['running', 'Running', []],
    ['created', 'Running', ['start']],
    ['exited', 'Running', ['start']],
    ['paused', 'Running', ['unpause']],
    ['running', 'Paused', ['pause']],
    ['exited', 'Paused', ['start', 'pause']],
    ['running', 'Stopped', ['stop']],
    ['paused', 'Stopped', ['stop']],
    ['exited', 'Stopped', []],
  ] as const)('%s → %s takes %j', (from, to, steps) => {
    expect(lifecycleSteps(from, to)).toEqual(steps);
  });
});
