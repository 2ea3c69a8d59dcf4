/**
 * Test and benchmark helpers for the forwarders (not part of the build): real servers on
 * loopback (TCP echo, TCP byte source, UDP echo), a free-port finder and a client that reads a
 * whole connection. Run as a script it becomes a separate process for the benchmarks:
 * `node servers.ts target [HOST]` prints `{"echo":P,"source":Q}` and serves until stdin closes;
 * `node servers.ts forwarder [--kernel] HOST:PORT…` forwards free loopback ports to each target
 * (with `--kernel`: through nftables where it can, see KernelForwarding), prints
 * `{"ports":[…],"paths":[…]}` and serves until stdin closes.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { PortProtocol } from '../../controllers/portbinding/contracts.ts';
import { KernelForwarding } from '../../controllers/portbinding/forward/kernel/kernel-forwarding.ts';
import { ForwarderPool } from '../../controllers/portbinding/forward/pool.ts';

/** A running test server. */
export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** A port that was free a moment ago on `host` for `protocol` (bound to port 0, then released). */
export async function freePort(host = '127.0.0.1', protocol: PortProtocol = 'tcp'): Promise<number> {
  if (protocol === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address: host, port: 0 }, resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = createServer();
  await listenOn(server, host, 0);
  const { port } = server.address() as AddressInfo;
  await closeServer(server, []);
  return port;
}

/** A TCP server echoing every byte; a client's FIN is answered with FIN after the echo. */
export async function startEchoServer(host = '127.0.0.1', port = 0): Promise<TestServer> {
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await listenOn(server, host, port);
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server, sockets) };
}

/** A TCP server that reads a decimal byte count and a newline, sends that many bytes, then ends. */
export async function startSourceServer(host = '127.0.0.1', port = 0): Promise<TestServer> {
  const sockets: Socket[] = [];
  const chunk = Buffer.alloc(1 << 20, 0x61);
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let header = '';
    const onData = (data: Buffer): void => {
      header += data.toString('latin1');
      if (!header.includes('\n')) return;
      socket.off('data', onData);
      let remaining = Number(header.slice(0, header.indexOf('\n')));
      const pump = (): void => {
        while (remaining > 0) {
          const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
          remaining -= piece.length;
          if (!socket.write(piece)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    };
    socket.on('data', onData);
  });
  await listenOn(server, host, port);
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server, sockets) };
}

/** A UDP server answering every datagram with `prefix` + the datagram. */
export async function startUdpEcho(host = '127.0.0.1', port = 0, prefix = ''): Promise<TestServer> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(Buffer.concat([Buffer.from(prefix), msg]), from.port, from.address));
  await new Promise<void>((resolve) => socket.bind({ address: host, port }, resolve));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** Connects to host:port, writes `payload`, half-closes, and returns everything read until the end. */
export function exchange(port: number, payload: Buffer | string, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on('error', reject);
    socket.end(payload);
  });
}

/** Downloads `bytes` from a source server (see startSourceServer) on host:port; returns MB/s (MB = 2^20 bytes). */
export function measureDownload(port: number, bytes: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host, port, noDelay: true });
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('end', () => {
      if (received !== bytes) reject(new Error(`received ${received} of ${bytes} bytes`));
      else resolve(bytes / (1 << 20) / ((performance.now() - started) / 1000));
    });
    socket.on('error', reject);
    socket.write(`${bytes}\n`);
  });
}

/**
 * Round-trip times (ms) of `samples` 1-byte pings to an echo server on host:port over one
 * connection, after `warmup` unmeasured ones.
 */
export async function measurePingLatency(port: number, samples: number, warmup = 100, host = '127.0.0.1'): Promise<number[]> {
  const socket = connect({ host, port, noDelay: true });
  let pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  socket.on('data', () => pending?.resolve());
  socket.on('error', (err) => pending?.reject(err));
  await new Promise<void>((resolve, reject) => {
    pending = { resolve, reject };
    socket.once('connect', resolve);
  });
  const times: number[] = [];
  const byte = Buffer.from([0x2a]);
  try {
    for (let i = 0; i < warmup + samples; i += 1) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(byte);
      });
      if (i >= warmup) times.push(performance.now() - started);
    }
  } finally {
    socket.destroy();
  }
  return times;
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, sockets: Socket[]): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

async function serveUntilStdinCloses(close: () => Promise<void>): Promise<void> {
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await close();
}

if (import.meta.main) {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'target') {
    const host = args[0] ?? '127.0.0.1';
    const echo = await startEchoServer(host);
    const source = await startSourceServer(host);
    process.stdout.write(`${JSON.stringify({ echo: echo.port, source: source.port })}\n`);
    await serveUntilStdinCloses(async () => {
      await echo.close();
      await source.close();
    });
  } else if (role === 'forwarder') {
    const kernelWanted = args[0] === '--kernel';
    const kernel = kernelWanted ? await KernelForwarding.detect() : undefined;
    const pool = new ForwarderPool(kernel !== undefined ? { kernel, onKernelError: (_id, err) => process.stderr.write(`kernel forwarding: ${err.message}\n`) } : {});
    const ports: number[] = [];
    const paths: (string | undefined)[] = [];
    for (const [i, arg] of args.filter((a) => a !== '--kernel').entries()) {
      const [host = '127.0.0.1', port = '0'] = arg.split(':');
      const hostPort = await freePort();
      await pool.ensure({ id: `bench-${i}`, protocol: 'tcp', hostIP: '127.0.0.1', hostPort, target: { host, port: Number(port) }, kernel: kernelWanted });
      ports.push(hostPort);
      paths.push(pool.path(`bench-${i}`));
    }
    process.stdout.write(`${JSON.stringify({ ports, paths })}\n`);
    await serveUntilStdinCloses(() => pool.closeAll());
  } else {
    process.stderr.write('usage: node servers.ts target [HOST] | forwarder [--kernel] HOST:PORT…\n');
    process.exitCode = 2;
  }
}
