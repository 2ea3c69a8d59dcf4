/**
 * The daemon's forwarders as the PortBinding controller uses them: helper-13's `ForwarderPool`
 * plus which binding (namespace/name) each forwarder serves, so a Conflict can name a binding of
 * this daemon, and a shutdown that waits for ensures in flight, so nothing listens after `close`.
 */
import { BoulderError } from '../../apis/errors.ts';
import { addressesOverlap } from './binding.ts';
import type { ForwardSpec, PortProtocol } from './contracts.ts';
import { ForwarderPool, type EnsureForwardResult, type ForwarderStats } from './forward/index.ts';

/** A forwarder of this daemon that holds a host port. */
export interface ForwardingHolder {
  /** Forwarder id (the PortBinding uid). */
  id: string;
  /** `namespace/name` of the binding it serves. */
  key: string;
}

/** See the module comment. */
export class PortForwarding {
  readonly #pool: ForwarderPool;
  readonly #keys = new Map<string, string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  /** Forwarding through `pool` (default: a new pool). */
  constructor(pool: ForwarderPool = new ForwarderPool()) {
    this.#pool = pool;
  }

  /** True once `close` was called: no forwarder starts any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Makes the forwarder of binding `key` match `spec` (see `ForwarderPool.ensure`). Rejects with
   * `PortInUseError` when the host port is held, and with an Unavailable error after `close`.
   */
  ensure(key: string, spec: ForwardSpec): Promise<EnsureForwardResult> {
    if (this.#closed) return Promise.reject(new BoulderError('Unavailable', 'port forwarding is shutting down'));
    this.#keys.set(spec.id, key);
    return this.#track(this.#pool.ensure(spec));
  }

  /** Stops the forwarder `id`; false when none ran. */
  async stop(id: string): Promise<boolean> {
    const stopped = await this.#track(this.#pool.stop(id));
    if (!this.#pool.list().some((s) => s.id === id)) this.#keys.delete(id);
    return stopped;
  }

  /** Stops the forwarders serving binding `key` (a binding that vanished without cleanup); how many ran. */
  async stopKey(key: string): Promise<number> {
    const ids = [...this.#keys].filter(([, k]) => k === key).map(([id]) => id);
    const stopped = await Promise.all(ids.map((id) => this.stop(id)));
    return stopped.filter(Boolean).length;
  }

  /** The running forwarder `id`, if any. */
  running(id: string): ForwardSpec | undefined {
    return this.#pool.list().find((s) => s.id === id);
  }

  /** The specs of every running forwarder. */
  list(): ForwardSpec[] {
    return this.#pool.list();
  }

  /** Traffic counters of the forwarder `id`. */
  stats(id: string): ForwarderStats | undefined {
    return this.#pool.stats(id);
  }

  /** The forwarder of this daemon listening on an address overlapping hostIP:hostPort/protocol, other than `exceptId`. */
  holderOf(hostIP: string, hostPort: number, protocol: PortProtocol, exceptId?: string): ForwardingHolder | undefined {
    const spec = this.#pool
      .list()
      .find((s) => s.id !== exceptId && s.hostPort === hostPort && s.protocol === protocol && addressesOverlap(s.hostIP, hostIP));
    return spec === undefined ? undefined : { id: spec.id, key: this.#keys.get(spec.id) ?? spec.id };
  }

  /** Stops accepting work, waits for ensures in flight, then stops every forwarder. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#pool.closeAll();
    this.#keys.clear();
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const done = (): void => {
      this.#inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }
}
