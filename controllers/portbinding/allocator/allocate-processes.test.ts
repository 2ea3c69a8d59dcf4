import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { allocateWorkspaces, simulatedWorkspace } from './testing.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'testing.ts');

async function allocateInChild(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [SCRIPT, ...args]);
  return JSON.parse(stdout) as unknown;
}

describe('allocation across processes', () => {
  it('gives the same ports in separate processes and after a restart', async () => {
    const [a, b] = await Promise.all([allocateInChild(['default', '0', '50']), allocateInChild(['default', '0', '50'])]);
    expect(a).toEqual(b);
    const inProcess = await allocateWorkspaces('default', Array.from({ length: 50 }, (_, i) => simulatedWorkspace(i)));
    expect(a).toEqual(inProcess);
    // A restarted process that sees the first 50 workspaces' ports as taken (persisted) places the next ones the same way.
    const taken = Object.values(inProcess).flatMap((p) => Object.values(p)).join(',');
    const [c, d] = await Promise.all([allocateInChild(['default', '50', '10', taken]), allocateInChild(['default', '50', '10', taken])]);
    expect(c).toEqual(d);
    const continued = await allocateWorkspaces('default', Array.from({ length: 60 }, (_, i) => simulatedWorkspace(i)));
    expect(c).toEqual(Object.fromEntries(Object.entries(continued).slice(50)));
  });
});
