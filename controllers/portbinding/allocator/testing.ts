/**
 * Test helpers for the allocator (not part of the build): simulate many workspaces allocating in
 * sequence against a growing taken set, and, run as a script, print allocations as JSON so tests
 * can compare results computed in separate processes:
 * `node testing.ts <namespace> <first> <count> [taken,ports]` prints `{"ws-0": {"web": 32801, …}, …}`.
 */
import { PORT_PLAN, type PortRange } from '../contracts.ts';
import { allocate } from './allocate.ts';

/** The five ports every simulated workspace declares. */
export const SIMULATED_PORTS = ['ssh', 'web', 'api', 'db', 'redis'] as const;

/** Name of the i-th simulated workspace. */
export function simulatedWorkspace(i: number): string {
  return `ws-${i}`;
}

/**
 * Allocates SIMULATED_PORTS for each workspace in order, every allocation seeing the ports of the
 * previous ones (and `taken`) as taken; returns workspace → port name → port, and adds to `taken`.
 */
export async function allocateWorkspaces(
  namespace: string,
  workspaces: readonly string[],
  taken: Set<number> = new Set(),
  range: PortRange = PORT_PLAN.docker,
): Promise<Record<string, Record<string, number>>> {
  const result: Record<string, Record<string, number>> = {};
  for (const workspace of workspaces) {
    const ports: Record<string, number> = {};
    for (const portName of SIMULATED_PORTS) {
      const port = await allocate({ namespace, workspace, portName, workspacePorts: SIMULATED_PORTS, protocol: 'tcp', range }, (p) => taken.has(p));
      taken.add(port);
      ports[portName] = port;
    }
    result[workspace] = ports;
  }
  return result;
}

if (import.meta.main) {
  const [namespace = 'default', first = '0', count = '1', takenList = ''] = process.argv.slice(2);
  const names = Array.from({ length: Number(count) }, (_, i) => simulatedWorkspace(Number(first) + i));
  const taken = new Set(takenList.split(',').filter((s) => s !== '').map(Number));
  process.stdout.write(`${JSON.stringify(await allocateWorkspaces(namespace, names, taken))}\n`);
}
