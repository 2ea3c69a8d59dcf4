/**
 * `boulder switch` with the test cluster as the store: a fixed host port wanted by two workspaces
 * of one repository follows the switch, because the active workspace is recorded on the Workspace
 * objects in the cluster (apis/active-workspace.ts), read by the controllers from the API server —
 * never from `<repo>/.nexus/current`. The real `boulder` executable writes through the real
 * kube-apiserver; the controllers run in this process on the cluster store with real forwarders
 * and real TCP traffic; the workspaces are `backend: mock` (their processes are servers in this
 * process). The controllers stand for the user's own daemon keeping its store in the cluster
 * (local trust): under cluster trust a Workspace may not name a host repository at all
 * (controllers/trust/policy.ts), so there no two workspaces share one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { ensureBuilt, runBoulder } from '../cli/harness.ts';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';
import { dropNamespace, eventually, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION } from '../../apis/names/index.ts';

let cluster: ClusterEnv;
let namespace: string;
let controllers: ClusterControllers | undefined;
let base: string;
let repo: string;
const servers: Server[] = [];

/** A TCP server that answers `text` and closes. */
async function greeter(text: string): Promise<number> {
  const server = createServer((socket) => socket.end(text));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const port = await greeter('');
  await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
  return port;
}

/** What 127.0.0.1:`port` answers. */
async function read(port: number): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'switch-port');
  base = await mkdtemp(join(tmpdir(), 'boulder-k8s-switch-'));
  repo = join(base, 'repo');
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: base }).toString();
  git('init', '-q', '-b', 'main', repo);
  await writeFile(join(repo, 'README.md'), '# project\n');
  git('-C', repo, 'add', '-A');
  git('-C', repo, 'commit', '-qm', 'initial');
  await ensureBuilt();
  controllers = await startClusterControllers(cluster.kubeconfig, { trust: 'local', namespace });
}, 240_000);

afterAll(async () => {
  await controllers?.stop();
  for (const server of servers) server.close();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

async function binding(name: string): Promise<PortBinding | undefined> {
  try {
    return await controllers!.client.get<PortBinding>('PortBinding', namespace, name);
  } catch {
    return undefined;
  }
}

async function waitBinding(name: string, phase: string, hostPort?: number, timeoutMs = 30_000): Promise<PortBinding> {
  return eventually(
    `portbinding ${name} ${phase}${hostPort === undefined ? '' : ` on ${hostPort}`}`,
    async () => {
      const pb = await binding(name);
      return pb?.status?.phase === phase && (hostPort === undefined || pb.status.hostPort === hostPort) ? pb : undefined;
    },
    timeoutMs,
  );
}

async function eventuallyRead(port: number, expected: string): Promise<string> {
  return eventually(`127.0.0.1:${port} answers ${expected}`, async () => ((await read(port).catch(() => '')) === expected ? expected : undefined), 15_000);
}

const manifest = (name: string, containerPort: number, fixed: number): string => `
apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${name}
spec:
  backend: mock
  image: busybox:1.37
  repository:
    path: ${repo}
  ports:
    web:
      containerPort: ${containerPort}
      hostPort: ${fixed}
`;

describe('boulder switch on a cluster store', () => {
  it('moves a fixed host port to the workspace switched to, from the record on the Workspace', async () => {
    const fixed = await freePort();
    const fromA = await greeter('from-a');
    const fromB = await greeter('from-b');
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('feat-a', fromA, fixed) });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/feat-a', '--timeout=60s']);
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('feat-b', fromB, fixed) });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/feat-b', '--timeout=60s']);

    // Nothing recorded yet: the oldest running workspace has the port.
    await waitBinding('feat-a-web', 'Bound', fixed);
    const standby = await waitBinding('feat-b-web', 'Standby');
    const ownPort = standby.status!.hostPort!;
    expect(ownPort).not.toBe(fixed);
    expect(await eventuallyRead(fixed, 'from-a')).toBe('from-a');

    const boulder = (...args: string[]) => runBoulder(['--kubeconfig', cluster.kubeconfig, '-n', namespace, ...args], { timeoutMs: 90_000 });
    const toB = await boulder('switch', 'feat-b', '--no-daemon', '--timeout', '60s');
    expect(toB.stderr).toBe('');
    expect(toB.stdout).toMatch(/^switched to feat-b in \d+ ms \(paused: feat-a\)\n$/);
    expect(toB.code).toBe(0);
    // The record is on the Workspace in the cluster, as kubectl sees it.
    const annotation = ACTIVE_WORKSPACE_SINCE_ANNOTATION.replaceAll('.', '\\.').replace('/', '\\/');
    expect(await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'feat-b', '-o', `jsonpath={.metadata.annotations.${annotation}}`])).toMatch(/^\d{4}-\d\d-\d\dT/);

    await waitBinding('feat-b-web', 'Bound', fixed);
    expect(await eventuallyRead(fixed, 'from-b')).toBe('from-b');
    const aStandby = await eventually('feat-a-web stands by for the active workspace', async () => {
      const pb = await binding('feat-a-web');
      const message = getCondition(pb?.status?.conditions, 'Bound')?.message;
      return pb?.status?.phase === 'Standby' && message === `port ${fixed} belongs to the active workspace feat-b (boulder switch feat-a to take it)` ? pb : undefined;
    });
    expect(aStandby.status!.hostPort).not.toBe(fixed);

    // .nexus/current is the CLI's convenience copy: rewriting it moves nothing.
    await writeFile(join(repo, '.nexus', 'current'), 'feat-a\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await read(fixed)).toBe('from-b');

    // A re-apply of the manifest (kubectl, server-side merge) keeps the record: the port stays.
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('feat-b', fromB, fixed) });
    const reapplied = await controllers!.client.get<Workspace>('Workspace', namespace, 'feat-b');
    expect(reapplied.metadata.annotations?.[ACTIVE_WORKSPACE_SINCE_ANNOTATION]).toBeDefined();

    const toA = await boulder('switch', 'feat-a', '--no-daemon', '--timeout', '60s');
    expect(toA.code).toBe(0);
    await waitBinding('feat-a-web', 'Bound', fixed);
    // feat-b goes back to the port it was given before: allocations are never silently changed.
    await waitBinding('feat-b-web', 'Standby', ownPort);
    expect(await eventuallyRead(fixed, 'from-a')).toBe('from-a');
  }, 180_000);
});
