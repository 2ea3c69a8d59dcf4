/**
 * Forwarding in the kernel (issue 19 item 5): where boulder runs as root on Linux and a binding's
 * target is a container on a local bridge, an nftables DNAT rule sends `hostIP:hostPort` straight
 * to the container's address — no copy through the daemon. The daemon's own listener stays bound
 * all the while: it holds the port (so Conflict and Standby work as before), and it is the
 * fallback the moment the rule is removed (the rule only rewrites new connections).
 *
 * What is touched, and why:
 * - a table `ip boulder_fwd_<pid>_<n>` per instance: an `output` nat chain with one rule per
 *   binding matching only locally generated packets to the binding's loopback `hostIP:hostPort`
 *   (nothing in `prerouting`, so no other interface or host can use it), and a `postrouting` rule
 *   masquerading those DNATed connections so the container's answer comes back to the host.
 *   Deleted on `close` and at process exit; a table left by a killed process is deleted by the
 *   next instance that finds its pid gone.
 * - `net.ipv4.conf.<bridge>.route_localnet=1` on the target's bridge: without it the kernel drops a
 *   packet from 127.0.0.1 leaving through a non-loopback interface. It also stops treating packets
 *   *arriving* on that bridge for 127.0.0.0/8 as martians — a container could then reach the host's
 *   loopback services — so first the shared table `ip boulder_guard` drops every packet for
 *   127.0.0.0/8 arriving on any interface but `lo` (as kube-proxy does), before conntrack. The guard
 *   and the sysctl are left in place (they go with the bridge, or at reboot): removing either while
 *   another daemon's rule needs the other would open the hole or break its forwarding.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import type { ForwardSpec } from '../../contracts.ts';
import { echoedHandle, runNft, runNftSync, type NftRunner } from './nft.ts';
import { directInterface } from './route.ts';

/** Name prefix of the per-instance tables. */
export const KERNEL_TABLE_PREFIX = 'boulder_fwd_';
/** The shared guard table (see the module comment). */
export const GUARD_TABLE = 'boulder_guard';
/** Set to `0` to keep every binding on the userland forwarder. */
export const KERNEL_FORWARDING_ENV = 'BOULDER_KERNEL_FORWARDING';

const GUARD_SCRIPT = `add table ip ${GUARD_TABLE}
delete table ip ${GUARD_TABLE}
table ip ${GUARD_TABLE} {
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    iifname != "lo" ip daddr 127.0.0.0/8 counter drop comment "boulder: loopback is not reachable from other interfaces (route_localnet)"
  }
}
`;

/** Tuning (tests). */
export interface KernelForwardingOptions {
  run?: NftRunner;
  /** Where the interface sysctls live (default /proc/sys/net/ipv4/conf). */
  sysctlDir?: string;
  /** Where interfaces are listed (default /sys/class/net). */
  netClassDir?: string;
}

interface Rule {
  handle: number;
  /** `host:port` the rule sends to. */
  target: string;
}

let instances = 0;

/** See the module comment. */
export class KernelForwarding {
  /** This instance's nftables table. */
  readonly table = `${KERNEL_TABLE_PREFIX}${process.pid}_${(instances += 1)}`;
  readonly #run: NftRunner;
  readonly #sysctlDir: string;
  readonly #netClassDir: string;
  readonly #rules = new Map<string, Rule>();
  readonly #exitHook = (): void => runNftSync(`delete table ip ${this.table}\n`);
  #closed = false;

  private constructor(options: KernelForwardingOptions) {
    this.#run = options.run ?? runNft;
    this.#sysctlDir = options.sysctlDir ?? '/proc/sys/net/ipv4/conf';
    this.#netClassDir = options.netClassDir ?? '/sys/class/net';
  }

  /**
   * A ready instance when this process may forward in the kernel — Linux, root, `nft` works and
   * `BOULDER_KERNEL_FORWARDING` is not `0` — else undefined (everything stays in userland).
   */
  static async detect(options: KernelForwardingOptions = {}): Promise<KernelForwarding | undefined> {
    if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env[KERNEL_FORWARDING_ENV] === '0') return undefined;
    const kernel = new KernelForwarding(options);
    try {
      await kernel.#setup();
      return kernel;
    } catch {
      return undefined;
    }
  }

  /** Why `spec` cannot be forwarded in the kernel, or undefined when it can. */
  ineligible(spec: ForwardSpec): string | undefined {
    if (spec.protocol !== 'tcp') return 'not TCP';
    if (spec.target.dial !== undefined) return 'the target is reached through a dialer';
    if (!isIPv4(spec.hostIP) || !spec.hostIP.startsWith('127.')) return 'the host address is not IPv4 loopback';
    const iface = directInterface(spec.target.host);
    if (iface === undefined) return 'the target is not on a directly connected network';
    if (iface !== 'lo' && !existsSync(`${this.#netClassDir}/${iface}/bridge`)) return `the target's interface ${iface} is not a local bridge`;
    return undefined;
  }

  /** Whether binding `id` is forwarded by a kernel rule now. */
  has(id: string): boolean {
    return this.#rules.has(id);
  }

  /**
   * Makes binding `id` forwarded in the kernel to `spec.target` (replacing a rule to another
   * target). Rejects when nft fails or the spec is not eligible; nothing is left half-added then.
   */
  async add(id: string, spec: ForwardSpec): Promise<void> {
    const reason = this.ineligible(spec);
    if (reason !== undefined) throw new Error(`not forwarded in the kernel: ${reason}`);
    const target = `${spec.target.host}:${spec.target.port}`;
    // Checked on every call: a bridge recreated under the same address starts with route_localnet=0.
    const iface = directInterface(spec.target.host)!;
    if (iface !== 'lo') this.#enableLocalnet(iface);
    if (this.#rules.get(id)?.target === target) return;
    await this.remove(id);
    const comment = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
    const output = await this.#run(`add rule ip ${this.table} output ip daddr ${spec.hostIP} tcp dport ${port(spec.hostPort)} counter dnat to ${target} comment "${comment}"\n`, { echo: true });
    const handle = echoedHandle(output);
    if (handle === undefined) throw new Error(`nft printed no handle for the rule of ${id}`);
    if (this.#closed) {
      await this.#run(`delete rule ip ${this.table} output handle ${handle}\n`).catch(() => undefined);
      return;
    }
    this.#rules.set(id, { handle, target });
  }

  /** Removes binding `id`'s rule (new connections reach the daemon's listener again). */
  async remove(id: string): Promise<void> {
    const rule = this.#rules.get(id);
    if (rule === undefined) return;
    this.#rules.delete(id);
    await this.#run(`delete rule ip ${this.table} output handle ${rule.handle}\n`);
  }

  /** Deletes this instance's table (every rule). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rules.clear();
    process.off('exit', this.#exitHook);
    await this.#run(`delete table ip ${this.table}\n`).catch(() => undefined);
  }

  async #setup(): Promise<void> {
    await this.#deleteStaleTables();
    await this.#run(GUARD_SCRIPT);
    await this.#run(`table ip ${this.table} {
  chain output {
    type nat hook output priority -100; policy accept;
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    ip saddr 127.0.0.0/8 oifname != "lo" ct status dnat masquerade
  }
}
`);
    process.on('exit', this.#exitHook);
  }

  /** Deletes tables of earlier instances whose process is gone (a daemon killed with SIGKILL). */
  async #deleteStaleTables(): Promise<void> {
    const listing = await this.#run('list tables\n');
    const stale: string[] = [];
    for (const match of listing.matchAll(new RegExp(`^table ip (${KERNEL_TABLE_PREFIX}(\\d+)_\\d+)$`, 'gm'))) {
      if (!processAlive(Number(match[2]))) stale.push(match[1]!);
    }
    if (stale.length > 0) await this.#run(stale.map((t) => `delete table ip ${t}\n`).join('')).catch(() => undefined);
  }

  /** Lets packets from 127.0.0.1 leave through `iface` (see the module comment). */
  #enableLocalnet(iface: string): void {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(iface)) throw new Error(`unexpected interface name ${JSON.stringify(iface)}`);
    const path = `${this.#sysctlDir}/${iface}/route_localnet`;
    if (readFileSync(path, 'utf8').trim() !== '1') writeFileSync(path, '1\n');
  }
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port ${n}`);
  return n;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
