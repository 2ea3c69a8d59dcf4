/**
 * The daemon's forwarders as the PortBinding controller uses them: helper-13's `ForwarderPool`
 * plus which binding (namespace/name) each forwarder serves, so a Conflict can name a binding of
 * this daemon, whether the binding's last connection reached its target (a change is reported
 * through `onUpstreamChange`, so the binding's status can say so), and a shutdown that waits for
 * ensures in flight, so nothing listens after `close`.
 */
import { BoulderError } from '../../apis/errors.ts';
import { addressesOverlap } from './binding.ts';
import type { ForwardSpec, PortProtocol } from './contracts.ts';
import { ForwarderPool, type EnsureForwardResult, type ForwarderPoolOptions, type ForwarderStats, type ForwardPath, type UpstreamEvent } from './forward/index.ts';

/** A forwarder of this daemon that holds a host port. */
export interface ForwardingHolder {
  /** Forwarder id (the PortBinding uid). */
  id: string;
  /** `namespace/name` of the binding it serves. */
  key: string;
}

/** A binding's connections started or stopped failing to reach the target. */
export interface UpstreamChange {
  /** Forwarder id (the PortBinding uid). */
  id: string;
  /** `namespace/name` of the binding. */
  key: string;
  /** Why the last connection failed; undefined once a connection succeeded again. */
  failure?: string;
}

/** Options of `PortForwarding`. */
export interface PortForwardingOptions {
  /** Tuning of the pool's forwarders (`onUpstream` is PortForwarding's own). */
  pool?: Omit<ForwarderPoolOptions, 'onUpstream'>;
  /**
   * Called when a binding's last connection fails for a new reason, or succeeds after failing
   * (not for every connection): the daemon logs it and wakes the binding to update its status.
   */
  onUpstreamChange?: (change: UpstreamChange) => void;
}

/** See the module comment. */
export class PortForwarding {
  readonly #pool: ForwarderPool;
  readonly #keys = new Map<string, string>();
  readonly #failures = new Map<string, string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #onUpstreamChange: ((change: UpstreamChange) => void) | undefined;
  #closed = false;

  /** Forwarding through a new pool. */
  constructor(options: PortForwardingOptions = {}) {
    this.#pool = new ForwarderPool({ ...options.pool, onUpstream: (id, event) => this.#upstream(id, event) });
    this.#onUpstreamChange = options.onUpstreamChange;
  }

  /** Whether a forwarder to workspace `key` (`namespace/name`) has an open connection now. */
  hasOpenConnection(workspace: string): boolean {
    return this.#pool.hasOpenConnection(workspace);
  }

  /** Why the last connection of forwarder `id` failed to reach its target; undefined when it did not. */
  upstreamFailure(id: string): string | undefined {
    return this.#failures.get(id);
  }

  #upstream(id: string, event: UpstreamEvent): void {
    const before = this.#failures.get(id);
    const failure = event.kind === 'failed' ? event.error.message : undefined;
    if (failure === before) return;
    if (failure === undefined) this.#failures.delete(id);
    else this.#failures.set(id, failure);
    this.#onUpstreamChange?.({ id, key: this.#keys.get(id) ?? id, ...(failure !== undefined ? { failure } : {}) });
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
    return this.#track(
      this.#pool.ensure(spec).then((result) => {
        // A new target (or listener) starts with a clean record.
        if (result !== 'unchanged') this.#failures.delete(spec.id);
        return result;
      }),
    );
  }

  /** Stops the forwarder `id`; false when none ran. */
  async stop(id: string): Promise<boolean> {
    const stopped = await this.#track(this.#pool.stop(id));
    if (!this.#pool.list().some((s) => s.id === id)) {
      this.#keys.delete(id);
      this.#failures.delete(id);
    }
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

  /** How forwarder `id` forwards new connections (`kernel` or `userland`), or undefined when none runs. */
  path(id: string): ForwardPath | undefined {
    return this.#pool.path(id);
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
    this.#failures.clear();
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
