/**
 * Port benchmarks (issue 4). Allocation: the 220th workspace's five ports with 219 workspaces'
 * ports already taken (the Docker range then has one free slot left), against the 1st workspace's
 * (nothing taken) as the floor; both check the host by binding, as the controller does.
 * Forwarding: a 100 MB download and 1-byte ping round trips through the daemon's TCP forwarder
 * against the same traffic sent to the target directly (the floor). The target and the forwarder
 * run in their own processes, like a container's server and the daemon. When a Docker engine is
 * reachable, the same is measured once more against a target inside a container (its bridge IP).
 * Where this process may forward in the kernel (root on Linux with nft, see KernelForwarding), each
 * target is also measured through the kernel path (nftables DNAT), beside the userland forwarder.
 * Goals (issue 19): throughput ≥ 0.9× direct, round trip ≤ +30 µs over direct (p50).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { allocate } from '../../controllers/portbinding/allocator/allocate.ts';
import { PortRangeExhaustedError } from '../../controllers/portbinding/allocator/errors.ts';
import { portTakenCheck } from '../../controllers/portbinding/allocator/host-check.ts';
import { SIMULATED_PORTS, allocateWorkspaces, simulatedWorkspace } from '../../controllers/portbinding/allocator/testing.ts';
import { PORT_PLAN } from '../../controllers/portbinding/contracts.ts';
import { KernelForwarding } from '../../controllers/portbinding/forward/kernel/kernel-forwarding.ts';
import { measureDownload, measurePingLatency } from '../ports/servers.ts';
import { benchNativeForwarding } from './ports-native.ts';
import { cpuMsOf, startHelper } from './ports-helper.ts';
import { median, quantile, timeRuns, type BenchRow } from './stats.ts';

const FORWARD_HELPER = join(import.meta.dirname, '..', 'ports', 'servers.ts');
const DOWNLOAD_BYTES = 100 * 1024 * 1024;
const DOWNLOAD_RUNS = 9;
const PING_SAMPLES = 1000;
const DOCKER_IMAGE = 'boulder-test/debian:bookworm';
const NODE_DIR = join(process.execPath, '..', '..');
const REPO_DIR = join(import.meta.dirname, '..', '..');
/** Goals of issue 19 item 5. */
const THROUGHPUT_GOAL = 0.9;
const ADDED_RTT_GOAL_US = 30;

/** The forwarding paths measured here: userland always, kernel where this process may use it. */
async function forwardingModes(): Promise<ForwardMode[]> {
  const kernel = await KernelForwarding.detect();
  if (kernel === undefined) {
    process.stderr.write('[bench] ports: no kernel forwarding here (needs root on Linux and nft), kernel rows skipped\n');
    return ['userland'];
  }
  await kernel.close();
  return ['userland', 'kernel'];
}

type ForwardMode = 'userland' | 'kernel';

/** Runs every port benchmark and returns its rows. */
export async function benchPorts(): Promise<BenchRow[]> {
  const rows = await benchAllocation();
  const modes = await forwardingModes();
  const target = await startHelper(process.execPath, [FORWARD_HELPER, 'target']);
  try {
    const ports = target.info as { echo: number; source: number };
    for (const mode of modes) rows.push(...(await benchForwarding('127.0.0.1', ports, 'local process', mode)));
  } finally {
    await target.stop();
  }
  if (dockerAvailable()) {
    rows.push(...(await benchContainerForwarding(modes)));
    rows.push(...(await benchNativeForwarding(modes.includes('kernel'))));
  }
  return rows;
}

/**
 * Allocation of the 220th workspace's ports (219 taken) vs the 1st's, host probe included. The
 * Docker range lies inside Linux's default ephemeral range (32768–60999), so the one slot left
 * may be blocked on the host for a minute by an outbound connection's TIME_WAIT; such a run ends
 * in PortRangeExhaustedError after the same full walk, and is counted in the note.
 */
async function benchAllocation(): Promise<BenchRow[]> {
  const taken = new Set<number>();
  await allocateWorkspaces('bench', Array.from({ length: 219 }, (_, i) => simulatedWorkspace(i)), taken);
  let exhausted = 0;
  const allocateFive = (workspace: string, takenPorts: ReadonlySet<number>) => async (): Promise<void> => {
    const isTaken = portTakenCheck({ taken: takenPorts, hostIP: '127.0.0.1', protocol: 'tcp' });
    for (const portName of SIMULATED_PORTS) {
      const request = { namespace: 'bench', workspace, portName, workspacePorts: SIMULATED_PORTS, protocol: 'tcp' as const, range: PORT_PLAN.docker };
      await allocate(request, isTaken).catch((err: unknown) => {
        if (!(err instanceof PortRangeExhaustedError)) throw err;
        exhausted += 1;
      });
    }
  };
  const first = await timeRuns(21, allocateFive(simulatedWorkspace(0), new Set()), 3);
  exhausted = 0;
  const last = await timeRuns(21, allocateFive(simulatedWorkspace(219), taken), 3);
  const held = exhausted === 0 ? '' : `; ${exhausted} of ${24 * 5} found the last slot held on the host`;
  return [
    {
      name: 'allocate 220th workspace, 5 ports (219 taken)',
      value: median(last),
      p99: quantile(last, 0.99),
      unit: 'ms',
      floor: { name: '1st workspace, 5 ports', value: median(first) },
      note: `walks the taken slots, binds each candidate on 127.0.0.1${held}`,
    },
  ];
}

/** Download throughput and ping latency through a forwarder (`mode` path) vs directly to `host`. */
async function benchForwarding(host: string, target: { echo: number; source: number }, where: string, mode: ForwardMode): Promise<BenchRow[]> {
  const flags = mode === 'kernel' ? ['--kernel'] : [];
  const forwarder = await startHelper(process.execPath, [FORWARD_HELPER, 'forwarder', ...flags, `${host}:${target.echo}`, `${host}:${target.source}`]);
  try {
    const { ports, paths } = forwarder.info as { ports: [number, number]; paths: string[] };
    if (paths.some((p) => p !== mode)) throw new Error(`forwarder took the ${paths.join('/')} path, not ${mode}`);
    const [echoPort, sourcePort] = ports;
    await measureDownload(sourcePort, DOWNLOAD_BYTES);
    await measureDownload(target.source, DOWNLOAD_BYTES, host);
    const direct: number[] = [];
    const forwarded: number[] = [];
    let forwarderCpuMs = 0;
    for (let i = 0; i < DOWNLOAD_RUNS; i += 1) {
      direct.push(await measureDownload(target.source, DOWNLOAD_BYTES, host));
      const cpuBefore = cpuMsOf(forwarder.pid);
      forwarded.push(await measureDownload(sourcePort, DOWNLOAD_BYTES));
      forwarderCpuMs += cpuMsOf(forwarder.pid) - cpuBefore;
    }
    const directPings = await measurePingLatency(target.echo, PING_SAMPLES, 100, host);
    const forwardedPings = await measurePingLatency(echoPort, PING_SAMPLES);
    const addedUs = (median(forwardedPings) - median(directPings)) * 1000;
    const throughput = median(forwarded) / median(direct);
    return [
      {
        name: `forwarder throughput, 100 MB download (${where}, ${mode})`,
        value: median(forwarded),
        unit: 'MB/s',
        floor: { name: 'direct to target', value: median(direct) },
        budget: { text: `≥ ${THROUGHPUT_GOAL}×`, met: throughput >= THROUGHPUT_GOAL },
        note: `Node client and target (64 KiB reads; the path alone: the native rows); median of ${DOWNLOAD_RUNS}, interleaved (median of the pairs' ratios ${median(forwarded.map((f, i) => f / direct[i]!)).toFixed(2)}×); forwarder process CPU ${Math.round(forwarderCpuMs / DOWNLOAD_RUNS)} ms per 100 MB`,
      },
      {
        name: `forwarder round trip, 1-byte ping (${where}, ${mode})`,
        value: median(forwardedPings),
        p99: quantile(forwardedPings, 0.99),
        unit: 'ms',
        floor: { name: 'direct to target', value: median(directPings) },
        budget: { text: `≤ +${ADDED_RTT_GOAL_US} µs`, met: addedUs <= ADDED_RTT_GOAL_US },
        note: `${PING_SAMPLES} samples, +${addedUs.toFixed(0)} µs p50`,
      },
    ];
  } finally {
    await forwarder.stop();
  }
}

/** The same forwarding benchmark against a target server in a container (Node mounted read-only). */
async function benchContainerForwarding(modes: ForwardMode[]): Promise<BenchRow[]> {
  const name = `boulder-bench-ports-${process.pid}`;
  const nodeInContainer = join(NODE_DIR, 'bin', 'node');
  const target = await startHelper('docker', [
    'run', '-i', '--rm', '--name', name, '--label', 'boulder-bench/ports=true',
    '-v', `${NODE_DIR}:${NODE_DIR}:ro`, '-v', `${REPO_DIR}:${REPO_DIR}:ro`,
    DOCKER_IMAGE, nodeInContainer, FORWARD_HELPER, 'target', '0.0.0.0',
  ]);
  try {
    const ip = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name], { encoding: 'utf8' }).trim();
    const rows: BenchRow[] = [];
    for (const mode of modes) rows.push(...(await benchForwarding(ip, target.info as { echo: number; source: number }, 'container', mode)));
    return rows;
  } finally {
    await target.stop();
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }
}

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', DOCKER_IMAGE], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    process.stderr.write(`[bench] ports: no Docker engine or no ${DOCKER_IMAGE} image, container rows skipped\n`);
    return false;
  }
}
