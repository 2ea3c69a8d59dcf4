/**
 * The configured port_range narrows allocation: `boulder reconcile --once` (the real binary)
 * allocates a workspace's host ports inside NEXUS_PORT_RANGE, and inside the user's
 * `defaults.port_range` from ~/.nexus/config.yaml; a broken user configuration is reported and
 * the port plan's own range is used.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBoulder, tempStateDir } from './harness.ts';

const manifest = `apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ranged
spec:
  backend: mock
  image: busybox
  ports:
    web:
      containerPort: 3000
    api:
      containerPort: 8080
`;

interface Entry {
  name: string;
  hostPort?: number;
}

async function allocatedPorts(env: NodeJS.ProcessEnv): Promise<{ ports: number[]; stderr: string }> {
  const stateDir = await tempStateDir();
  const file = join(mkdtempSync(join(tmpdir(), 'boulder-range-')), 'ws.yaml');
  writeFileSync(file, manifest);
  const run = (args: string[]) => runBoulder(['--state-dir', stateDir, ...args], { env, timeoutMs: 30_000 });
  expect((await run(['apply', '-f', file, '--no-daemon'])).code).toBe(0);
  const reconcile = await run(['reconcile', '--once']);
  expect(reconcile.code).toBe(0);
  const listed = await run(['ports', 'ranged', '-o', 'json']);
  return { ports: (JSON.parse(listed.stdout) as Entry[]).map((e) => e.hostPort ?? -1), stderr: reconcile.stderr };
}

function homeWith(config: string): string {
  const home = mkdtempSync(join(tmpdir(), 'boulder-home-'));
  mkdirSync(join(home, '.nexus'));
  writeFileSync(join(home, '.nexus', 'config.yaml'), config);
  return home;
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('configured port_range', () => {
  it('NEXUS_PORT_RANGE narrows allocation', async () => {
    const { ports } = await allocatedPorts({ NEXUS_PORT_RANGE: '41000-41019', NEXUS_USER_CONFIG: '', NEXUS_NODE_CONFIG: '' });
    expect(ports).toHaveLength(2);
    for (const port of ports) expect(port >= 41000 && port <= 41019).toBe(true);
  });

  it("the user's defaults.port_range narrows allocation", async () => {
    const home = homeWith('defaults:\n  port_range:\n    start: 42000\n    end: 42009\n');
    const { ports } = await allocatedPorts({ HOME: home, NEXUS_USER_CONFIG: join(home, '.nexus', 'config.yaml'), NEXUS_NODE_CONFIG: '' });
    for (const port of ports) expect(port >= 42000 && port <= 42009).toBe(true);
  });

  it('a broken user configuration is reported and the port plan applies', async () => {
    const home = homeWith('defaults:\n  port_range: lots\n');
    const { ports, stderr } = await allocatedPorts({ HOME: home, NEXUS_USER_CONFIG: join(home, '.nexus', 'config.yaml'), NEXUS_NODE_CONFIG: '' });
    expect(stderr).toContain('warning: ignoring the configuration (port_range, backends): it does not load: ~/.nexus/config.yaml:2:15');
    for (const port of ports) expect(port >= 32800 && port <= 34999).toBe(true);
  });
});
