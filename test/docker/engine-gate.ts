/**
 * A unix-socket proxy in front of the Docker engine whose requests can be held back: while the
 * gate is closed, requests on every connection except Docker event streams wait (nothing is
 * dropped); opening the gate lets them through in order. Controllers pointed at it (DOCKER_HOST)
 * keep receiving events but cannot act on them, which lets a test change the engine in several
 * steps (e.g. disconnect every container, then remove the network) before the controller reacts
 * to the first one — the controller then repairs the end state, as it would after a slow engine.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { engineConnectOptions } from './support.ts';

/** Matches the start of a Docker event stream request (`GET /v1.41/events?...`). */
const EVENTS_REQUEST = /^GET [^ ]*\/events[?\s]/;

/** See the module comment. */
export class EngineGate {
  /** Socket path to use as `unix://<path>`. */
  readonly path: string;
  readonly #upstream: net.NetConnectOpts;
  readonly #sockets = new Set<net.Socket>();
  readonly #held: (() => void)[] = [];
  #closed = false;
  #server: net.Server | undefined;

  constructor(path: string, upstream: net.NetConnectOpts = engineConnectOptions()) {
    this.path = path;
    this.#upstream = upstream;
  }

  /** `unix://` address for DOCKER_HOST. */
  get dockerHost(): string {
    return `unix://${this.path}`;
  }

  /** Starts listening (gate open). */
  start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = net.createServer((client) => this.#forward(client));
    this.#server = server;
    return new Promise((resolve) => server.listen(this.path, resolve));
  }

  /** Holds back every request from now on (event streams excepted). */
  hold(): void {
    this.#closed = true;
  }

  /** Lets held and later requests through. */
  release(): void {
    this.#closed = false;
    for (const resume of this.#held.splice(0)) resume();
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    this.release();
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(this.#upstream);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => s.destroy());
    }
    upstream.pipe(client);
    let eventStream = false;
    client.on('data', (chunk: Buffer) => {
      if (!eventStream && EVENTS_REQUEST.test(chunk.toString('latin1', 0, 256))) eventStream = true;
      if (this.#closed && !eventStream) {
        client.pause();
        this.#held.push(() => {
          upstream.write(chunk);
          client.resume();
        });
        return;
      }
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
  }
}
