/**
 * What the port-forward suite and the k8s benchmark share: boulder's controllers in this process
 * in daemon mode (so PortBindings are forwarded) on the test cluster, with host ports from a
 * private range and the log lines kept; kwok `PortForward` objects that send a Pod's ports to
 * local TCP servers; and a client that sends bytes and reads the echo.
 */
import { randomInt } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { PortBinding } from '../../apis/types/index.ts';
import { createLogger } from '../../controllers/runtime/logger.ts';
import { kubectlOk, type ClusterEnv } from './cluster-env.ts';
import { startClusterControllers } from './cluster-controllers.ts';

/** Controllers forwarding host ports, and their log. */
export interface ForwardingControllers {
  client: ResourceClient;
  /** JSON log lines written so far. */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts the controllers (daemon mode, forwarding on) with host ports in a random 200-port range. */
export async function startForwardingControllers(kubeconfig: string): Promise<ForwardingControllers> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const start = 41_000 + randomInt(0, 90) * 200;
  const controllers = await startClusterControllers(kubeconfig, {
    logger: createLogger({ level: 'info', destination: sink }),
    portRange: { start, end: start + 199 },
  });
  return { client: controllers.client, logs, stop: () => controllers.stop() };
}

/** Applies a kwok PortForward: connections to `pod`'s ports go to the local TCP ports given. */
export async function applyKwokPortForward(cluster: ClusterEnv, namespace: string, pod: string, targets: Record<number, number>): Promise<void> {
  const manifest = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'PortForward',
    metadata: { name: pod, namespace },
    spec: { forwards: Object.entries(targets).map(([port, local]) => ({ ports: [Number(port)], target: { port: local, address: '127.0.0.1' } })) },
  };
  await kubectlOk(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
}

/** The PortBinding `name`, or undefined. */
export async function getBinding(client: ResourceClient, namespace: string, name: string): Promise<PortBinding | undefined> {
  try {
    return await client.get<PortBinding>('PortBinding', namespace, name);
  } catch {
    return undefined;
  }
}

/** An open client connection that collects what it receives. */
export interface EchoClient {
  socket: Socket;
  /** Sends `payload` and resolves with as many bytes received back. */
  roundTrip(payload: Buffer, timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the connection closes (by either side), with how it closed. */
  closed: Promise<'end' | 'reset' | 'close'>;
}

/** Connects to 127.0.0.1:`port`. */
export function echoClient(port: number): Promise<EchoClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let received: Buffer[] = [];
    let size = 0;
    let waiter: (() => void) | undefined;
    let how: 'end' | 'reset' | 'close' = 'close';
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
      waiter?.();
    });
    socket.on('end', () => (how = 'end'));
    socket.on('error', () => (how = 'reset'));
    const closed = new Promise<'end' | 'reset' | 'close'>((done) => socket.once('close', () => done(how)));
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        roundTrip(payload, timeoutMs = 20_000) {
          return new Promise<Buffer>((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`echo of ${payload.length} bytes: ${size} received within ${timeoutMs} ms`)), timeoutMs);
            const check = (): void => {
              if (size < payload.length) return;
              clearTimeout(timer);
              waiter = undefined;
              const all = Buffer.concat(received);
              received = [all.subarray(payload.length)];
              size -= payload.length;
              ok(all.subarray(0, payload.length));
            };
            waiter = check;
            void closed.then((why) => {
              clearTimeout(timer);
              fail(new Error(`connection closed (${why}) after ${size} of ${payload.length} bytes`));
            });
            socket.write(payload);
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}
