import { describe, expect, it } from 'vitest';
import { decodeAddress, holdingInodes, parseProcNet } from './proc-net.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:80E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:80E8 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:C350 0100007F:80E8 01 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 20 4 30 10 -1
   3: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
   4: 0100007F:1F91 0100007F:80E8 06 00000000:00000000 03:00000270 00000000     0        0 0 3 0000000000000000
garbage line
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6666 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0
`;

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 0100007F:80E8 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 8888 2 0000000000000000 0
  101: 0100007F:9C40 0100007F:80E8 01 00000000:00000000 00:00000000 00000000  1000        0 9999 2 0000000000000000 0
`;

describe('parseProcNet', () => {
  it('reads address, port, state, uid and inode of each socket line', () => {
    const sockets = parseProcNet(TCP);
    expect(sockets).toHaveLength(5);
    expect(sockets[0]).toEqual({ localAddress: '127.0.0.1', localPort: 33_000, state: '0A', uid: 1000, inode: 4242 });
    expect(sockets[3]).toMatchObject({ localAddress: '0.0.0.0', localPort: 8080, state: '0A', inode: 5555 });
    expect(parseProcNet(TCP6)[0]).toMatchObject({ localAddress: '::', localPort: 8080, inode: 6666 });
    expect(parseProcNet(TCP6)[1]).toMatchObject({ localAddress: '::1', localPort: 22 });
  });

  it('is empty for an empty or header-only file', () => {
    expect(parseProcNet('')).toEqual([]);
    expect(parseProcNet(TCP.split('\n')[0]!)).toEqual([]);
  });
});

describe('holdingInodes', () => {
  it('takes only TCP listeners on the port, not connections using it', () => {
    expect(holdingInodes(parseProcNet(TCP), 33_000, 'tcp')).toEqual(new Set([4242]));
    expect(holdingInodes([...parseProcNet(TCP), ...parseProcNet(TCP6)], 8080, 'tcp')).toEqual(new Set([5555, 6666]));
    expect(holdingInodes(parseProcNet(TCP), 8081, 'tcp')).toEqual(new Set());
    expect(holdingInodes(parseProcNet(TCP), 50_000, 'tcp')).toEqual(new Set());
  });

  it('takes any bound UDP socket on the port', () => {
    expect(holdingInodes(parseProcNet(UDP), 33_000, 'udp')).toEqual(new Set([8888]));
    expect(holdingInodes(parseProcNet(UDP), 40_000, 'udp')).toEqual(new Set([9999]));
  });
});

describe('decodeAddress', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['00000000', '0.0.0.0'],
    ['0200A8C0', '192.168.0.2'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '::ffff:7f00:1'],
    ['B80D0120000000000000000001000000', '2001:db8::1'],
    ['zz', 'zz'],
  ])('%s → %s', (hex, address) => {
    expect(decodeAddress(hex)).toBe(address);
  });
});
