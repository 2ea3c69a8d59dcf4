import { describe, expect, it } from 'vitest';
import { defaultPodAccess } from './pod-access.ts';
import { portForwardFailure, upgradeStatus } from './port-forward.ts';

describe('portForwardFailure', () => {
  it.each([
    [403, 'Forbidden', 'port-forward to pod ns/p:80 forbidden (HTTP 403): the credentials lack create on pods/portforward'],
    [404, 'NotFound', 'port-forward to pod ns/p:80 failed (HTTP 404): the pod does not exist'],
    [400, 'Unavailable', 'port-forward to pod ns/p:80 refused (HTTP 400): the pod is not running'],
    [502, 'Unavailable', "port-forward to pod ns/p:80 failed (HTTP 502): the API server could not reach the node's kubelet"],
  ])('a refused upgrade (HTTP %i) → %s with a message saying why', (status, code, message) => {
    const err = portForwardFailure({ message: `Unexpected server response: ${status}` }, 'ns/p:80');
    expect(err).toMatchObject({ code, message, target: 'ns/p:80', httpStatus: status });
  });

  it('a transport failure keeps its own message', () => {
    const err = portForwardFailure(new Error('connect ECONNREFUSED 127.0.0.1:6443'), 'ns/p:80');
    expect(err).toMatchObject({ code: 'Unavailable', message: 'port-forward to pod ns/p:80 failed: connect ECONNREFUSED 127.0.0.1:6443', httpStatus: undefined });
  });

  it('reads the status out of ws errors and ErrorEvent-like objects', () => {
    expect(upgradeStatus(new Error('Unexpected server response: 403'))).toBe(403);
    expect(upgradeStatus({ error: new Error('Unexpected server response: 500') })).toBe(500);
    expect(upgradeStatus(new Error('socket hang up'))).toBeUndefined();
  });
});

describe('defaultPodAccess', () => {
  it('direct with the in-cluster service account, port-forward through the API server otherwise', () => {
    expect(defaultPodAccess({ getCurrentCluster: () => ({ name: 'inCluster', server: 'https://10.96.0.1', skipTLSVerify: false }) })).toBe('direct');
    expect(defaultPodAccess({ getCurrentCluster: () => ({ name: 'kind-dev', server: 'https://127.0.0.1:6443', skipTLSVerify: false }) })).toBe('portforward');
    expect(defaultPodAccess({ getCurrentCluster: () => null })).toBe('portforward');
  });
});
