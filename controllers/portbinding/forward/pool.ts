/**
 * The daemon's set of running forwarders, keyed by PortBinding uid. `ensure` is idempotent: it
 * starts a missing forwarder, leaves a matching one alone, swaps only the target when just the
 * target changed (the listener and open connections stay), and listens again when the host side
 * or protocol changed. Calls for one id are serialised. With a `kernel` (see
 * kernel/kernel-forwarding.ts), a spec that allows it (`spec.kernel`) and is eligible is also
 * forwarded by an nftables rule while its listener keeps holding the port: the rule is added after
 * the listener is up and removed before it closes, so the port is never forwarded without being held.
 */
import type { ForwardSpec } from '../contracts.ts';
import type { Forwarder, ForwarderStats, UpstreamEvent } from './forwarder.ts';
import type { KernelForwarding } from './kernel/kernel-forwarding.ts';
import { KeyedLock } from './keyed-lock.ts';
import { forwardSpecChange } from './spec-change.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { startUdpRelay } from './udp-relay.ts';

/** What `ensure` did. `retargeted`: same listener, new connections go to the new target. */
export type EnsureForwardResult = 'started' | 'unchanged' | 'restarted' | 'retargeted';

/** Tuning shared by the pool's forwarders. */
export interface ForwarderPoolOptions {
  /** TCP: give up connecting to a target after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** UDP: expire a client's session after this long without traffic (default 60 s). */
  udpIdleTimeoutMs?: number;
  /** TCP: told, per forwarder id, whether each connection reached its target. */
  onUpstream?: (id: string, event: UpstreamEvent) => void;
  /** TCP: runs before each connection's upstream opens (see TcpForwarderOptions.beforeConnect). */
  beforeConnect?: (spec: ForwardSpec) => Promise<unknown> | undefined;
  /**
   * Forwards eligible TCP specs in the kernel too (`KernelForwarding.detect()`, which may still be
   * running: listeners start meanwhile, and their kernel rules follow when it resolves); closed with the pool.
   */
  kernel?: KernelForwarding | Promise<KernelForwarding | undefined>;
  /** Told when a spec that allows the kernel path stays in userland (nft failed). */
  onKernelError?: (id: string, error: Error) => void;
}

/** How long a daemon's shutdown waits for a kernel detection still running (ms). */
export const KERNEL_CLOSE_WAIT_MS = 3_000;

/** How a forwarder's traffic flows: through the daemon (`userland`) or an nftables rule (`kernel`). */
export type ForwardPath = 'userland' | 'kernel';

interface Entry {
  spec: ForwardSpec;
  forwarder: Forwarder;
}

/** Running forwarders by id. */
export class ForwarderPool {
  readonly #entries = new Map<string, Entry>();
  readonly #lock = new KeyedLock();
  readonly #options: ForwarderPoolOptions;
  #kernel: KernelForwarding | undefined;
  readonly #kernelReady: Promise<KernelForwarding | undefined>;

  /** An empty pool. */
  constructor(options: ForwarderPoolOptions = {}) {
    this.#options = options;
    this.#kernelReady = Promise.resolve(options.kernel).then(
      (kernel) => (this.#kernel = kernel),
      () => undefined,
    );
  }

  /**
   * Makes the forwarder `spec.id` match `spec`. Rejects with `PortInUseError` when the host port is
   * held by someone else (no forwarder is left running for the id then), or another typed error
   * from `listenError`.
   */
  ensure(spec: ForwardSpec): Promise<EnsureForwardResult> {
    return this.#lock.run(spec.id, async () => {
      const current = this.#entries.get(spec.id);
      if (current === undefined) {
        this.#entries.set(spec.id, { spec: copySpec(spec), forwarder: await this.#start(spec) });
        await this.#syncKernel(spec);
        return 'started';
      }
      const change = forwardSpecChange(current.spec, spec);
      if (change === 'unchanged') {
        current.spec = copySpec(spec); // the workspace and name it reports may have been added
        await this.#syncKernel(spec);
        return 'unchanged';
      }
      if (change === 'retarget') {
        current.forwarder.retarget({ ...spec.target });
        current.spec = copySpec(spec);
        await this.#syncKernel(spec);
        return 'retargeted';
      }
      this.#entries.delete(spec.id);
      await this.#dropKernel(spec.id);
      await current.forwarder.close();
      this.#entries.set(spec.id, { spec: copySpec(spec), forwarder: await this.#start(spec) });
      await this.#syncKernel(spec);
      return 'restarted';
    });
  }

  /** Stops the forwarder `id` (closing its connections); false when none ran. */
  stop(id: string): Promise<boolean> {
    return this.#lock.run(id, async () => {
      const entry = this.#entries.get(id);
      if (entry === undefined) return false;
      this.#entries.delete(id);
      await this.#dropKernel(id);
      await entry.forwarder.close();
      return true;
    });
  }

  /** The specs of the running forwarders. */
  list(): ForwardSpec[] {
    return [...this.#entries.values()].map((e) => copySpec(e.spec));
  }

  /** Whether a forwarder to workspace `key` has an open connection now. */
  hasOpenConnection(workspace: string): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.spec.workspace === workspace && entry.forwarder.stats().activeConnections > 0) return true;
    }
    return false;
  }

  /**
   * Counters of the forwarder `id`, or undefined when none runs. Connections forwarded in the
   * kernel never reach the daemon, so they are not counted.
   */
  stats(id: string): ForwarderStats | undefined {
    return this.#entries.get(id)?.forwarder.stats();
  }

  /** How forwarder `id` forwards new connections now, or undefined when none runs. */
  path(id: string): ForwardPath | undefined {
    if (!this.#entries.has(id)) return undefined;
    return this.#kernel?.has(id) === true ? 'kernel' : 'userland';
  }

  /**
   * Stops every forwarder (daemon shutdown), then removes the kernel's rules. A kernel detection
   * still running (nft slow or stuck) does not hold the shutdown for more than KERNEL_CLOSE_WAIT_MS:
   * its table is removed when it completes, or by the exit hook (kernel-forwarding.ts).
   */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((id) => this.stop(id)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), KERNEL_CLOSE_WAIT_MS);
      timer.unref();
    });
    const kernel = await Promise.race([this.#kernelReady, late]);
    clearTimeout(timer);
    if (kernel === 'late') void this.#kernelReady.then((k) => k?.close());
    else await kernel?.close();
  }

  /** Adds, moves or removes `spec`'s kernel rule to match whether it is allowed and eligible. */
  async #syncKernel(spec: ForwardSpec): Promise<void> {
    const kernel = this.#kernel ?? (await this.#kernelReady);
    if (kernel === undefined) return;
    if (spec.kernel !== true || kernel.ineligible(spec) !== undefined) {
      await this.#dropKernel(spec.id);
      return;
    }
    try {
      await kernel.add(spec.id, spec);
    } catch (err) {
      await this.#dropKernel(spec.id);
      this.#options.onKernelError?.(spec.id, err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #dropKernel(id: string): Promise<void> {
    try {
      await this.#kernel?.remove(id);
    } catch (err) {
      this.#options.onKernelError?.(id, err instanceof Error ? err : new Error(String(err)));
    }
  }

  #start(spec: ForwardSpec): Promise<Forwarder> {
    const copy = copySpec(spec);
    return spec.protocol === 'tcp'
      ? startTcpForwarder(copy, {
          connectTimeoutMs: this.#options.connectTimeoutMs,
          onUpstream: (event) => this.#options.onUpstream?.(spec.id, event),
          ...(this.#options.beforeConnect !== undefined ? { beforeConnect: () => this.#options.beforeConnect?.(this.#entries.get(spec.id)?.spec ?? copy) } : {}),
        })
      : startUdpRelay(copy, { idleTimeoutMs: this.#options.udpIdleTimeoutMs });
  }
}

function copySpec(spec: ForwardSpec): ForwardSpec {
  return { ...spec, target: { ...spec.target } };
}
