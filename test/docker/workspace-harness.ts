/**
 * Harness of the Workspace controller integration tests on the real Docker engine: the daemon's
 * wiring in-process (an embedded store in a temp state dir, a Manager on the real clock,
 * `registerControllers` on a started manager, so Docker events are pumped), Workspace objects in
 * a namespace unique to this vitest run and file, real git repositories, and look-ups on the
 * engine by the `nexus.dev/uid` label.
 *
 * Run identity: every test file of one `vitest run` is a child of the same vitest process, so
 * `process.ppid` names the run. Namespaces are `bwt-<run>-<file tag>`; Docker objects carry the
 * namespace as a label and temp repositories live in `<tmpdir>/boulder-wst-<run>-*`, which lets a
 * file (or the final leftovers check) find exactly what this run created.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { Workspace, WorkspaceSpec } from '../../apis/types/index.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { captureLogs, openTempStore, type TempStore } from '../../controllers/runtime/testing.ts';
import { registerControllers } from '../../controllers/setup.ts';
import type { ProviderRegistry } from '../../controllers/providers/registry.ts';
import { git, initRepo } from '../../controllers/worktree/test-repos.ts';
import { BUSYBOX, docker } from './support.ts';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL, UID_LABEL } from '../../apis/names/index.ts';

export { BUSYBOX, DEBIAN, docker, requireEngine } from './support.ts';

const run = promisify(execFile);

/** This vitest run's id (see the module comment). */
export const RUN_TAG = process.ppid.toString(36);
/** Prefix of every namespace this run uses. */
export const RUN_NAMESPACE_PREFIX = `bwt-${RUN_TAG}-`;
/** Prefix of every temp repository directory this run creates. */
export const RUN_REPO_PREFIX = `boulder-wst-${RUN_TAG}-`;

/** A namespace of this run for one test file. */
export function runNamespace(fileTag: string): string {
  return `${RUN_NAMESPACE_PREFIX}${fileTag}`;
}

/** A service answering HTTP on :8080 with `hello-from-web`, with a named volume. */
export const WEB_SERVICE = {
  image: BUSYBOX,
  command: ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www'],
  ports: [{ containerPort: 8080 }],
  volumes: ['webdata:/data'],
};

/** The controllers running in this process, as `boulder daemon` runs them. */
export interface ControllerHarness {
  client: ResourceClient;
  /** The state dir holding the embedded store (for the CLI's `--state-dir`). */
  stateDir: string;
  manager: Manager;
  providers: ProviderRegistry;
  /** Every log line so far, parsed. */
  logLines(): Record<string, unknown>[];
  /** Stops the manager and the event pumps, closes and removes the store. */
  stop(): Promise<void>;
}

/** Options of `startControllers`. */
export interface StartControllersOptions {
  resyncPeriodMs?: number;
  /**
   * DOCKER_HOST the controllers' Docker provider uses (set only while the provider is created,
   * which is when dockerode reads it); default: the environment's.
   */
  dockerHost?: string;
  /** Multi-user node mode of the controllers (controllers/multi-user). */
  multiUser?: { usersDir: string };
}

/** Starts the controllers against a fresh embedded store (daemon mode: Docker events pumped). */
export async function startControllers(options: StartControllersOptions = {}): Promise<ControllerHarness> {
  const store: TempStore = await openTempStore();
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger, stopTimeoutMs: 10_000 });
  const providers = withDockerHost(options.dockerHost, () =>
    registerControllers(manager, {
      client: store.client,
      clock: realClock,
      logger: logs.logger,
      stateDir: store.dir,
      ...(options.resyncPeriodMs !== undefined ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
      ...(options.multiUser !== undefined ? { multiUser: options.multiUser } : {}),
    }),
  );
  await manager.start();
  let stopped: Promise<void> | undefined;
  return {
    client: store.client,
    stateDir: store.dir,
    manager,
    providers,
    logLines: logs.lines,
    stop: () =>
      (stopped ??= (async () => {
        await manager.stop();
        await store.dispose();
      })()),
  };
}

/** Runs `fn` with DOCKER_HOST set to `host` (when given), restoring the environment afterwards. */
function withDockerHost<T>(host: string | undefined, fn: () => T): T {
  if (host === undefined) return fn();
  const previous = process.env['DOCKER_HOST'];
  process.env['DOCKER_HOST'] = host;
  try {
    return fn();
  } finally {
    if (previous === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = previous;
  }
}

/** A Workspace manifest on the docker backend. */
export function workspaceManifest(namespace: string, name: string, spec: Partial<WorkspaceSpec>, annotations?: Record<string, string>): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: { backend: 'docker', ...spec },
  };
}

/** Reads a workspace; undefined when it does not exist. */
export async function getWorkspace(client: ResourceClient, namespace: string, name: string): Promise<Workspace | undefined> {
  try {
    return await client.get<Workspace>('Workspace', namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** True when Ready is True for the current generation. */
export function isReady(ws: Workspace | undefined): boolean {
  if (ws?.status === undefined) return false;
  const ready = getCondition(ws.status.conditions, 'Ready');
  return ready?.status === 'True' && ws.status.observedGeneration === ws.metadata.generation;
}

/** A condition of the workspace. */
export function conditionOf(ws: Workspace | undefined, type: string): ReturnType<typeof getCondition> {
  return getCondition(ws?.status?.conditions, type);
}

/**
 * Polls the workspace (every 10 ms) until `predicate` holds; returns it. On timeout the error
 * shows the last status seen.
 */
export async function waitForWorkspace(
  client: ResourceClient,
  namespace: string,
  name: string,
  predicate: (ws: Workspace | undefined) => boolean,
  timeoutMs = 20_000,
  what = 'the condition',
): Promise<Workspace | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: Workspace | undefined;
  for (;;) {
    last = await getWorkspace(client, namespace, name);
    if (predicate(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on workspace ${namespace}/${name}; last status: ${JSON.stringify(last?.status, null, 1)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the workspace is Ready for its current generation; returns it. */
export async function waitReady(client: ResourceClient, namespace: string, name: string, timeoutMs = 30_000): Promise<Workspace> {
  return (await waitForWorkspace(client, namespace, name, isReady, timeoutMs, 'Ready'))!;
}

/** Polls `check` every 10 ms until it returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Containers (main and services) carrying a workspace uid, as listed. */
export async function containersOf(uid: string): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${UID_LABEL}=${uid}`] } });
}

/** The inspected main container of a workspace uid, or undefined. */
export async function mainContainer(uid: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  const [found] = await docker.listContainers({ all: true, filters: { label: [`${UID_LABEL}=${uid}`, 'nexus.dev/role=workspace'] } });
  return found === undefined ? undefined : docker.getContainer(found.Id).inspect();
}

/** The inspected service container of a workspace uid, or undefined. */
export async function serviceContainer(uid: string, service: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  const [found] = await docker.listContainers({ all: true, filters: { label: [`${UID_LABEL}=${uid}`, `nexus.dev/service=${service}`] } });
  return found === undefined ? undefined : docker.getContainer(found.Id).inspect();
}

/** Names of the containers, networks and volumes carrying a workspace uid. */
export async function objectsOfUid(uid: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = { label: [`${UID_LABEL}=${uid}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Dockerode.NetworkInspectInfo[]>,
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

/** A boulder-managed Docker object whose namespace label starts with a prefix. */
export interface ManagedObject {
  type: 'container' | 'network' | 'volume' | 'image';
  id: string;
  name: string;
  namespace: string;
}

/** Every boulder-managed container, network, volume and image whose namespace starts with `prefix`. */
export async function managedObjects(prefix: string): Promise<ManagedObject[]> {
  const filters = { label: [`${MANAGED_BY_LABEL}=boulder`] };
  const [containers, networks, volumes, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Dockerode.NetworkInspectInfo[]>,
    docker.listVolumes({ filters }),
    docker.listImages({ filters }),
  ]);
  const found: ManagedObject[] = [
    ...containers.map((c) => ({ type: 'container' as const, id: c.Id, name: c.Names[0] ?? c.Id, labels: c.Labels })),
    ...networks.map((n) => ({ type: 'network' as const, id: n.Id, name: n.Name, labels: n.Labels ?? {} })),
    ...(volumes.Volumes ?? []).map((v) => ({ type: 'volume' as const, id: v.Name, name: v.Name, labels: v.Labels ?? {} })),
    ...images.map((i) => ({ type: 'image' as const, id: i.Id, name: i.RepoTags?.[0] ?? i.Id, labels: i.Labels ?? {} })),
  ].map(({ labels, ...rest }) => ({ ...rest, namespace: labels[NAMESPACE_LABEL] ?? '' }));
  return found.filter((o) => o.namespace.startsWith(prefix));
}

/** Force-removes objects (containers first); errors are ignored (cleanup after a failed test). */
export async function removeObjects(objects: readonly ManagedObject[]): Promise<void> {
  const order = ['container', 'network', 'volume', 'image'] as const;
  for (const type of order) {
    await Promise.all(
      objects
        .filter((o) => o.type === type)
        .map(async (o) => {
          try {
            if (type === 'container') await docker.getContainer(o.id).remove({ force: true, v: true });
            else if (type === 'network') await docker.getNetwork(o.id).remove();
            else if (type === 'volume') await docker.getVolume(o.id).remove({ force: true });
            else await docker.getImage(o.id).remove({ force: true });
          } catch {
            // already gone or still in use: the leftovers assertion reports it
          }
        }),
    );
  }
}

/** Runs `docker exec CONTAINER cmd...`; never throws on a non-zero exit. */
export async function dockerExec(container: string, command: string[], options: { workdir?: string } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const args = ['exec', ...(options.workdir !== undefined ? ['-w', options.workdir] : []), container, ...command];
  try {
    const { stdout, stderr } = await run('docker', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return { exitCode: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { exitCode: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** Temp repositories of this file (removed by `removeRepos`). */
const repoDirs: string[] = [];

/** A new git repository (branch main, one commit) in a temp dir of this run; extra files committed. */
export function newRepo(files: Record<string, string> = {}): string {
  const parent = mkdtempSync(join(tmpdir(), RUN_REPO_PREFIX));
  repoDirs.push(parent);
  const repo = initRepo(parent, 'repo');
  const names = Object.keys(files);
  if (names.length > 0) {
    for (const file of names) writeRepoFile(repo, file, files[file]!);
    git(repo, 'add', '--', ...names);
    git(repo, 'commit', '-q', '-m', 'fixtures');
  }
  return repo;
}

function writeRepoFile(repo: string, file: string, content: string): void {
  const path = join(repo, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Worktrees `git worktree list` reports for `repo`, other than the repository itself. */
export function linkedWorktrees(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length))
    .filter((path) => path !== repo);
}

/** Entries of `<repo>/.nexus/worktrees` (empty when the directory is absent). */
export function worktreeDirs(repo: string): string[] {
  const dir = join(repo, '.nexus', 'worktrees');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Repositories created by this file so far. */
export function createdRepos(): string[] {
  return repoDirs.map((parent) => join(parent, 'repo'));
}

/** Removes this file's temp repositories. */
export function removeRepos(): void {
  for (const dir of repoDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Temp repository directories of this run still present (any file's). */
export function runRepoDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((entry) => entry.startsWith(RUN_REPO_PREFIX))
    .map((entry) => join(tmpdir(), entry));
}

/**
 * The end of a Workspace controller suite: deletes the workspaces a failed test left in
 * `namespace` (letting their finalizers run), stops the controllers, removes the repositories, and
 * returns what outlived them — the namespace's engine objects (removed too) and linked worktrees —
 * for the suite to assert empty.
 */
export async function tearDownNamespace(h: ControllerHarness, namespace: string): Promise<{ leftovers: ManagedObject[]; worktrees: string[] }> {
  const left = await h.client.list<Workspace>('Workspace', { namespace });
  for (const ws of left.items) await h.client.delete('Workspace', namespace, ws.metadata.name).catch(() => undefined);
  await eventually(async () => (await h.client.list('Workspace', { namespace })).items.length === 0, 30_000, 'workspaces deleted').catch(() => undefined);
  await h.stop();
  const leftovers = await managedObjects(namespace);
  await removeObjects(leftovers);
  const worktrees = createdRepos().flatMap((repo) => linkedWorktrees(repo).concat(worktreeDirs(repo).map((d) => `${repo}/.nexus/worktrees/${d}`)));
  removeRepos();
  return { leftovers, worktrees };
}
