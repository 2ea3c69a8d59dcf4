/**
 * Docker create options of a workspace's containers (pure: desired runtime in, options out).
 * The main container runs a keep-alive command so images whose default command exits stay up,
 * under Docker's init so signals are handled and `docker stop` is fast; no host ports are
 * published (PortBinding resources do that) and the restart policy is `no` (the controller repairs).
 */
import type Dockerode from 'dockerode';
import type { DesiredRuntime, DesiredService } from '../types.ts';
import { objectLabels } from './labels.ts';
import { hostName, volumeName } from './names.ts';
import { RUN_AS_LABEL } from '../../../apis/names/index.ts';

/** Keeps the main container alive until it is stopped; exits at once on TERM/INT. */
export const KEEP_ALIVE_COMMAND = ['sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

/** Seconds Docker waits after the stop signal before killing (also used by `stop`). */
export const STOP_TIMEOUT_SECONDS = 2;

/** Inputs of the main container's options besides the desired runtime. */
export interface WorkspaceContainerInputs {
  name: string;
  networkName: string;
  /** Its aliases on that network (none on the shared isolated network). */
  aliases: string[];
  /** Image ref or build tag to create from. */
  imageRef: string;
  imageDigest?: string;
  configHash: string;
}

/** Create options of the workspace's main container. */
export function workspaceContainerSpec(desired: DesiredRuntime, inputs: WorkspaceContainerInputs): Dockerode.ContainerCreateOptions {
  const hostConfig: Dockerode.HostConfig = {
    NetworkMode: inputs.networkName,
    Mounts: desired.mounts.map((m) =>
      m.volume !== undefined
        ? { Type: 'volume' as const, Source: m.volume, Target: m.target, ReadOnly: m.readOnly === true }
        : { Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly === true },
    ),
    RestartPolicy: { Name: 'no' },
    Init: true,
  };
  if (desired.cpus !== undefined) hostConfig.NanoCpus = Math.round(desired.cpus * 1e9);
  if (desired.memoryBytes !== undefined) hostConfig.Memory = desired.memoryBytes;
  return {
    name: inputs.name,
    Image: inputs.imageRef,
    Hostname: hostName(desired.target),
    Entrypoint: KEEP_ALIVE_COMMAND,
    Cmd: [],
    Env: envList({ ...desired.env, ...desired.secretEnv }),
    WorkingDir: desired.workdir,
    Labels: {
      ...objectLabels(desired.labels, 'workspace', {
        configHash: inputs.configHash,
        ...(inputs.imageDigest === undefined ? {} : { imageDigest: inputs.imageDigest }),
      }),
      ...(desired.runAs !== undefined ? { [RUN_AS_LABEL]: runAsUser(desired) } : {}),
    },
    // Multi-user node: the owner's uid:gid, so files it writes in the bind-mounted worktree stay theirs.
    ...(desired.runAs !== undefined ? { User: runAsUser(desired) } : {}),
    ExposedPorts: exposedPorts(desired.containerPorts),
    StopTimeout: STOP_TIMEOUT_SECONDS,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: { [inputs.networkName]: { Aliases: inputs.aliases } } },
  };
}

/** Inputs of a service container's options besides the desired runtime and the service. */
export interface ServiceContainerInputs {
  name: string;
  networkName: string;
  configHash: string;
  imageDigest?: string;
}

/** Create options of a service container, reachable on the workspace network by its service name. */
export function serviceContainerSpec(
  desired: DesiredRuntime,
  service: DesiredService,
  inputs: ServiceContainerInputs,
): Dockerode.ContainerCreateOptions {
  const labels = objectLabels(desired.labels, 'service', {
    service: service.name,
    configHash: inputs.configHash,
    ...(inputs.imageDigest === undefined ? {} : { imageDigest: inputs.imageDigest }),
  });
  const volumeLabels = objectLabels(desired.labels, 'volume', { service: service.name });
  const spec: Dockerode.ContainerCreateOptions = {
    name: inputs.name,
    Image: service.image,
    Hostname: service.name,
    Env: envList(service.env),
    Labels: labels,
    ExposedPorts: exposedPorts(service.containerPorts),
    StopTimeout: STOP_TIMEOUT_SECONDS,
    HostConfig: {
      NetworkMode: inputs.networkName,
      Mounts: service.volumes.map((spec) => serviceMount(desired, spec, volumeLabels)),
      RestartPolicy: { Name: 'no' },
      Init: true,
    },
    NetworkingConfig: { EndpointsConfig: { [inputs.networkName]: { Aliases: [service.name] } } },
  };
  if (service.command.length > 0) spec.Cmd = service.command;
  return spec;
}

/** A parsed service volume spec. */
export interface ServiceVolume {
  type: 'volume' | 'bind';
  /** Host path (bind) or the workspace-local volume name as written (volume). */
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * Parses a Docker-style volume spec: `name:/path` (a named volume owned by the workspace) or
 * `/host/path:/path`, each optionally followed by `:ro` or `:rw`. Throws on anything else.
 */
export function parseServiceVolume(spec: string): ServiceVolume {
  const parts = spec.split(':');
  const [source, target, mode] = parts;
  const valid =
    parts.length >= 2 &&
    parts.length <= 3 &&
    source !== undefined &&
    source !== '' &&
    target !== undefined &&
    target.startsWith('/') &&
    (mode === undefined || mode === 'ro' || mode === 'rw');
  if (!valid) throw new Error(`volume "${spec}" is not NAME:/PATH or /HOST/PATH:/PATH (optionally :ro or :rw)`);
  const isBind = source.startsWith('/');
  if (!isBind && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source)) {
    throw new Error(`volume "${spec}": "${source}" is neither an absolute host path nor a volume name`);
  }
  return { type: isBind ? 'bind' : 'volume', source, target, readOnly: mode === 'ro' };
}

/** Docker mount of a service volume spec; named volumes get a workspace-scoped, labelled volume. */
function serviceMount(desired: DesiredRuntime, spec: string, labels: Record<string, string>): Dockerode.MountSettings {
  const volume = parseServiceVolume(spec);
  if (volume.type === 'bind') return { Type: 'bind', Source: volume.source, Target: volume.target, ReadOnly: volume.readOnly };
  return {
    Type: 'volume',
    Source: volumeName(desired.target, volume.source, desired.runAs?.user),
    Target: volume.target,
    ReadOnly: volume.readOnly,
    // Docker creates a missing volume with these labels, so it is found (and deleted) by label.
    VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } },
  };
}

/** The `uid:gid` of a multi-user workspace's owner (Docker's `User`). */
function runAsUser(desired: DesiredRuntime): string {
  return `${desired.runAs?.uid ?? ''}:${desired.runAs?.gid ?? ''}`;
}

/** ObservedRuntime.detail (the ContainerReady message) of a container run as `user` with `uidGid` (`uid:gid`). */
export function runAsDetail(user: string | undefined, uidGid: string): string {
  return `runs as ${user ?? 'its owner'} (uid:gid ${uidGid})`;
}

/** The detail of the main container `desired` creates: who it runs as on a multi-user node; else undefined. */
export function desiredRunAsDetail(desired: DesiredRuntime): string | undefined {
  return desired.runAs === undefined ? undefined : runAsDetail(desired.runAs.user, runAsUser(desired));
}

/** `KEY=value` lines sorted by key. */
function envList(env: Record<string, string>): string[] {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

function exposedPorts(ports: number[]): Record<string, object> {
  return Object.fromEntries(ports.map((port) => [`${port}/tcp`, {}]));
}
