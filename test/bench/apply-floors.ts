/**
 * The floor components of apply → Ready (issue 19), measured in the same run right after each
 * apply, so its wall time can be attributed: Node's own start (`node -e 0`), `git worktree add`
 * of the same repository, and the engine's cost of what boulder asks of it — a container with the
 * workspace container's own configuration (image, command, mounts, init, network, aliases; read
 * back with inspect) created and started on the network the workspace container is on: the
 * engine's isolated network as it is (a workspace without services; networkCreate 0), or a new
 * user-defined bridge network created first through the Engine API (a workspace with its own).
 * What the apply takes beyond these is boulder's own time (apply-attribution.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { COMPONENT_LABEL } from '../../apis/names/index.ts';
import { FLOOR_LABEL, expectSuccess, runCommand, type DockerBenchEnv } from './docker-bench-env.ts';

/** One run's floor components (ms). */
export interface ApplyFloors {
  /** `node -e 0`, spawn → exit. */
  node: number;
  /** `git worktree add --no-track -b BRANCH PATH HEAD` of the bench repository. */
  gitWorktreeAdd: number;
  /** Engine API: create a labelled bridge network (0 when the workspace is on the isolated network, which exists). */
  networkCreate: number;
  /** Engine API: create the equivalent container on that network. */
  containerCreate: number;
  /** Engine API: start it. */
  containerStart: number;
}

/** `node -e 0`, spawn → exit (ms). */
export async function nodeStartOnce(): Promise<number> {
  return expectSuccess('node -e 0', await runCommand(process.execPath, ['-e', '0'])).ms;
}

/** `git worktree add` of a new branch at HEAD (ms); the worktree and branch are removed untimed. */
export async function gitWorktreeAddOnce(env: DockerBenchEnv, repository: string, suffix: string): Promise<number> {
  const path = join(env.root, `floor-wt-${suffix}`);
  const branch = `bench-floor/${suffix}`;
  const added = expectSuccess('git worktree add', await runCommand('git', ['-C', repository, 'worktree', 'add', '--quiet', '--no-track', '-b', branch, path, 'HEAD']));
  expectSuccess('git worktree remove', await runCommand('git', ['-C', repository, 'worktree', 'remove', '--force', path]));
  expectSuccess('git branch -D', await runCommand('git', ['-C', repository, 'branch', '-D', branch]));
  rmSync(path, { recursive: true, force: true });
  return added.ms;
}

/**
 * The engine's cost of a workspace start: a container configured like `containerId` (the
 * workspace's, still present) created and started on the same isolated network, or on a new
 * bridge network when the workspace has one of its own; all removed untimed.
 */
export async function equivalentStartOnce(env: DockerBenchEnv, containerId: string, suffix: string): Promise<Pick<ApplyFloors, 'networkCreate' | 'containerCreate' | 'containerStart'>> {
  const info = await env.docker.getContainer(containerId).inspect();
  const labels = { [FLOOR_LABEL]: env.prefix };
  const workspaceNetwork = Object.keys(info.NetworkSettings.Networks)[0];
  if (workspaceNetwork === undefined) throw new Error(`workspace container ${containerId} is on no network`);
  const shared = (await env.docker.getNetwork(workspaceNetwork).inspect()).Labels?.[COMPONENT_LABEL] === 'isolated-network';
  let networkName = workspaceNetwork;
  let network: Dockerode.Network | undefined;
  let networkCreate = 0;
  if (!shared) {
    networkName = `${env.prefix}-floor-net-${suffix}`;
    const t = performance.now();
    network = await env.docker.createNetwork({ Name: networkName, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    networkCreate = performance.now() - t;
  }
  let container: Dockerode.Container | undefined;
  try {
    const aliases = Object.values(info.NetworkSettings.Networks).flatMap((n) => (n as { Aliases?: string[] | null }).Aliases ?? []);
    const options: Dockerode.ContainerCreateOptions = {
      name: `${env.prefix}-floor-ws-${suffix}`,
      Image: info.Config.Image,
      Hostname: info.Config.Hostname,
      Entrypoint: info.Config.Entrypoint as string[] | undefined,
      Cmd: info.Config.Cmd ?? [],
      Env: info.Config.Env,
      WorkingDir: info.Config.WorkingDir,
      Labels: labels,
      StopTimeout: 2,
      HostConfig: {
        NetworkMode: networkName,
        Mounts: (info.HostConfig as { Mounts?: Dockerode.MountSettings[] }).Mounts ?? [],
        RestartPolicy: { Name: 'no' },
        Init: info.HostConfig.Init === true,
      },
      NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: aliases.filter((a) => a !== info.Id.slice(0, 12) && a !== info.Config.Hostname) } } },
    };
    let t = performance.now();
    container = await env.docker.createContainer(options);
    const containerCreate = performance.now() - t;
    t = performance.now();
    await container.start();
    const containerStart = performance.now() - t;
    return { networkCreate, containerCreate, containerStart };
  } finally {
    await container?.remove({ force: true, v: true });
    await network?.remove();
  }
}
