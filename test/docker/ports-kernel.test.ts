/**
 * Kernel forwarding (issue 19 item 5) against a real container on a real bridge network, with real
 * TCP: a binding that allows it is forwarded by an nftables DNAT rule while the daemon's listener
 * keeps holding the port (so the forwarder never sees the traffic, and nobody else can bind the
 * port); the rule is removed when the binding stops or loses its permission (the listener takes
 * over at once); the port is not reachable through any other address of the host; the
 * route_localnet the rule needs does not let a neighbour on the bridge reach the host's loopback
 * (the guard table); and a table left by a dead process is removed by the next instance.
 * Needs root, nft and the Docker engine (as CI has); fails, never skips, without them.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardSpec } from '../../controllers/portbinding/contracts.ts';
import { GUARD_TABLE, KernelForwarding, KERNEL_TABLE_PREFIX } from '../../controllers/portbinding/forward/kernel/kernel-forwarding.ts';
import { ForwarderPool } from '../../controllers/portbinding/forward/pool.ts';
import { exchange, freePort } from '../ports/servers.ts';
import http from 'node:http';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { DEBIAN, requireEngine } from './support.ts';
import { BUSYBOX, eventually, getWorkspace, managedObjects, removeObjects, runNamespace, startControllers, waitReady, workspaceManifest } from './workspace-harness.ts';

const TAG = `bkf-${randomBytes(3).toString('hex')}`;
const NODE_DIR = join(process.execPath, '..', '..');
const REPO_DIR = join(import.meta.dirname, '..', '..');
const SERVERS = join(REPO_DIR, 'test', 'ports', 'servers.ts');

let target: { ip: string; echo: number; source: number; process: ChildProcess };
let bridge: string;

beforeAll(async () => {
  expect(process.getuid?.(), 'kernel forwarding needs root').toBe(0);
  execFileSync('nft', ['--version']);
  await requireEngine([DEBIAN]);
  execFileSync('docker', ['network', 'create', '--label', 'boulder-test/kernel-forwarding=true', TAG], { stdio: 'ignore' });
  const netId = execFileSync('docker', ['network', 'inspect', '-f', '{{.Id}}', TAG], { encoding: 'utf8' }).trim();
  bridge = `br-${netId.slice(0, 12)}`;
  const child = spawn('docker', ['run', '-i', '--rm', '--name', TAG, '--network', TAG, '-v', `${NODE_DIR}:${NODE_DIR}:ro`, '-v', `${REPO_DIR}:${REPO_DIR}:ro`, DEBIAN, join(NODE_DIR, 'bin', 'node'), SERVERS, 'target', '0.0.0.0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const ports = JSON.parse(line) as { echo: number; source: number };
  const ip = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', TAG], { encoding: 'utf8' }).trim();
  target = { ip, ...ports, process: child };
}, 60_000);

afterAll(() => {
  target?.process.stdin?.end();
  execFileSync('docker', ['rm', '-f', TAG], { stdio: 'ignore' });
  execFileSync('docker', ['network', 'rm', TAG], { stdio: 'ignore' });
});

async function newPool(): Promise<{ pool: ForwarderPool; kernel: KernelForwarding }> {
  const kernel = await KernelForwarding.detect();
  if (kernel === undefined) throw new Error('KernelForwarding.detect() found no kernel forwarding (root, Linux, nft)');
  return { pool: new ForwarderPool({ kernel, onKernelError: (id, err) => { throw new Error(`${id}: ${err.message}`); } }), kernel };
}

async function echoSpec(extra: Partial<ForwardSpec> = {}): Promise<ForwardSpec> {
  return { id: 'kf-echo', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: target.ip, port: target.echo }, kernel: true, ...extra };
}

function rulesOf(table: string): string {
  return execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
}

function tables(): string {
  return execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
}

/** How a connection attempt ends within `ms`: 'data', an error code, or 'timeout'. */
function attempt(host: string, port: number, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, ms);
    socket.on('data', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('data');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? 'error');
    });
    socket.write('x');
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('kernel forwarding to a container', () => {
  it('forwards through an nftables rule while the listener holds the port, bypassing the daemon', async () => {
    const { pool, kernel } = await newPool();
    try {
      const spec = await echoSpec();
      expect(await pool.ensure(spec)).toBe('started');
      expect(pool.path(spec.id)).toBe('kernel');
      expect(rulesOf(kernel.table)).toContain(`dport ${spec.hostPort} counter packets 0 bytes 0 dnat to ${target.ip}:${target.echo}`);
      const payload = randomBytes(10 << 20);
      expect(sha(await exchange(spec.hostPort, payload))).toBe(sha(payload));
      // The daemon's listener saw nothing: the kernel carried it.
      expect(pool.stats(spec.id)).toMatchObject({ totalConnections: 0, bytesFromClients: 0 });
      expect(rulesOf(kernel.table)).toMatch(new RegExp(`dport ${spec.hostPort} counter packets 1 `));
      // The port is held by the listener: nobody else can bind it (Conflict semantics unchanged).
      const rival = createServer();
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => rival.once('error', resolve).listen({ host: '127.0.0.1', port: spec.hostPort, exclusive: true }));
      expect(error.code).toBe('EADDRINUSE');
      expect(execFileSync('cat', [`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`], { encoding: 'utf8' }).trim()).toBe('1');
    } finally {
      await pool.closeAll();
    }
    expect(tables()).not.toContain(kernel.table);
  });

  it('falls back to the listener when the binding loses its permission, and back again', async () => {
    const { pool, kernel } = await newPool();
    try {
      const spec = await echoSpec();
      await pool.ensure(spec);
      expect(await pool.ensure({ ...spec, kernel: false })).toBe('unchanged');
      expect(pool.path(spec.id)).toBe('userland');
      expect(rulesOf(kernel.table)).not.toContain(`dport ${spec.hostPort}`);
      expect((await exchange(spec.hostPort, 'via the daemon')).toString()).toBe('via the daemon');
      expect(pool.stats(spec.id)?.totalConnections).toBe(1);
      await pool.ensure(spec);
      expect(pool.path(spec.id)).toBe('kernel');
      expect((await exchange(spec.hostPort, 'via the kernel')).toString()).toBe('via the kernel');
      expect(pool.stats(spec.id)?.totalConnections).toBe(1);
      // Stopping removes the rule before the listener: the port is then simply closed.
      await pool.stop(spec.id);
      expect(rulesOf(kernel.table)).not.toContain(`dport ${spec.hostPort}`);
      expect(await attempt('127.0.0.1', spec.hostPort)).toBe('ECONNREFUSED');
    } finally {
      await pool.closeAll();
    }
  });

  it('keeps ineligible bindings in userland (another host address, UDP)', async () => {
    const { pool, kernel } = await newPool();
    try {
      const other = await echoSpec({ id: 'kf-any', hostIP: '0.0.0.0' });
      await pool.ensure(other);
      expect(pool.path(other.id)).toBe('userland');
      expect(kernel.ineligible({ ...other, hostIP: '127.0.0.1', protocol: 'udp' })).toBe('not TCP');
      expect(kernel.ineligible({ ...other, hostIP: '127.0.0.1', target: { host: '192.0.2.1', port: 1 } })).toMatch(/directly connected|bridge/);
    } finally {
      await pool.closeAll();
    }
  });

  it('is reachable only on the binding\'s loopback address, not through the host\'s other addresses', async () => {
    const { pool } = await newPool();
    try {
      const spec = await echoSpec();
      await pool.ensure(spec);
      expect(await attempt('127.0.0.1', spec.hostPort)).toBe('data');
      const others = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
      expect(others.length).toBeGreaterThan(0);
      for (const address of others) expect(await attempt(address, spec.hostPort), address).toBe('ECONNREFUSED');
      // A container on the same bridge, dialling the host's bridge address, finds nothing either.
      const gateway = execFileSync('docker', ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', TAG], { encoding: 'utf8' }).trim();
      const dial = (port: number): string => execFileSync('docker', ['exec', TAG, 'bash', '-c', `timeout 2 bash -c 'exec 3<>/dev/tcp/${gateway}/${port}' 2>/dev/null && echo open || echo closed`], { encoding: 'utf8' }).trim();
      expect(dial(spec.hostPort)).toBe('closed');
      // (The dial can fail: a port listening on all addresses is open from the container.)
      const open = createServer((s) => s.end());
      await new Promise<void>((resolve) => open.listen({ host: '0.0.0.0', port: 0 }, resolve));
      try {
        expect(await new Promise((resolve) => execFile('docker', ['exec', TAG, 'bash', '-c', `timeout 2 bash -c 'exec 3<>/dev/tcp/${gateway}/${(open.address() as { port: number }).port}' && echo open || echo closed`], (_e, out) => resolve(String(out).trim())))).toBe('open');
      } finally {
        open.close();
      }
    } finally {
      await pool.closeAll();
    }
  });

  it('does not let a neighbour on the bridge reach the host\'s loopback through route_localnet (guard table)', async () => {
    const { pool } = await newPool();
    const ns = `${TAG}-ns`;
    const secret = createServer((s) => s.end('secret\n'));
    await new Promise<void>((resolve) => secret.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const secretPort = (secret.address() as { port: number }).port;
    const gateway = execFileSync('docker', ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', TAG], { encoding: 'utf8' }).trim();
    const ip = (args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
    try {
      await pool.ensure(await echoSpec()); // sets route_localnet on the bridge
      // A neighbour: a network namespace on the bridge routing 127.0.0.1 to the host.
      ip(['netns', 'add', ns]);
      ip(['link', 'add', `${TAG}a`, 'type', 'veth', 'peer', 'name', `${TAG}b`]);
      ip(['link', 'set', `${TAG}b`, 'netns', ns]);
      ip(['link', 'set', `${TAG}a`, 'master', bridge]);
      ip(['link', 'set', `${TAG}a`, 'up']);
      // Asynchronous: the loopback service answers from this process's event loop.
      const inNs = async (command: string): Promise<string> => (await promisify(execFile)('ip', ['netns', 'exec', ns, 'bash', '-c', command], { encoding: 'utf8' })).stdout;
      const neighbour = gateway.replace(/\.\d+$/, '.250');
      await inNs(`ip addr add ${neighbour}/16 dev ${TAG}b && ip link set ${TAG}b up && sysctl -qw net.ipv4.conf.all.route_localnet=1 && ip route add 127.0.0.1/32 via ${gateway} dev ${TAG}b`);
      const probe = `timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${secretPort}; head -1 <&3' || echo blocked`;
      expect((await inNs(probe)).trim()).toBe('blocked');
      // The probe can fail: without the guard the same packets reach the host's loopback service.
      execFileSync('nft', ['delete', 'table', 'ip', GUARD_TABLE]);
      try {
        expect((await inNs(probe)).trim()).toBe('secret');
      } finally {
        await KernelForwarding.detect().then((k) => k?.close()); // puts the guard back
      }
      expect((await inNs(probe)).trim()).toBe('blocked');
    } finally {
      await pool.closeAll();
      secret.close();
      execFileSync('bash', ['-c', `ip netns del ${ns} 2>/dev/null; ip link del ${TAG}a 2>/dev/null; true`]);
    }
  });

  it('deletes a table left behind by a process that is gone', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await once(dead, 'exit');
    const stale = `${KERNEL_TABLE_PREFIX}${dead.pid}_1`;
    execFileSync('nft', ['add', 'table', 'ip', stale]);
    expect(tables()).toContain(stale);
    const kernel = await KernelForwarding.detect();
    await kernel?.close();
    expect(tables()).not.toContain(`${stale}\n`);
  });
});

describe('the daemon\'s PortBinding controller', () => {
  const NS = runNamespace('kernel');
  const WS = 'kernel-web';

  function get(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timed out')));
    });
  }

  const ruleFor = (port: number): boolean => execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' }).includes(`ip daddr 127.0.0.1 tcp dport ${port} counter`);

  it('forwards a running workspace without an idle policy in the kernel, and a paused one through the daemon', async () => {
    await requireEngine([BUSYBOX]);
    const harness = await startControllers();
    try {
      await harness.client.create(workspaceManifest(NS, WS, { image: BUSYBOX, ports: { web: { containerPort: 8080 } }, scripts: { postStart: 'mkdir -p /www && echo kernel-path > /www/index.html && httpd -p 8080 -h /www' } }));
      await waitReady(harness.client, NS, WS, 60_000);
      let port = 0;
      await eventually(async () => {
        const pb = (await harness.client.list<PortBinding>('PortBinding', { namespace: NS })).items.find((b) => b.status?.phase === 'Bound');
        port = pb?.status?.hostPort ?? 0;
        return port !== 0 && ruleFor(port);
      }, 30_000, 'bound with a kernel rule');
      expect((await get(port)).trim()).toBe('kernel-path');
      expect(harness.logLines().some((l) => l['msg'] === 'forwarder started' && l['path'] === 'kernel')).toBe(true);

      const ws = (await getWorkspace(harness.client, NS, WS))!;
      await harness.client.update<Workspace>({ ...ws, spec: { ...ws.spec, state: 'Paused' } });
      await eventually(() => !ruleFor(port), 30_000, 'kernel rule removed while paused');
      const paused = (await getWorkspace(harness.client, NS, WS))!;
      await harness.client.update<Workspace>({ ...paused, spec: { ...paused.spec, state: 'Running' } });
      await eventually(() => ruleFor(port), 30_000, 'kernel rule back once running');
      expect((await get(port)).trim()).toBe('kernel-path');
    } finally {
      await harness.client.delete('Workspace', NS, WS).catch(() => undefined);
      await eventually(async () => (await getWorkspace(harness.client, NS, WS)) === undefined, 30_000, 'workspace deleted').catch(() => undefined);
      await harness.stop();
      await removeObjects(await managedObjects(NS));
    }
  }, 120_000);
});
