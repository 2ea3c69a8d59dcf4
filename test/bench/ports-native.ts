/**
 * Forwarding measured with native endpoints (issue 19, port forwarder row): a C source/echo server
 * in a container and a C client on the host (test/bench/native/netbench.c), so neither end is a
 * Node process whose own cost would cap and blur the ratios. In one run of 31 rounds, each round
 * downloads 100 MB through every path in turn (the order alternating; on this shared machine only
 * the ratio of two downloads side by side, a pair, means much):
 * - direct to the container's bridge address (the floor);
 * - boulder's kernel path (nftables DNAT from 127.0.0.1, see KernelForwarding) and its userland
 *   forwarder (a separate Node process, as in the daemon);
 * - the engine's own published ports, the industry floor for this job: `-p 127.0.0.1::C` (served
 *   by docker-proxy when the engine's userland-proxy is on, as by default) and `-p GATEWAY::C`
 *   reached from the host (the engine's iptables DNAT; docker-proxy then sees no traffic, which
 *   its measured CPU shows).
 * A second run reads 64 KiB per call, as a Node client does (the Node-client rows of ports.ts):
 * through any DNAT, boulder's or the engine's, the reading client then spends more CPU per 100 MB
 * in its own read calls (the receive path, and the container's transmit its ACKs set off, run
 * inline on its core), while with 1 MiB reads the paths cost it the same; the profile row prints
 * both, the part outside boulder (its rule is consulted for a connection's first packet only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMsOf, startHelper, type Helper } from './ports-helper.ts';
import { median, quantile, type BenchRow } from './stats.ts';

const SOURCE = join(import.meta.dirname, 'native', 'netbench.c');
const FORWARD_HELPER = join(import.meta.dirname, '..', 'ports', 'servers.ts');
const DOCKER_IMAGE = 'boulder-test/debian:bookworm';
const BYTES = 100 * 1024 * 1024;
const ROUNDS = 31;
const SMALL_READ_ROUNDS = 15;
const PINGS = 1000;
const ECHO_PORT = 7000;
const SOURCE_PORT = 7001;
const THROUGHPUT_GOAL = 0.9;
const ADDED_RTT_GOAL_US = 30;

type PathName = 'direct' | 'kernel' | 'userland' | 'docker-proxy' | 'docker DNAT';

interface Path {
  name: PathName;
  source: string;
  echo: string;
  /** The process relaying this path's bytes in userland, for its CPU per 100 MB. */
  relayPid?: number | undefined;
}

interface DownloadResult {
  mbps: number[][];
  /** The client's own CPU (user + system, softirq work run in its syscalls included) per download. */
  cpuMs: number[][];
  tcpInfo: { rcvMss: number; advMss: number; rcvSpace: number; segsIn: number; segsOut: number }[];
}

/** The native rows, or none (with a line on stderr) where cc, Docker or kernel forwarding is missing. */
export async function benchNativeForwarding(kernelAvailable: boolean): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-netbench-'));
  try {
    const binary = join(dir, 'netbench');
    try {
      execFileSync('cc', ['-O2', '-static', '-o', binary, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      process.stderr.write(`[bench] ports: native rows skipped, cc -static failed: ${(err as Error).message.split('\n')[0]}\n`);
      return [];
    }
    return await withContainer(dir, binary, kernelAvailable);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withContainer(dir: string, binary: string, kernelAvailable: boolean): Promise<BenchRow[]> {
  const name = `boulder-bench-ports-native-${process.pid}`;
  const gateway = bridgeGateway();
  const target = await startHelper('docker', [
    'run', '-i', '--rm', '--name', name, '--label', 'boulder-bench/ports=true', '-v', `${dir}:/netbench:ro`,
    '-p', `127.0.0.1::${ECHO_PORT}`, '-p', `127.0.0.1::${SOURCE_PORT}`,
    // On the bridge's gateway rather than 0.0.0.0: the host reaches it through the engine's DNAT
    // (its OUTPUT rule skips only 127.0.0.0/8), and nothing outside this machine can.
    ...(gateway === undefined ? [] : ['-p', `${gateway}::${ECHO_PORT}`, '-p', `${gateway}::${SOURCE_PORT}`]),
    DOCKER_IMAGE, '/netbench/netbench', 'serve', '0.0.0.0', String(ECHO_PORT), String(SOURCE_PORT),
  ]);
  const forwarders: Helper[] = [];
  try {
    const inspect = (format: string): string => execFileSync('docker', ['inspect', '-f', format, name], { encoding: 'utf8' }).trim();
    const ip = inspect('{{.NetworkSettings.IPAddress}}');
    const published = (port: number, host: string): string => {
      const lines = execFileSync('docker', ['port', name, `${port}/tcp`], { encoding: 'utf8' }).split('\n');
      const line = lines.find((l) => l.startsWith(`${host}:`));
      if (line === undefined) throw new Error(`container port ${port} not published on ${host}: ${lines.join(' ')}`);
      return line.trim();
    };
    const paths: Path[] = [{ name: 'direct', source: `${ip}:${SOURCE_PORT}`, echo: `${ip}:${ECHO_PORT}` }];
    for (const mode of kernelAvailable ? (['kernel', 'userland'] as const) : (['userland'] as const)) {
      const forwarder = await startHelper(process.execPath, [FORWARD_HELPER, 'forwarder', ...(mode === 'kernel' ? ['--kernel'] : []), `${ip}:${SOURCE_PORT}`, `${ip}:${ECHO_PORT}`]);
      forwarders.push(forwarder);
      const info = forwarder.info as { ports: [number, number]; paths: string[] };
      if (info.paths.some((p) => p !== mode)) throw new Error(`forwarder took the ${info.paths.join('/')} path, not ${mode}`);
      paths.push({ name: mode, source: `127.0.0.1:${info.ports[0]}`, echo: `127.0.0.1:${info.ports[1]}`, relayPid: mode === 'userland' ? forwarder.pid : undefined });
    }
    const proxySource = published(SOURCE_PORT, '127.0.0.1');
    paths.push({ name: 'docker-proxy', source: proxySource, echo: published(ECHO_PORT, '127.0.0.1'), relayPid: dockerProxyPid(proxySource) });
    if (gateway !== undefined) {
      const dnatSource = published(SOURCE_PORT, gateway);
      paths.push({ name: 'docker DNAT', source: dnatSource, echo: published(ECHO_PORT, gateway), relayPid: dockerProxyPid(dnatSource) });
    }
    return measure(binary, paths);
  } finally {
    for (const forwarder of forwarders) await forwarder.stop();
    await target.stop();
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }
}

/**
 * The default bridge's gateway address (the host's side): from the engine's IPAM configuration,
 * else from the bridge interface itself (an engine may report the subnet alone); undefined when
 * neither tells.
 */
function bridgeGateway(): string | undefined {
  try {
    const fromIpam = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'], { encoding: 'utf8' }).trim();
    if (fromIpam !== '') return fromIpam;
    const device = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{index .Options "com.docker.network.bridge.name"}}'], { encoding: 'utf8' }).trim() || 'docker0';
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', device], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

function measure(binary: string, paths: Path[]): BenchRow[] {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}): string =>
    execFileSync(binary, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 300_000 });
  const sources = paths.map((p) => p.source);
  run(['download', String(BYTES), '1', ...sources]); // warm-up round
  const cpuBefore = paths.map((p) => cpuMsOf(p.relayPid));
  const full = JSON.parse(run(['download', String(BYTES), String(ROUNDS), ...sources])) as DownloadResult;
  const cpuPer100MB = paths.map((p, i) => (p.relayPid === undefined ? undefined : Math.round((cpuMsOf(p.relayPid) - cpuBefore[i]!) / ROUNDS)));
  const smallPaths = paths.filter((p) => p.name === 'direct' || p.name === 'kernel' || p.name === 'docker DNAT');
  const small = JSON.parse(run(['download', String(BYTES), String(SMALL_READ_ROUNDS), ...smallPaths.map((p) => p.source)], { NETBENCH_READ: String(64 * 1024) })) as DownloadResult;
  const pings = (JSON.parse(run(['ping', String(PINGS), '100', ...paths.map((p) => p.echo)])) as { us: number[][] }).us;
  return [
    ...paths.slice(1).map((path, k) => throughputRow(path, full.mbps[k + 1]!, full.mbps[0]!, cpuPer100MB[k + 1], industryFloor(path, paths, full))),
    ...profileRow(smallPaths, small, paths, full),
    ...paths.slice(1).map((path, k) => pingRow(path, pings[k + 1]!, pings[0]!)),
  ];
}

function isBoulders(path: Path): boolean {
  return path.name === 'kernel' || path.name === 'userland';
}

function label(path: Path): string {
  if (isBoulders(path)) return `boulder ${path.name}`;
  if (path.name === 'docker DNAT') return 'docker -p GATEWAY (engine DNAT)';
  // An engine with userland-proxy off serves 127.0.0.1 with its DNAT (and route_localnet) instead.
  return path.relayPid === undefined ? 'docker -p 127.0.0.1 (no docker-proxy: engine DNAT)' : 'docker -p 127.0.0.1 (docker-proxy)';
}

/** The median of the ratios of rounds measured side by side (robust to load that changes between rounds). */
function pairsRatio(series: number[], floor: number[], q = 0.5): number {
  return quantile(series.map((v, i) => v / floor[i]!), q);
}

/** boulder's path against the engine's doing the same job (kernel: its DNAT; userland: docker-proxy), pairs' ratio. */
function industryFloor(path: Path, paths: Path[], result: DownloadResult): string | undefined {
  const peer: PathName | undefined = path.name === 'kernel' ? 'docker DNAT' : path.name === 'userland' ? 'docker-proxy' : undefined;
  const k = paths.findIndex((p) => p.name === peer);
  if (peer === undefined || k < 0) return undefined;
  const i = paths.indexOf(path);
  return `${pairsRatio(result.mbps[i]!, result.mbps[k]!).toFixed(2)}× of ${peer} (pairs)`;
}

function throughputRow(path: Path, series: number[], direct: number[], cpuMs: number | undefined, vsEngine: string | undefined): BenchRow {
  const ratio = pairsRatio(series, direct);
  const relay = cpuMs === undefined ? undefined : `${path.name === 'userland' ? 'forwarder process' : 'docker-proxy'} CPU ${cpuMs} ms per 100 MB`;
  const spread = `IQR ${pairsRatio(series, direct, 0.25).toFixed(2)}–${pairsRatio(series, direct, 0.75).toFixed(2)}`;
  return {
    name: `forwarding 100 MB, native client (container, ${label(path)})`,
    value: median(series),
    unit: 'MB/s',
    floor: { name: 'direct to container', value: median(direct) },
    ...(isBoulders(path) ? { budget: { text: `≥ ${THROUGHPUT_GOAL}× (pairs)`, met: ratio >= THROUGHPUT_GOAL } } : {}),
    note: [`median of ${ROUNDS} interleaved rounds; pairs' ratio ${ratio.toFixed(2)}× (${spread})`, vsEngine, relay].filter(Boolean).join('; '),
  };
}

/**
 * Attributes the lower ratio a client reading 64 KiB per call sees through a DNAT: the reading
 * client's own CPU per 100 MB (its syscalls run the receive path, and the ACKs it sends run the
 * container's transmit, inline on its core) with 64 KiB and with 1 MiB reads, for boulder's rule
 * and the engine's own DNAT. boulder's rule is consulted for a connection's first packet only.
 */
function profileRow(paths: Path[], small: DownloadResult, allPaths: Path[], full: DownloadResult): BenchRow[] {
  const kernel = paths.findIndex((p) => p.name === 'kernel');
  if (kernel < 0) return [];
  const describe = (among: Path[], result: DownloadResult): string =>
    among
      .map((p, i) => {
        const t = result.tcpInfo[i]!;
        const ratio = i === 0 ? '' : ` ${pairsRatio(result.mbps[i]!, result.mbps[0]!).toFixed(2)}×,`;
        return `${p.name}${ratio} client CPU ${Math.round(median(result.cpuMs[i]!))} ms (advMSS ${t.advMss})`;
      })
      .join('; ');
  const big = allPaths.map((p, i) => ({ p, i })).filter(({ p }) => paths.some((q) => q.name === p.name));
  const bigResult: DownloadResult = { mbps: big.map(({ i }) => full.mbps[i]!), cpuMs: big.map(({ i }) => full.cpuMs[i]!), tcpInfo: big.map(({ i }) => full.tcpInfo[i]!) };
  return [
    {
      name: 'profile: the same, client reading 64 KiB per call as Node does (container, boulder kernel)',
      value: median(small.mbps[kernel]!),
      unit: 'MB/s',
      floor: { name: 'direct to container', value: median(small.mbps[0]!) },
      note: `per 100 MB, 64 KiB reads — ${describe(paths, small)} | 1 MiB reads — ${describe(big.map(({ p }) => p), bigResult)}`,
    },
  ];
}

function pingRow(path: Path, us: number[], directUs: number[]): BenchRow {
  const added = median(us) - median(directUs);
  return {
    name: `forwarding round trip, 1-byte ping, native client (container, ${label(path)})`,
    value: median(us) / 1000,
    p99: quantile(us, 0.99) / 1000,
    unit: 'ms',
    floor: { name: 'direct to container', value: median(directUs) / 1000 },
    ...(isBoulders(path) ? { budget: { text: `≤ +${ADDED_RTT_GOAL_US} µs`, met: added <= ADDED_RTT_GOAL_US } } : {}),
    note: `${PINGS} samples per path, interleaved; ${added >= 0 ? '+' : ''}${added.toFixed(0)} µs p50`,
  };
}

/** The docker-proxy process serving `host:port`, if the engine runs one for it. */
function dockerProxyPid(hostPort: string): number | undefined {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), hostPort.slice(hostPort.lastIndexOf(':') + 1)];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args[0]?.endsWith('docker-proxy')) continue;
      if (args[args.indexOf('-host-ip') + 1] === host && args[args.indexOf('-host-port') + 1] === port) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
