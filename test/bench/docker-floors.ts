/**
 * Floors of the Docker workspace benchmarks, measured in the same run as the figures they bound:
 * `docker run --rm IMAGE true`, `devcontainer up` of the same image, a hand-made switch
 * (`docker pause` + `docker unpause`), and 20 containers created and started at once through the
 * Engine API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { BENCH_IMAGE, DEVCONTAINER_CLI, FLOOR_LABEL, expectSuccess, runCommand, type DockerBenchEnv } from './docker-bench-env.ts';

/** Wall time (ms) of one `docker run --rm IMAGE true`. */
export async function dockerRunOnce(env: DockerBenchEnv): Promise<number> {
  const r = await runCommand('docker', ['run', '--rm', '--label', `${FLOOR_LABEL}=${env.prefix}`, ...env.floorRunArgs(), BENCH_IMAGE, 'true']);
  return expectSuccess('docker run --rm', r).ms;
}

/** How the `docker run` floor appears in the table. */
export function dockerRunFloorName(env: DockerBenchEnv): string {
  return env.floorNetwork === undefined ? 'docker run --rm IMAGE true' : 'docker run --rm --network NET IMAGE true';
}

/**
 * Checks that a plain `docker run` works; when it fails (e.g. the engine's default bridge
 * `docker0` is gone), switches the floors to a network of their own and returns why, or throws
 * when that fails too.
 */
export async function chooseFloorNetwork(env: DockerBenchEnv): Promise<string | undefined> {
  const probe = await runCommand('docker', ['run', '--rm', '--label', `${FLOOR_LABEL}=${env.prefix}`, BENCH_IMAGE, 'true']);
  if (probe.code === 0) return undefined;
  const why = probe.stderr.trim().split('\n')[0] ?? '';
  const network = await env.useFloorNetwork();
  await dockerRunOnce(env);
  return `default bridge unusable (${why}); floors run on network ${network}`;
}

/**
 * `devcontainer up` of a folder whose devcontainer.json names only the bench image. Flags that
 * keep it offline are found once (`prepare`), then each `upOnce` times a fresh container (the
 * previous one is removed first, untimed).
 */
export class DevcontainerFloor {
  readonly folder: string;
  readonly #env: DockerBenchEnv;
  #flags: string[] = [];

  constructor(env: DockerBenchEnv) {
    this.#env = env;
    this.folder = join(env.root, 'devcontainer');
    mkdirSync(join(this.folder, '.devcontainer'), { recursive: true });
    const runArgs = env.floorRunArgs();
    const config = runArgs.length === 0 ? { image: BENCH_IMAGE } : { image: BENCH_IMAGE, runArgs };
    writeFileSync(join(this.folder, '.devcontainer', 'devcontainer.json'), `${JSON.stringify(config)}\n`);
  }

  /**
   * Runs `devcontainer up` once (unmeasured) with the default flags, then with the offline ones;
   * returns the flags that worked, or throws with the last error.
   */
  async prepare(): Promise<string[]> {
    const candidates = [[], ['--update-remote-user-uid-default', 'off'], ['--update-remote-user-uid-default', 'off', '--skip-post-create']];
    let lastError = '';
    for (const flags of candidates) {
      await this.removeContainer();
      const r = await this.#up(flags);
      if (r.code === 0 && r.stdout.includes('"outcome":"success"')) {
        this.#flags = flags;
        return flags;
      }
      lastError = lastLine(r.stdout) || lastLine(r.stderr);
    }
    throw new Error(`devcontainer up failed offline: ${lastError}`);
  }

  /** Wall time (ms) of `devcontainer up` creating a new container. */
  async upOnce(): Promise<number> {
    await this.removeContainer();
    const r = await this.#up(this.#flags);
    if (r.code !== 0) throw new Error(`devcontainer up exited ${String(r.code)}: ${lastLine(r.stdout) || lastLine(r.stderr)}`);
    return r.ms;
  }

  /** Removes the folder's dev container (found by its `devcontainer.local_folder` label). */
  async removeContainer(): Promise<void> {
    const containers = await this.#env.docker.listContainers({ all: true, filters: { label: [`devcontainer.local_folder=${this.folder}`] } });
    await Promise.all(containers.map((c) => this.#env.docker.getContainer(c.Id).remove({ force: true, v: true })));
  }

  #up(flags: string[]): ReturnType<typeof runCommand> {
    return runCommand(process.execPath, [DEVCONTAINER_CLI, 'up', '--workspace-folder', this.folder, ...flags]);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** Starts a long-running floor container (labelled for the sweep); returns its id. */
export async function startFloorContainer(env: DockerBenchEnv): Promise<string> {
  const r = expectSuccess('docker run -d', await runCommand('docker', ['run', '-d', '--label', `${FLOOR_LABEL}=${env.prefix}`, ...env.floorRunArgs(), BENCH_IMAGE, 'sleep', 'infinity']));
  return r.stdout.trim();
}

/** Wall time (ms) of a hand-made switch: `docker pause FROM` then `docker unpause TO`. */
export async function pauseUnpauseOnce(pause: string, unpause: string): Promise<number> {
  const a = expectSuccess('docker pause', await runCommand('docker', ['pause', pause]));
  const b = expectSuccess('docker unpause', await runCommand('docker', ['unpause', unpause]));
  return a.ms + b.ms;
}

/**
 * Wall time (ms) of creating and starting `count` containers at once through the Engine API (what
 * a controller cannot go below); the containers are removed afterwards, untimed.
 */
export async function parallelContainersOnce(env: DockerBenchEnv, count: number): Promise<number> {
  const created: Dockerode.Container[] = [];
  const started = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const container = await env.docker.createContainer({
        Image: BENCH_IMAGE,
        Cmd: ['sleep', 'infinity'],
        Labels: { [FLOOR_LABEL]: env.prefix },
        ...(env.floorNetwork === undefined ? {} : { HostConfig: { NetworkMode: env.floorNetwork } }),
      });
      created.push(container);
      await container.start();
    }),
  );
  const ms = performance.now() - started;
  await Promise.all(created.map((c) => c.remove({ force: true })));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw new Error(`creating ${count} containers failed: ${String(failed.reason)}`);
  return ms;
}

/**
 * The engine's floors of what boulder asks of it per workspace under fan-out, one sample each
 * (wall ms, objects removed afterwards, untimed): `networks` — `count` bridge networks created at
 * once (what a network per workspace cost; workspaces without services no longer have one);
 * `onIsolated` — `count` containers created and started at once on ONE existing user-defined
 * bridge network with inter-container traffic off, as boulder's isolated network is (a user-defined
 * network's start costs more than the default bridge's: the engine sets up its embedded DNS).
 */
export interface FanoutFloors {
  networks: number;
  onIsolated: number;
}

/** Measures `FanoutFloors` once (see there). */
export async function fanoutFloorsOnce(env: DockerBenchEnv, count: number): Promise<FanoutFloors> {
  const seq = Array.from({ length: count }, (_, i) => i);
  const tag = `${Date.now().toString(36)}`;
  const networks: string[] = [];
  const containers: Dockerode.Container[] = [];
  const network = async (name: string, options: Record<string, string> = {}): Promise<string> => {
    const created = await env.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [FLOOR_LABEL]: env.prefix }, Options: options });
    networks.push(created.id);
    return created.id;
  };
  const container = async (networkName: string): Promise<void> => {
    const c = await env.docker.createContainer({
      Image: BENCH_IMAGE,
      Cmd: ['sleep', 'infinity'],
      Labels: { [FLOOR_LABEL]: env.prefix },
      HostConfig: { NetworkMode: networkName },
    });
    containers.push(c);
    await c.start();
  };
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const clean = async (): Promise<void> => {
    await Promise.allSettled(containers.splice(0).map((c) => c.remove({ force: true })));
    await Promise.allSettled(networks.splice(0).map((id) => env.docker.getNetwork(id).remove()));
  };
  try {
    const networksMs = await timed(() => Promise.all(seq.map((i) => network(`${env.prefix}-fl${tag}-${i}`))));
    await clean();
    const isolated = `${env.prefix}-fi${tag}`;
    await network(isolated, { 'com.docker.network.bridge.enable_icc': 'false' });
    const onIsolatedMs = await timed(() => Promise.all(seq.map(() => container(isolated))));
    return { networks: networksMs, onIsolated: onIsolatedMs };
  } finally {
    await clean();
  }
}
