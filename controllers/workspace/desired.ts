/**
 * The desired runtime of a Workspace: a pure function of its spec (no clock, randomness or I/O).
 * An unusable spec yields an InvalidSpecError, which the reconcile turns into a condition.
 */
import type { Workspace, WorkspaceResources } from '../../apis/types/index.ts';
import { TerminalError } from '../runtime/errors.ts';
import { assertBuildPathsRelative } from './build-containment.ts';
import { resolve } from 'node:path';
import {
  runtimeLabels,
  type DesiredRuntime,
  type DesiredService,
  type ImageSource,
  type Mount,
} from '../providers/types.ts';
import { parseCpu, parseMemory } from '../../apis/resources/quantity.ts';
import { RESOURCE_CLASSES } from '../../apis/resources/classes.ts';
import { secretRefsOf } from './secrets.ts';
import { defaulted, desiredStateOf } from '../../apis/defaulted.ts';
import { INVALID_SPEC, USER_LABEL } from '../../apis/names/index.ts';
import { runtimeTarget } from '../providers/target.ts';

/** The runtime identity of a workspace (defined with the Provider contract: providers/target.ts). */
export { runtimeTarget };

/** Where the workspace's files live in its container unless `spec.workspaceFolder` says otherwise. */
export const WORKSPACE_DIR = '/workspace';

/**
 * Where a Sprite workspace's files live unless `spec.workspaceFolder` says otherwise: under the
 * Sprite user's home, which that user can write without sudo (a Sprite has no image to prepare /workspace).
 */
export const SPRITE_WORKSPACE_DIR = '/home/sprite/workspace';

/**
 * Where `ws`'s files live in its container (and its working directory): `spec.workspaceFolder`,
 * else /workspace (a Sprite: /home/sprite/workspace).
 */
export function workspaceFolder(ws: Workspace): string {
  return ws.spec.workspaceFolder ?? (ws.spec.backend === 'sprite' ? SPRITE_WORKSPACE_DIR : WORKSPACE_DIR);
}

/** Inputs resolved by I/O steps before the desired state is computed. */
export interface ResolvedInputs {
  /** The workspace's git worktree, when it has a repository. */
  worktree?: { path: string; commonGitDir: string };
  /** Secret values by environment variable name (never logged or stored). */
  secretEnv: Record<string, string>;
  /** Multi-user node: the owner the runtime runs as (controllers/multi-user). */
  runAs?: { user: string; uid: number; gid: number };
}

/** Computes what should run for `ws`; throws TerminalError (reason InvalidSpec) when it can't. */
export function desiredRuntime(ws: Workspace, inputs: ResolvedInputs = { secretEnv: {} }): DesiredRuntime {
  const target = runtimeTarget(ws);
  const spec = ws.spec;
  const imageSource = imageSourceOf(ws, inputs);
  return {
    target,
    labels: workspaceLabels(ws, inputs.runAs),
    image: imageSource.kind === 'image' ? imageSource.ref : `build:${imageSource.context}`,
    imageSource,
    env: { ...(spec.env ?? {}) },
    secretEnv: { ...inputs.secretEnv },
    ...secretRefsField(ws),
    mounts: usesFileSync(ws) ? syncVolumeMounts(target.uid, workspaceFolder(ws)) : worktreeMounts(inputs.worktree, workspaceFolder(ws)),
    workdir: workspaceFolder(ws),
    ...(inputs.runAs !== undefined ? { runAs: { user: inputs.runAs.user, uid: inputs.runAs.uid, gid: inputs.runAs.gid } } : {}),
    state: desiredStateOf(ws),
    ...resourceLimits(spec.resources),
    containerPorts: Object.values(spec.ports ?? {}).map((p) => p.containerPort),
    services: Object.entries(spec.services ?? {}).map(
      ([name, s]): DesiredService => ({
        name,
        image: s.image,
        env: { ...(s.env ?? {}) },
        command: [...(s.command ?? [])],
        containerPorts: (s.ports ?? []).map((p) => p.containerPort),
        volumes: [...(s.volumes ?? [])],
      }),
    ),
  };
}

/** The labels of every external object of `ws` (plus its owner's name on a multi-user node). */
export function workspaceLabels(ws: Workspace, runAs?: { user: string }): Record<string, string> {
  return { ...runtimeLabels(runtimeTarget(ws)), ...(runAs !== undefined ? { [USER_LABEL]: runAs.user } : {}) };
}

/** The image `spec.image` names (undefined for a build, whose tag needs the worktree). */
export function namedImageOf(ws: Workspace): string | undefined {
  const { image } = defaulted(ws).spec;
  return image !== undefined && image !== '' ? image : undefined;
}

/** `secretRefs` for a kubernetes workspace with `secretRef` secrets (delivered by reference). */
function secretRefsField(ws: Workspace): Pick<DesiredRuntime, 'secretRefs'> {
  if (ws.spec.backend !== 'kubernetes') return {};
  const refs = secretRefsOf(ws.spec.secrets);
  return refs.length === 0 ? {} : { secretRefs: refs };
}

/** The image to run: `spec.image`, or a build of `spec.build` relative to the worktree (or repository). */
export function imageSourceOf(ws: Workspace, inputs: ResolvedInputs): ImageSource {
  const image = namedImageOf(ws);
  const { build } = defaulted(ws).spec;
  if (image !== undefined) return { kind: 'image', ref: image };
  if (build === undefined) throw new TerminalError(INVALID_SPEC, 'spec.image or spec.build is required');
  const root = inputs.worktree?.path ?? ws.spec.repository?.path;
  if (root === undefined) throw new TerminalError(INVALID_SPEC, 'spec.build needs spec.repository: the build context is resolved in its worktree');
  assertBuildPathsRelative(build);
  return {
    kind: 'build',
    context: resolve(root, build.context),
    dockerfile: build.dockerfile,
    args: { ...(build.args ?? {}) },
    ...(build.target !== undefined ? { target: build.target } : {}),
  };
}

/**
 * The worktree at /workspace, and the repository's common git dir at its own absolute path, so
 * the worktree's `.git` file (which points there) resolves inside the container and git works.
 * The worktree is also mounted at its host path: git links of initialised submodules are relative
 * to it, so `git status` in a repository with submodules works from there.
 */
export function worktreeMounts(worktree: ResolvedInputs['worktree'], folder = WORKSPACE_DIR): Mount[] {
  if (worktree === undefined) return [];
  const mounts = [
    { source: worktree.path, target: folder },
    { source: worktree.path, target: worktree.path },
    { source: worktree.commonGitDir, target: worktree.commonGitDir },
  ];
  // A workspace folder equal to one of the host paths is mounted once.
  return mounts.filter((m, i) => mounts.findIndex((o) => o.target === m.target) === i);
}

/**
 * True when the workspace's files are synchronised into a Docker volume instead of bind-mounted
 * (docker backend only for now: other backends get their sync endpoints with their providers).
 */
export function usesFileSync(ws: Workspace): boolean {
  const { spec } = defaulted(ws);
  return spec.sync.mode !== 'bind' && spec.backend === 'docker';
}

/** Name of the volume holding a file-synced workspace's files. */
export function syncVolumeName(workspaceUid: string): string {
  return `nexus-sync-${workspaceUid}`;
}

/** The sync volume at the workspace folder (the SyncSession keeps it in step with the worktree). */
export function syncVolumeMounts(workspaceUid: string, folder = WORKSPACE_DIR): Mount[] {
  const volume = syncVolumeName(workspaceUid);
  return [{ source: volume, volume, target: folder }];
}

/** CPU and memory limits from a resource class and/or explicit quantities (explicit wins). */
export function resourceLimits(resources: WorkspaceResources | undefined): { cpus?: number; memoryBytes?: number } {
  if (resources === undefined) return {};
  const fromClass = resources.class === undefined ? undefined : RESOURCE_CLASSES[resources.class];
  const cpuText = resources.cpu ?? (fromClass === undefined ? undefined : String(fromClass.cpus));
  const memoryText = resources.memory ?? fromClass?.memory;
  const limits: { cpus?: number; memoryBytes?: number } = {};
  if (cpuText !== undefined) {
    const cpus = parseCpu(cpuText);
    if (cpus === undefined) throw new TerminalError(INVALID_SPEC, `spec.resources.cpu: "${cpuText}" is not a CPU quantity (e.g. 2, 0.5, 500m)`);
    limits.cpus = cpus;
  }
  if (memoryText !== undefined) {
    const memoryBytes = parseMemory(memoryText);
    if (memoryBytes === undefined) throw new TerminalError(INVALID_SPEC, `spec.resources.memory: "${memoryText}" is not a memory quantity (e.g. 512Mi, 4Gi)`);
    limits.memoryBytes = memoryBytes;
  }
  return limits;
}
