import { describe, expect, it } from 'vitest';
import { directInterface, parseRouteTable } from './route.ts';

// /proc/net/route of a host with a default route through eth0, docker0 and a workspace bridge.
const TABLE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
br-0123456789ab\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000A0A\t050200C0\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0
`;

describe('directInterface', () => {
  it('parses the little-endian columns', () => {
    expect(parseRouteTable(TABLE)[1]).toEqual({ iface: 'docker0', destination: 0xac110000, gateway: 0, mask: 0xffff0000 });
  });

  it('finds the bridge of a container address by the longest direct route', () => {
    expect(directInterface('172.17.0.2', TABLE)).toBe('docker0');
    expect(directInterface('172.18.3.4', TABLE)).toBe('br-0123456789ab');
    expect(directInterface('192.0.2.7', TABLE)).toBe('eth0');
  });

  it('has none for an address behind a gateway, or not IPv4; loopback is lo', () => {
    expect(directInterface('10.10.1.1', TABLE)).toBeUndefined();
    expect(directInterface('8.8.8.8', TABLE)).toBeUndefined();
    expect(directInterface('fd00::1', TABLE)).toBeUndefined();
    expect(directInterface('pod/web', TABLE)).toBeUndefined();
    expect(directInterface('127.0.0.1', TABLE)).toBe('lo');
  });
});
