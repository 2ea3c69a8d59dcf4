/**
 * Helpers of the Docker provider integration tests: a marker label for this test run, desired
 * runtimes with unique uids, look-ups of labelled objects, a unix-socket proxy in front of the
 * engine (to cut and restore the connection like a dockerd restart), and an engine check that
 * fails (never skips) when no engine answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import Dockerode from 'dockerode';
import { runtimeLabels, type DesiredRuntime, type RuntimeTarget } from '../../controllers/providers/types.ts';
import { isolatedNetworkNames } from '../../controllers/providers/docker/names.ts';

/** Images built by `test/env/images.sh`. */
export const BUSYBOX = 'boulder-test/busybox:latest';
export const DEBIAN = 'boulder-test/debian:bookworm';

/** Label carried by every object this test run creates. */
export const RUN_LABEL = 'boulder-test/run';
/** This run's value of `RUN_LABEL`. */
export const RUN_ID = `dp-${randomBytes(4).toString('hex')}`;

/** The engine the tests use (DOCKER_HOST or the default socket). */
export const docker = new Dockerode();

/** Throws a clear error when the engine does not answer or a test image is missing. */
export async function requireEngine(images: string[]): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(
      `Docker integration tests need a Docker engine (DOCKER_HOST=${process.env['DOCKER_HOST'] ?? '(unset: /var/run/docker.sock)'}): ${(err as Error).message}. ` +
        'Start one (test/env/docker-up.sh) and build the test images (bash test/env/images.sh).',
      { cause: err },
    );
  }
  for (const image of images) {
    try {
      await docker.getImage(image).inspect();
    } catch (err) {
      throw new Error(`test image ${image} is missing: run bash test/env/images.sh`, { cause: err });
    }
  }
}

/** A new workspace identity (unique uid) whose name includes `label`. */
export function newTarget(label: string): RuntimeTarget {
  const uid = randomUUID();
  return { namespace: 'dptest', name: `${label}-${uid.slice(0, 6)}`, uid };
}

/** A desired runtime on busybox, labelled with this run's marker. */
export function desiredFor(target: RuntimeTarget, overrides: Partial<DesiredRuntime> = {}): DesiredRuntime {
  return {
    target,
    labels: { ...runtimeLabels(target), [RUN_LABEL]: RUN_ID },
    image: BUSYBOX,
    imageSource: { kind: 'image', ref: BUSYBOX },
    env: {},
    secretEnv: {},
    state: 'Running',
    containerPorts: [],
    services: [],
    mounts: [],
    workdir: '/workspace',
    ...overrides,
  };
}

/** Containers, networks, volumes and images carrying `label` (`key=value`). */
export async function labelledObjects(label: string): Promise<{ containers: string[]; networks: string[]; volumes: string[]; images: string[] }> {
  const filters = { label: [label] };
  const [containers, networks, volumes, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Dockerode.NetworkInspectInfo[]>,
    docker.listVolumes({ filters }),
    docker.listImages({ filters }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    images: images.map((i) => i.RepoTags?.[0] ?? i.Id),
  };
}

/** The inspected main container (or a service container) of a workspace, found by label. */
export async function inspectContainer(target: RuntimeTarget, service?: string): Promise<Dockerode.ContainerInspectInfo> {
  const label = [`nexus.dev/uid=${target.uid}`, service === undefined ? 'nexus.dev/role=workspace' : `nexus.dev/service=${service}`];
  const [found] = await docker.listContainers({ all: true, filters: { label } });
  if (found === undefined) throw new Error(`no ${service ?? 'main'} container for ${target.name}`);
  return docker.getContainer(found.Id).inspect();
}

/** A writable stream that keeps what is written. */
export function sink(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { text(): string };
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}

/** Polls `check` every 25 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Median of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** One raw Engine API request (no dockerode in between): status and body text. */
export function rawEngineRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  const target = engineConnectOptions();
  const where = 'path' in target && target.path !== undefined ? { socketPath: target.path } : { host: (target as net.TcpNetConnectOpts).host, port: (target as net.TcpNetConnectOpts).port };
  return new Promise((resolve, reject) => {
    const req = http.request({ ...where, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** How to connect to the engine the tests use (DOCKER_HOST `unix://` or `tcp://`, else the default socket). */
export function engineConnectOptions(): net.NetConnectOpts {
  const host = process.env['DOCKER_HOST'];
  if (host === undefined || host === '') return { path: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { path: host.slice('unix://'.length) };
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  return { host: url.hostname, port: Number(url.port || 2375) };
}

/**
 * A unix socket forwarding every connection to the engine's socket; `cut()` drops all
 * connections and stops listening (the engine "goes away"), `restore()` listens again.
 */
export class EngineProxy {
  readonly path: string;
  connections = 0;
  readonly #upstream: net.NetConnectOpts;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;

  constructor(path: string, upstream: net.NetConnectOpts = engineConnectOptions()) {
    this.path = path;
    this.#upstream = upstream;
  }

  /** Starts listening. */
  restore(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = net.createServer((client) => {
      this.connections += 1;
      const upstream = net.connect(this.#upstream);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.#server = server;
    return new Promise((resolve) => server.listen(this.path, resolve));
  }

  /** Drops every connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

/**
 * Removes the isolated networks of `users` (nexus-isolated-<user>), which their workspaces without
 * services made and boulder leaves in place like Docker's default bridge; one still in use stays.
 */
export async function removeIsolatedNetworks(users: readonly string[]): Promise<void> {
  for (const name of users.flatMap((user) => isolatedNetworkNames(user))) {
    await docker.getNetwork(name).remove().catch(() => undefined);
  }
}
