import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { getCondition } from '../runtime/conditions.ts';
import { bindingStatus } from './status.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T00:01:00Z');
const allocation = { hostPort: 32801, name: 'web', protocol: 'tcp' as const, hostIP: '127.0.0.1' };

function pb(status?: PortBinding['status']): PortBinding {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'x', generation: 3 }, spec: { workspace: 'w', containerPort: 80 }, ...(status ? { status } : {}) };
}

describe('bindingStatus', () => {
  it('forwarding: Bound with the URL, target and allocation', () => {
    const status = bindingStatus(pb(), { observation: { kind: 'forwarding', endpoint: '127.0.0.1:32801', target: '172.18.0.3:80' }, allocation, hostPort: 32801, url: 'http://127.0.0.1:32801', now: T0 });
    expect(status).toMatchObject({ phase: 'Bound', observedGeneration: 3, hostPort: 32801, url: 'http://127.0.0.1:32801', target: '172.18.0.3:80', allocation });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Bound', 'True', 'Forwarding'],
      ['Conflict', 'False', 'NoConflict'],
      ['Ready', 'True', 'Bound'],
    ]);
    expect(getCondition(status.conditions, 'Bound')?.message).toBe('127.0.0.1:32801 → 172.18.0.3:80');
    expect(status.holder).toBeUndefined();
  });

  it('forwarding whose last connection failed: still Bound, reason TargetUnreachable naming the failure; Ready stays True', () => {
    const failure = 'port-forward to pod ns/nexus-w:80 forbidden (HTTP 403): the credentials lack create on pods/portforward';
    const status = bindingStatus(pb(), { observation: { kind: 'forwarding', endpoint: '127.0.0.1:32801', target: 'pod/nexus-w:80', upstreamFailure: failure }, hostPort: 32801, now: T0 });
    expect(status).toMatchObject({ phase: 'Bound', target: 'pod/nexus-w:80' });
    expect(getCondition(status.conditions, 'Bound')).toMatchObject({ status: 'True', reason: 'TargetUnreachable', message: `127.0.0.1:32801 → pod/nexus-w:80; the last connection failed: ${failure}` });
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Bound' });
  });

  it('standby: Bound=False with the message, Ready=True, reachable on the own port', () => {
    const standby = 'port 3000 belongs to the active workspace a (boulder switch b to take it)';
    const status = bindingStatus(pb(), { observation: { kind: 'forwarding', endpoint: '127.0.0.1:32801', target: '127.0.0.1:80', standby }, hostPort: 32801, url: 'http://127.0.0.1:32801', now: T0 });
    expect(status.phase).toBe('Standby');
    expect(getCondition(status.conditions, 'Bound')).toMatchObject({ status: 'False', reason: 'Standby', message: standby });
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Standby', message: `${standby}; reachable at http://127.0.0.1:32801 (127.0.0.1:32801 → 127.0.0.1:80)` });
  });

  it('conflict: names the holder; recovery clears it and moves lastTransitionTime only for flipped conditions', () => {
    const message = '127.0.0.1:3000 is held by pid 4242 (python3)';
    const conflict = bindingStatus(pb(), { observation: { kind: 'conflict', message, holder: { pid: 4242, command: 'python3' } }, hostPort: 3000, now: T0 });
    expect(conflict).toMatchObject({ phase: 'Conflict', holder: { pid: 4242, command: 'python3' }, hostPort: 3000 });
    expect(getCondition(conflict.conditions, 'Conflict')).toMatchObject({ status: 'True', reason: 'PortInUse', message });
    expect(getCondition(conflict.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'PortInUse', message });
    const again = bindingStatus(pb(conflict), { observation: { kind: 'conflict', message, holder: { pid: 4242, command: 'python3' } }, hostPort: 3000, now: T1 });
    expect(again).toEqual(conflict);
    const recovered = bindingStatus(pb(conflict), { observation: { kind: 'forwarding', endpoint: '127.0.0.1:3000', target: '1.2.3.4:80' }, hostPort: 3000, now: T1 });
    expect(recovered.holder).toBeUndefined();
    expect(getCondition(recovered.conditions, 'Conflict')).toMatchObject({ status: 'False', lastTransitionTime: T1.toISOString() });
  });

  it('waiting and failures: Pending with the reason, Conflict unknown', () => {
    const status = bindingStatus(pb({ target: 'old:1', hostPort: 5 }), { observation: { kind: 'waiting', reason: 'WorkspaceNotRunning', message: 'workspace w is not running' }, allocation, hostPort: 32801, now: T0 });
    expect(status).toMatchObject({ phase: 'Pending', hostPort: 32801, allocation });
    expect(status.target).toBeUndefined();
    expect(getCondition(status.conditions, 'Bound')).toMatchObject({ status: 'False', reason: 'WorkspaceNotRunning' });
    expect(getCondition(status.conditions, 'Conflict')).toMatchObject({ status: 'Unknown', reason: 'NotListening' });
    const failed = bindingStatus(pb(), { observation: { kind: 'failed', reason: 'PortRangeExhausted', message: 'no free port' }, now: T0 });
    expect(failed.hostPort).toBeUndefined();
    expect(getCondition(failed.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'PortRangeExhausted', message: 'no free port' });
  });

  it('exposure: the Exposed condition says where the binding listens, in every phase', () => {
    const exposed = bindingStatus(pb(), {
      observation: { kind: 'forwarding', endpoint: '0.0.0.0:32801', target: '172.18.0.3:80' },
      exposure: { kind: 'exposed', address: '0.0.0.0', setBy: 'node /etc/nexus/config.yaml:2:3' },
      hostPort: 32801,
      now: T0,
    });
    expect(getCondition(exposed.conditions, 'Exposed')).toMatchObject({ status: 'True', reason: 'Unauthenticated', observedGeneration: 3 });
    expect(getCondition(exposed.conditions, 'Exposed')?.message).toMatch(/^exposed unauthenticated on 0\.0\.0\.0:32801: /);
    const waiting = bindingStatus(pb(), {
      observation: { kind: 'waiting', reason: 'WorkspaceNotRunning', message: 'workspace w is not running' },
      exposure: { kind: 'downgraded', address: '127.0.0.1', wanted: '0.0.0.0', askedBy: 'visibility org' },
      hostPort: 32801,
      now: T0,
    });
    expect(getCondition(waiting.conditions, 'Exposed')).toMatchObject({ status: 'False', reason: 'ExposureNotAllowed' });
    expect(getCondition(bindingStatus(pb(), { observation: { kind: 'failed', reason: 'X', message: 'y' }, now: T0 }).conditions, 'Exposed')).toBeUndefined();
  });
});
