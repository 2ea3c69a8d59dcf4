import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PORT_PLAN, type AllocationRequest } from '../contracts.ts';
import { allocate } from './allocate.ts';
import { portTakenCheck } from './host-check.ts';
import { probeFree } from './probe.ts';

describe('portTakenCheck', () => {
  it('treats ports of other bindings as taken without probing the host', async () => {
    const probed: number[] = [];
    const isTaken = portTakenCheck({
      taken: new Set([5000]),
      hostIP: '127.0.0.1',
      protocol: 'tcp',
      probe: (_ip, port) => {
        probed.push(port);
        return Promise.resolve(port !== 5001);
      },
    });
    expect(await isTaken(5000)).toBe(true);
    expect(await isTaken(5001)).toBe(true);
    expect(await isTaken(5002)).toBe(false);
    expect(probed).toEqual([5001, 5002]);
  });

  it('makes allocate skip a port a foreign listener holds on the host', async () => {
    // Our tests' own loopback connections leave TIME_WAIT sockets on ports of this range (it overlaps
    // the kernel's ephemeral ports), so pick a workspace whose natural port can be listened on now.
    const server = createServer();
    let request: AllocationRequest | undefined;
    let natural = 0;
    for (let i = 0; request === undefined; i += 1) {
      const candidate: AllocationRequest = { namespace: 'default', workspace: `ws-host-${i}`, portName: 'web', workspacePorts: ['web'], protocol: 'tcp', range: PORT_PLAN.docker };
      natural = await allocate(candidate, () => false);
      if (await listened(server, natural)) request = candidate;
    }
    try {
      expect((server.address() as AddressInfo).port).toBe(natural);
      const port = await allocate(request, portTakenCheck({ taken: new Set(), hostIP: '127.0.0.1', protocol: 'tcp' }));
      expect(port).not.toBe(natural);
      expect((port - 32800) % 10).toBe(1); // the web offset, in another slot
      expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function listened(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => resolve(false);
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}
