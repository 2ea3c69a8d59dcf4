import { describe, expect, it } from 'vitest';
import { decideExposure, exposureCondition, isLoopbackAddress, type ExposurePolicy } from './exposure.ts';

const allowAll: ExposurePolicy = { addresses: ['0.0.0.0'], setBy: 'node /etc/nexus/config.yaml:3:5' };
const lan: ExposurePolicy = { addresses: ['192.168.1.20', '10.0.0.7'] };

describe('decideExposure', () => {
  it('without a node setting every binding listens on loopback; asking for more is downgraded and says so', () => {
    expect(decideExposure({}, undefined)).toEqual({ kind: 'loopback', address: '127.0.0.1' });
    expect(decideExposure({ visibility: 'private' }, { addresses: [] })).toEqual({ kind: 'loopback', address: '127.0.0.1' });
    expect(decideExposure({ visibility: 'org' }, undefined)).toEqual({ kind: 'downgraded', address: '127.0.0.1', wanted: '0.0.0.0', askedBy: 'visibility org' });
    expect(decideExposure({ visibility: 'public', hostIP: '0.0.0.0' }, undefined)).toEqual({ kind: 'downgraded', address: '127.0.0.1', wanted: '0.0.0.0', askedBy: 'spec.hostIP' });
    expect(decideExposure({ hostIP: '192.168.1.20' }, undefined)).toMatchObject({ kind: 'downgraded', wanted: '192.168.1.20' });
  });

  it('a loopback hostIP needs no setting', () => {
    expect(decideExposure({ hostIP: '127.0.0.2', visibility: 'org' }, undefined)).toEqual({ kind: 'loopback', address: '127.0.0.2' });
  });

  it('with the setting: org/public listen on its first address; a hostIP must be listed, 0.0.0.0 allows any', () => {
    expect(decideExposure({ visibility: 'org' }, allowAll)).toEqual({ kind: 'exposed', address: '0.0.0.0', setBy: 'node /etc/nexus/config.yaml:3:5' });
    expect(decideExposure({ visibility: 'public', hostIP: '10.9.9.9' }, allowAll)).toMatchObject({ kind: 'exposed', address: '10.9.9.9' });
    expect(decideExposure({ visibility: 'org' }, lan)).toEqual({ kind: 'exposed', address: '192.168.1.20' });
    expect(decideExposure({ hostIP: '10.0.0.7' }, lan)).toEqual({ kind: 'exposed', address: '10.0.0.7' });
    expect(decideExposure({ hostIP: '10.0.0.8' }, lan)).toMatchObject({ kind: 'downgraded', wanted: '10.0.0.8', address: '127.0.0.1' });
    expect(decideExposure({ hostIP: '0.0.0.0' }, lan)).toMatchObject({ kind: 'downgraded', wanted: '0.0.0.0' });
    expect(decideExposure({ visibility: 'private' }, allowAll)).toEqual({ kind: 'loopback', address: '127.0.0.1' });
  });
});

describe('exposureCondition', () => {
  it('says where the port listens and, beyond loopback, that it is unauthenticated and who allowed it', () => {
    expect(exposureCondition({ kind: 'loopback', address: '127.0.0.1' }, 32801)).toEqual({
      type: 'Exposed',
      status: 'False',
      reason: 'Loopback',
      message: 'listening on 127.0.0.1:32801 only: reachable from this machine',
    });
    expect(exposureCondition({ kind: 'exposed', address: '0.0.0.0', setBy: 'node /etc/nexus/config.yaml:3:5' }, 32801)).toEqual({
      type: 'Exposed',
      status: 'True',
      reason: 'Unauthenticated',
      message:
        'exposed unauthenticated on 0.0.0.0:32801: anyone who can reach this address can connect, without authentication or TLS (allowed by network.unauthenticated_bind_addresses (node /etc/nexus/config.yaml:3:5))',
    });
    const downgraded = exposureCondition({ kind: 'downgraded', address: '127.0.0.1', wanted: '0.0.0.0', askedBy: 'visibility org' }, 32801);
    expect(downgraded).toMatchObject({ type: 'Exposed', status: 'False', reason: 'ExposureNotAllowed' });
    expect(downgraded.message).toBe(
      "visibility org asks to listen on 0.0.0.0, which the node does not allow: listening on 127.0.0.1:32801 only. boulder has no authenticating gateway; to expose ports without authentication an administrator lists the address in the node configuration's network.unauthenticated_bind_addresses",
    );
  });
});

describe('isLoopbackAddress', () => {
  it('is 127.0.0.0/8 and ::1', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '128.0.0.1', '::'].some(isLoopbackAddress)).toBe(false);
  });
});
