import { describe, expect, it } from 'vitest';
import { PORT_PLAN, type AllocationRequest } from '../contracts.ts';
import { allocate } from './allocate.ts';
import { baseSlot } from './base-slot.ts';
import { PortRangeExhaustedError } from './errors.ts';
import { SIMULATED_PORTS, allocateWorkspaces, simulatedWorkspace } from './testing.ts';

function request(workspace: string, portName: string, extra: Partial<AllocationRequest> = {}): AllocationRequest {
  return { namespace: 'default', workspace, portName, workspacePorts: SIMULATED_PORTS, protocol: 'tcp', range: PORT_PLAN.docker, ...extra };
}

const nothingTaken = (): boolean => false;
const names = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => simulatedWorkspace(from + i));

describe('allocate', () => {
  it('places a port at range start + base slot × 10 + offset when free', async () => {
    const slot = baseSlot('default', 'ws-a', PORT_PLAN.docker, 10);
    expect(slot).toBe(83);
    expect(await allocate(request('ws-a', 'ssh'), nothingTaken)).toBe(32800 + 830 + 0);
    expect(await allocate(request('ws-a', 'web'), nothingTaken)).toBe(32800 + 830 + 1);
    expect(await allocate(request('ws-a', 'redis'), nothingTaken)).toBe(32800 + 834);
  });

  it('probes past a taken port to the same offset in the next slot, wrapping at the end of the range', async () => {
    const first = await allocate(request('ws-a', 'web'), nothingTaken);
    expect(await allocate(request('ws-a', 'web'), (p) => p === first)).toBe(first + 10);
    const taken = new Set([first, first + 10, first + 20]);
    expect(await allocate(request('ws-a', 'web'), (p) => taken.has(p))).toBe(first + 30);
    // A workspace in the last slot wraps to the first one.
    const last = names(0, 2000).find((w) => baseSlot('default', w, PORT_PLAN.docker, 10) === 219)!;
    expect(await allocate(request(last, 'web'), (p) => p === 34991)).toBe(32801);
  });

  it('accepts an asynchronous isTaken and asks it in candidate order', async () => {
    const asked: number[] = [];
    const port = await allocate(request('ws-a', 'api'), async (p) => {
      asked.push(p);
      await new Promise((r) => setImmediate(r));
      return asked.length < 3;
    });
    expect(asked).toEqual([33632, 33642, 33652]);
    expect(port).toBe(33652);
  });

  it('gives 220 workspaces × 5 ports in the Docker range without a duplicate', async () => {
    const result = await allocateWorkspaces('default', names(0, 220));
    const ports = Object.values(result).flatMap((p) => Object.values(p));
    expect(ports).toHaveLength(1100);
    expect(new Set(ports).size).toBe(1100);
    for (const [workspace, byName] of Object.entries(result)) {
      for (const [name, port] of Object.entries(byName)) {
        expect(port, `${workspace} ${name}`).toBeGreaterThanOrEqual(32800);
        expect(port, `${workspace} ${name}`).toBeLessThanOrEqual(34999);
        // Every port keeps its role offset in whichever slot it landed.
        expect((port - 32800) % 10).toBe(SIMULATED_PORTS.indexOf(name as (typeof SIMULATED_PORTS)[number]));
      }
    }
  });

  it('fails for the 221st workspace with an error naming the range', async () => {
    const taken = new Set<number>();
    await allocateWorkspaces('default', names(0, 220), taken);
    const err = await allocate(request('ws-x', 'web'), (p) => taken.has(p)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortRangeExhaustedError);
    expect((err as PortRangeExhaustedError).code).toBe('Unavailable');
    expect((err as Error).message).toBe('no free port for default/ws-x web in 32800-34999 (220 slots taken)');
    // Offsets 5–9 are still free: a role-less port of the same workspace still fits.
    expect(await allocate(request('ws-x', 'metrics'), (p) => taken.has(p))).toBeGreaterThanOrEqual(32800);
  });

  it('is stable under insertions and deletions of other workspaces', async () => {
    const initial = await allocateWorkspaces('default', names(0, 100));
    const deleted = new Set(names(10, 20));
    const survivors = Object.fromEntries(Object.entries(initial).filter(([w]) => !deleted.has(w)));
    const survivorPorts = (): Set<number> => new Set(Object.values(survivors).flatMap((p) => Object.values(p)));

    // New workspaces allocated against the survivors' persisted ports: deterministic and disjoint.
    const inserted = await allocateWorkspaces('default', names(100, 20), survivorPorts());
    const again = await allocateWorkspaces('default', names(100, 20), survivorPorts());
    expect(again).toEqual(inserted);
    const all = [...survivorPorts(), ...Object.values(inserted).flatMap((p) => Object.values(p))];
    expect(new Set(all).size).toBe(all.length);

    // A survivor re-allocated (e.g. after its status was lost) against everyone else's ports gets its old ports back
    // whenever those did not collide in the first place: a port depends only on its own workspace unless it collides.
    let unchanged = 0;
    for (const [workspace, ports] of Object.entries(survivors)) {
      const others = new Set(all.filter((p) => !Object.values(ports).includes(p)));
      const fresh = await allocateWorkspaces('default', [workspace], others);
      const alone = await allocateWorkspaces('default', [workspace]);
      if (JSON.stringify(alone[workspace]) === JSON.stringify(ports)) {
        expect(fresh[workspace]).toEqual(ports);
        unchanged += 1;
      }
    }
    expect(unchanged).toBeGreaterThan(40); // most of the 80 survivors sit at their hash slot
  });

  it('probes linearly from the offset in a range smaller than a slot', async () => {
    const range = { start: 3000, end: 3004 };
    expect(await allocate(request('ws-a', 'web', { range }), nothingTaken)).toBe(3001);
    expect(await allocate(request('ws-a', 'redis', { range }), nothingTaken)).toBe(3004);
    expect(await allocate(request('ws-a', 'redis', { range }), (p) => p === 3004)).toBe(3000);
    const err = await allocate(request('ws-a', 'web', { range }), () => true).catch((e: unknown) => e);
    expect((err as Error).message).toBe('no free port for default/ws-a web in 3000-3004 (5 ports taken)');
  });

  it('sends the 6th role-less port to the overflow range, deterministically', async () => {
    const workspacePorts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const slotPort = await allocate(request('ws-a', 'e', { workspacePorts }), nothingTaken);
    expect((slotPort - 32800) % 10).toBe(9);
    const overflow = await allocate(request('ws-a', 'f', { workspacePorts }), nothingTaken);
    expect(overflow).toBeGreaterThanOrEqual(40000);
    expect(overflow).toBeLessThanOrEqual(65535);
    expect(await allocate(request('ws-a', 'f', { workspacePorts }), nothingTaken)).toBe(overflow);
    expect(await allocate(request('ws-a', 'f', { workspacePorts }), (p) => p === overflow)).toBe(overflow === 65535 ? 40000 : overflow + 1);
    const inside = await allocate(request('ws-a', 'f', { workspacePorts, range: { start: 33000, end: 33099 }, overflowRange: { start: 33000, end: 33099 } }), nothingTaken);
    expect(inside).toBeGreaterThanOrEqual(33000);
    expect(inside).toBeLessThanOrEqual(33099);
  });

  it('rejects an invalid range', async () => {
    await expect(allocate(request('ws-a', 'web', { range: { start: 5000, end: 4000 } }), nothingTaken)).rejects.toMatchObject({ code: 'Invalid' });
    await expect(allocate(request('ws-a', 'web', { range: { start: 0, end: 70000 } }), nothingTaken)).rejects.toMatchObject({ code: 'Invalid' });
  });
});
