/**
 * PortBindings of a `backend: kubernetes` Workspace, forwarded from this machine through the real
 * API server's `pods/portforward` to kwok's kubelet API, which connects where a kwok PortForward
 * object says: local TCP echo servers run by this suite. The controllers run in-process in daemon
 * mode. Real bytes go to the binding's host port and come back; several connections at once; 5 MB
 * each way; a service sidecar's port; a port the kubelet cannot forward (reset promptly, status
 * says why, once however many connections fail, and the next good connection recovers); a client
 * that half-closes still gets a slow server's answer; the Pod deleted (open connections closed, the
 * binding follows the new Pod); UDP (Unsupported); the workspace stopped (closed, Pending and why).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { dropNamespace, eventually, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { applyKwokPortForward, echoClient, getBinding, startForwardingControllers, type ForwardingControllers } from './port-forward-env.ts';

/** A TCP echo server that counts its connections. */
interface CountingEcho {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function countingEcho(): Promise<CountingEcho> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0 };
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  state.port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

/** A TCP server that answers `late answer` `delayMs` after the first bytes of a connection. */
async function slowServer(delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', () => setTimeout(() => socket.write('late answer'), delayMs));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const WS = 'pf';
const POD = `nexus-${WS}`;
let cluster: ClusterEnv;
let namespace: string;
let controllers: ForwardingControllers;
let web: CountingEcho;
let cache: CountingEcho;
let gap: CountingEcho;
let slow: { port: number; close(): Promise<void> };

const manifest = (state: string): string => `
apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${WS}
spec:
  backend: kubernetes
  image: busybox:1.37
  state: ${state}
  ports:
    web:
      containerPort: 8080
    gap:
      containerPort: 9090
    slow:
      containerPort: 7070
    dns:
      containerPort: 5353
      protocol: udp
  services:
    cache:
      image: redis:7
      ports:
        - containerPort: 6379
`;

async function bound(name: string, timeoutMs = 60_000): Promise<PortBinding> {
  return eventually(
    `portbinding ${name} Bound`,
    async () => {
      const pb = await getBinding(controllers.client, namespace, name);
      return pb?.status?.phase === 'Bound' && pb.status.hostPort !== undefined ? pb : undefined;
    },
    timeoutMs,
  );
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'pf');
  [web, cache, gap] = await Promise.all([countingEcho(), countingEcho(), countingEcho()]);
  slow = await slowServer(2_500);
  // Port 9090 ("gap") has no forward yet: the kubelet answers with an error.
  await applyKwokPortForward(cluster, namespace, POD, { 8080: web.port, 6379: cache.port, 7070: slow.port });
  controllers = await startForwardingControllers(cluster.kubeconfig);
  await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('Running') });
  await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', `workspace/${WS}`, '--timeout=90s']);
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  await Promise.all([web?.close(), cache?.close(), gap?.close(), slow?.close()]);
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

describe('PortBinding of a kubernetes workspace: port-forward through the API server', () => {
  it('carries real bytes from the host port to the Pod and back; status names pod/<name>:<port>', async () => {
    const pb = await bound(`${WS}-web`);
    expect(pb.status?.target).toBe(`pod/${POD}:8080`);
    expect(getCondition(pb.status?.conditions, 'Bound')).toMatchObject({ status: 'True', reason: 'Forwarding', message: `127.0.0.1:${pb.status!.hostPort} → pod/${POD}:8080` });
    const before = web.connections;
    const client = await echoClient(pb.status!.hostPort!);
    expect((await client.roundTrip(Buffer.from('hello through the API server'))).toString()).toBe('hello through the API server');
    expect((await client.roundTrip(Buffer.from('and again'))).toString()).toBe('and again');
    client.socket.destroy();
    expect(web.connections).toBe(before + 1);
  }, 90_000);

  it("reaches a service sidecar's port in the same Pod", async () => {
    const pb = await bound(`${WS}-cache-6379`);
    expect(pb.status?.target).toBe(`pod/${POD}:6379`);
    const before = cache.connections;
    const client = await echoClient(pb.status!.hostPort!);
    expect((await client.roundTrip(Buffer.from('PING\r\n'))).toString()).toBe('PING\r\n');
    client.socket.destroy();
    expect(cache.connections).toBe(before + 1);
  }, 90_000);

  it('serves 20 concurrent connections, each with its own bytes', async () => {
    const port = (await bound(`${WS}-web`)).status!.hostPort!;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const payload = randomBytes(64 * 1024);
        const client = await echoClient(port);
        const echoed = await client.roundTrip(payload);
        client.socket.destroy();
        return sha(echoed) === sha(payload);
      }),
    );
    expect(results).toEqual(Array.from({ length: 20 }, () => true));
    console.log(`20 concurrent connections × 64 KiB echoed in ${(performance.now() - started).toFixed(0)} ms`);
  }, 90_000);

  it('moves 5 MB each way intact', async () => {
    const port = (await bound(`${WS}-web`)).status!.hostPort!;
    const payload = randomBytes(5 << 20);
    const client = await echoClient(port);
    const started = performance.now();
    const echoed = await client.roundTrip(payload, 60_000);
    const ms = performance.now() - started;
    client.socket.destroy();
    expect(echoed.length).toBe(payload.length);
    expect(sha(echoed)).toBe(sha(payload));
    console.log(`5 MiB round trip in ${ms.toFixed(0)} ms (${((2 * 5) / (ms / 1000)).toFixed(1)} MiB/s both ways)`);
  }, 90_000);

  it('UDP cannot go through pods/portforward: Pending/Unsupported, nothing listens', async () => {
    const pb = await eventually('dns binding Unsupported', async () => {
      const b = await getBinding(controllers.client, namespace, `${WS}-dns`);
      return getCondition(b?.status?.conditions, 'Bound')?.reason === 'Unsupported' ? b : undefined;
    });
    expect(pb.status?.phase).toBe('Pending');
    expect(getCondition(pb.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'Unsupported' });
    expect(getCondition(pb.status?.conditions, 'Bound')?.message).toMatch(/^UDP port 5353 cannot be forwarded: .*port-forward, which carries TCP only/);
    const hostPort = pb.status!.hostPort!;
    // Free: nothing of boulder's is bound to it.
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '127.0.0.1', port: hostPort, exclusive: true }, resolve);
    });
    socket.close();
  }, 90_000);

  it('an error from the API server/kubelet resets the client at once, shows in status, and the next connection retries', async () => {
    const name = `${WS}-gap`;
    const port = (await bound(name)).status!.hostPort!;
    const client = await echoClient(port);
    const started = performance.now();
    client.socket.write('anyone?');
    expect(await client.closed).toBe('reset');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3_000);
    const failing = await eventually('gap binding TargetUnreachable', async () => {
      const b = await getBinding(controllers.client, namespace, name);
      return getCondition(b?.status?.conditions, 'Bound')?.reason === 'TargetUnreachable' ? b : undefined;
    });
    expect(getCondition(failing.status?.conditions, 'Bound')?.message).toMatch(/the last connection failed: port-forward to pod .*:9090: .*forward not found for port 9090/);
    const failedLines = (): number => controllers.logs.filter((l) => l.includes('"level":40') && l.includes(`portbinding ${namespace}/${name}: a connection failed`)).length;
    const recoveredLines = (): number => controllers.logs.filter((l) => l.includes(`portbinding ${namespace}/${name}: connections reach the target again`)).length;
    expect(failedLines()).toBe(1);

    // More connections to the port (a browser reloading before the server is up): each is reset,
    // none counts as reaching the target, so no ok/fail flapping in the log or the status.
    for (let i = 0; i < 8; i += 1) {
      const again = await echoClient(port);
      again.socket.write('anyone now?');
      expect(await again.closed).toBe('reset');
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(failedLines()).toBe(1);
    expect(recoveredLines()).toBe(0);
    expect(getCondition((await getBinding(controllers.client, namespace, name))?.status?.conditions, 'Bound')?.reason).toBe('TargetUnreachable');

    // The forward appears: the listener is still there and the next connection works.
    await applyKwokPortForward(cluster, namespace, POD, { 8080: web.port, 6379: cache.port, 7070: slow.port, 9090: gap.port });
    const text = await eventually('a working connection on the gap port', async () => {
      const retry = await echoClient(port);
      try {
        return (await retry.roundTrip(Buffer.from('now?'), 3_000)).toString();
      } catch {
        return undefined;
      } finally {
        retry.socket.destroy();
      }
    });
    expect(text).toBe('now?');
    await eventually('gap binding Forwarding again', async () => {
      const b = await getBinding(controllers.client, namespace, name);
      return getCondition(b?.status?.conditions, 'Bound')?.reason === 'Forwarding' ? true : undefined;
    });
    expect(recoveredLines()).toBe(1);
    expect(failedLines()).toBe(1);
    console.log(`kubelet error → client reset in ${elapsed.toFixed(0)} ms`);
  }, 90_000);

  it('a client that half-closes (nc -N) still gets the answer of a server that takes 2.5 s', async () => {
    const port = (await bound(`${WS}-slow`)).status!.hostPort!;
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text === 'late answer') resolve(text);
      });
      socket.on('end', () => resolve(`ended after ${JSON.stringify(text)}`));
      socket.on('error', reject);
      socket.end('question');
    });
    socket.destroy();
    expect(answer).toBe('late answer');
  }, 90_000);

  it('the Pod deleted: open connections are closed promptly and the binding follows the new Pod', async () => {
    const port = (await bound(`${WS}-web`)).status!.hostPort!;
    const client = await echoClient(port);
    expect((await client.roundTrip(Buffer.from('before'))).toString()).toBe('before');
    const oldUid = (await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', POD, '-o', 'jsonpath={.metadata.uid}'])).trim();
    const started = performance.now();
    await kubectlOk(cluster, ['-n', namespace, 'delete', 'pod', POD, '--wait=false']);
    const how = await Promise.race([client.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000))]);
    const elapsed = performance.now() - started;
    expect(how).not.toBe('still open');
    expect(elapsed).toBeLessThan(10_000);
    await eventually('a new pod', async () => {
      const uid = (await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', POD, '-o', 'jsonpath={.metadata.uid}', '--ignore-not-found'])).trim();
      return uid !== '' && uid !== oldUid ? uid : undefined;
    });
    const text = await eventually('a connection through the new pod', async () => {
      const again = await echoClient(port).catch(() => undefined);
      if (again === undefined) return undefined;
      try {
        return (await again.roundTrip(Buffer.from('after'), 3_000)).toString();
      } catch {
        return undefined;
      } finally {
        again.socket.destroy();
      }
    });
    expect(text).toBe('after');
    console.log(`pod deleted → open connection closed (${how}) in ${elapsed.toFixed(0)} ms`);
  }, 90_000);

  it('the workspace stopped: connections closed, the binding Pending and says why, the port refuses', async () => {
    const pb = await bound(`${WS}-web`);
    const port = pb.status!.hostPort!;
    const client = await echoClient(port);
    expect((await client.roundTrip(Buffer.from('x'))).toString()).toBe('x');
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('Stopped') });
    const how = await Promise.race([client.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 20_000))]);
    expect(how).not.toBe('still open');
    const pending = await eventually('web binding Pending', async () => {
      const b = await getBinding(controllers.client, namespace, `${WS}-web`);
      return b?.status?.phase === 'Pending' && getCondition(b.status.conditions, 'Bound')?.message?.includes('phase Stopped') ? b : undefined;
    });
    expect(getCondition(pending.status?.conditions, 'Bound')).toMatchObject({
      status: 'False',
      reason: 'WorkspaceNotRunning',
      message: `workspace ${WS} is not running (workspace phase Stopped); host port ${port} is kept for it`,
    });
    await expect(echoClient(port)).rejects.toThrow(/ECONNREFUSED/);
  }, 90_000);
});
