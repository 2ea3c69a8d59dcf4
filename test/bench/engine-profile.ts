/**
 * The engine's own work per container start, profiled: which programs dockerd runs (execve, seen
 * with `strace -f` attached to it) while one container is created and started on the default
 * bridge, and on a user-defined bridge with inter-container traffic off (boulder's isolated
 * network). It shows where the fan-out row's distance to its floor (the default bridge) lies:
 * on a user-defined network the engine sets up its embedded DNS resolver in each container's
 * namespace, one `iptables` process per rule (11 on Docker 20.10 with iptables-nft: on a 2-core
 * machine 20 starts at once spend ~220 such runs of CPU), which the default bridge — with no
 * resolver and no isolation — skips.
 *
 * Needs a local engine, root and `strace`; otherwise no rows (the reason goes to stderr).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_IMAGE, FLOOR_LABEL, type DockerBenchEnv } from './docker-bench-env.ts';
import type { BenchRow } from './stats.ts';

/** What dockerd ran for one container's create+start. */
interface StartProfile {
  /** Programs run, by name (dockerd's re-execs of itself: `dockerd <what>`), with counts. */
  programs: Map<string, number>;
  /** Wall time of the create+start, ms (slower than unprofiled: strace stops every exec). */
  ms: number;
}

/** The profile rows (default bridge, isolated-style network), or none when they cannot be taken. */
export async function engineProfileRows(env: DockerBenchEnv): Promise<BenchRow[]> {
  const why = cannotProfile();
  if (why !== undefined) {
    process.stderr.write(`[bench] engine profile skipped: ${why}\n`);
    return [];
  }
  const network = await env.docker.createNetwork({ Name: `${env.prefix}-prof`, Driver: 'bridge', Labels: { [FLOOR_LABEL]: env.prefix }, Options: { 'com.docker.network.bridge.enable_icc': 'false' } });
  try {
    const onDefault = await profileStart(env, 'bridge');
    const onIsolated = await profileStart(env, `${env.prefix}-prof`);
    return [row('default bridge (the floor)', onDefault), row('user-defined bridge, inter-container traffic off (the isolated network)', onIsolated)];
  } finally {
    await network.remove().catch(() => undefined);
  }
}

/** Why the profile cannot be taken here, or undefined. */
function cannotProfile(): string | undefined {
  if (process.getuid?.() !== 0) return 'strace of dockerd needs root';
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'strace is not installed';
  }
  return dockerdPid() === undefined ? 'no local dockerd process' : undefined;
}

/** The local dockerd's pid, or undefined. */
function dockerdPid(): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-o', '-x', 'dockerd'], { encoding: 'utf8' }).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates and starts one container on `network` with strace attached to dockerd; removes it. */
async function profileStart(env: DockerBenchEnv, network: string): Promise<StartProfile> {
  const out = join(env.root, `strace-${network}.txt`);
  const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', out, '-p', String(dockerdPid())], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500)); // strace attaches to every thread first
    const started = performance.now();
    const container = await env.docker.createContainer({ Image: BENCH_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { [FLOOR_LABEL]: env.prefix }, HostConfig: { NetworkMode: network } });
    try {
      await container.start();
      const ms = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { programs: programsIn(readFileSync(out, 'utf8')), ms };
    } finally {
      await container.remove({ force: true });
    }
  } finally {
    tracer.kill('SIGINT');
    await new Promise((resolve) => tracer.once('exit', resolve));
    rmSync(out, { force: true });
  }
}

/** Counts the successful execve calls in strace's output by program (dockerd's re-execs of itself by the name they run as). */
export function programsIn(trace: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of trace.matchAll(/execve\("([^"]+)", \["([^"]*)"[^\n]*= 0$/gm)) {
    const file = match[1]!;
    const name = file === '/proc/self/exe' ? `dockerd ${match[2]!}` : file.split('/').at(-1)!;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** One profile as a row: programs run per start, with the breakdown. */
function row(where: string, p: StartProfile): BenchRow {
  const total = [...p.programs.values()].reduce((a, b) => a + b, 0);
  const breakdown = [...p.programs].map(([name, n]) => `${name} ×${n}`).join(', ');
  return {
    name: `engine profile: programs dockerd runs per container start, ${where}`,
    value: total,
    unit: 'programs',
    note: `${breakdown || 'none'}; create+start under strace ${Math.round(p.ms)} ms`,
  };
}
