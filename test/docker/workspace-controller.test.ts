/**
 * The Workspace controller on the real Docker engine, driven the way `boulder daemon` drives it
 * (embedded store, Manager on the real clock, Docker events pumped): apply → Ready with a git
 * worktree mounted and usable inside the container, env, secrets (in the container only),
 * resources, a service reachable by name, lifecycle scripts; images built from a Dockerfile and
 * images that cannot be pulled; spec.state transitions with their hooks; deletion with the
 * finalizer (worktree kept when dirty, removed when forced). Every object lives in a namespace of
 * this run; afterAll asserts none is left on the engine and no worktree remains.
 */
import {
writeFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { updateWithRetry } from '../../apis/client/update.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { git } from '../../controllers/worktree/test-repos.ts';
import { ensureBuilt, runBoulder } from '../cli/harness.ts';
import { rawEngineRequest } from './support.ts';
import {
  BUSYBOX,
  conditionOf,
  containersOf,
  type ControllerHarness,
  DEBIAN,
  docker,
  dockerExec,
  eventually,
  getWorkspace,
  linkedWorktrees,
  mainContainer,
  newRepo,
  objectsOfUid,
  requireEngine,
  runNamespace,
  serviceContainer,
  startControllers,
  tearDownNamespace,
  waitForWorkspace,
  waitReady,
  WEB_SERVICE,
  workspaceManifest,
} from './workspace-harness.ts';
import { CLEANUP_FINALIZER, FORCE_DELETE_ANNOTATION } from '../../apis/names/index.ts';

const NS = runNamespace('ctl');
let h: ControllerHarness;
const timings: Record<string, number> = {};

// Checked before every test (memoized) so that without an engine each test fails, none skips.
let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX, DEBIAN]);
  await engineReady;
});

beforeAll(async () => {
  h = await startControllers();
});

afterAll(async () => {
  // Delete what the tests left (a failed test), let the finalizer run, then check the engine.
  const { leftovers, worktrees } = await tearDownNamespace(h, NS);
  console.info(`[workspace-controller] timings (ms): ${JSON.stringify(timings)}`);
  expect(leftovers).toEqual([]);
  expect(worktrees).toEqual([]);
}, 60_000);

/** Creates a workspace and returns it as stored (with uid). */
async function apply(ws: Workspace): Promise<Workspace> {
  return h.client.create(ws);
}

/** Deletes a workspace and waits until the object is gone (finalizer released). */
async function deleteAndWait(name: string): Promise<void> {
  await h.client.delete('Workspace', NS, name);
  await waitForWorkspace(h.client, NS, name, (ws) => ws === undefined, 30_000, 'deletion');
}

/** A bash snippet fetching http://web:8080/ through /dev/tcp, retrying while httpd starts. */
const FETCH_WEB = `for i in $(seq 1 100); do
  if exec 3<>/dev/tcp/web/8080 2>/dev/null; then
    printf 'GET / HTTP/1.0\\r\\nHost: web\\r\\n\\r\\n' >&3; cat <&3; exit 0
  fi
  sleep 0.05
done; echo unreachable >&2; exit 1`;

describe('apply → Ready', () => {
  it('brings up a full workspace: worktree, env, secrets, resources, service, scripts, status', async () => {
    const repo = newRepo({ 'app/main.txt': 'tracked\n' });
    const secretFromEnv = `env-secret-${Math.random().toString(36).slice(2)}`;
    const secretFromFile = `file-secret-${Math.random().toString(36).slice(2)}`;
    const secretsDir = await mkdtemp(path.join(tmpdir(), 'bwt-secret-'));
    const secretFile = path.join(secretsDir, 'token');
    await writeFile(secretFile, `${secretFromFile}\n`);
    const envVar = `BOULDER_WST_SECRET_${process.pid}`;
    process.env[envVar] = secretFromEnv;
    const name = 'full';
    try {
      const started = performance.now();
      const created = await apply(
        workspaceManifest(NS, name, {
          image: DEBIAN,
          repository: { path: repo },
          env: { GREETING: 'hello', EDITOR: 'vi' },
          secrets: [
            { name: 'API_TOKEN', fromEnv: envVar },
            { name: 'FILE_TOKEN', fromFile: secretFile },
          ],
          resources: { class: 'small' },
          services: { web: WEB_SERVICE },
          scripts: {
            preStart: 'echo pre >> /tmp/prestart.count; echo preStart-output-line',
            postStart: 'echo post >> /tmp/poststart.count; echo postStart says hi',
          },
        }),
      );
      const ws = await waitReady(h.client, NS, name);
      timings['applyToReadyFull'] = Math.round(performance.now() - started);
      const uid = created.metadata.uid!;

      // --- status ---
      const status = ws.status!;
      const worktreePath = path.join(repo, '.nexus', 'worktrees', name);
      const main = (await mainContainer(uid))!;
      const image = await docker.getImage(DEBIAN).inspect();
      expect(ws.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
      expect(status.phase).toBe('Running');
      expect(status.observedGeneration).toBe(ws.metadata.generation);
      expect(status.containerId).toBe(main.Id);
      expect(status.worktreePath).toBe(worktreePath);
      expect(status.branch).toBe(`nexus/${name}`);
      expect(status.imageDigest).toBe(image.RepoDigests?.[0] ?? image.Id);
      expect(status.timings?.createMs).toBeGreaterThan(0);
      expect(status.timings?.createMs).toBeLessThan(timings['applyToReadyFull']);
      expect(Date.parse(status.lastActiveAt!)).toBeGreaterThan(Date.now() - 60_000);
      for (const type of ['WorktreeReady', 'ContainerReady', 'ServicesReady', 'HooksSucceeded', 'Ready']) {
        expect(conditionOf(ws, type), type).toMatchObject({ status: 'True', observedGeneration: ws.metadata.generation });
      }
      expect(conditionOf(ws, 'WorktreeReady')?.message).toContain(`on nexus/${name}`);
      expect(conditionOf(ws, 'ServicesReady')).toMatchObject({ reason: 'ServicesRunning', message: '1 service(s) running' });
      expect(conditionOf(ws, 'HooksSucceeded')).toMatchObject({ reason: 'Succeeded', message: 'preStart, postStart succeeded' });
      expect(status.scripts).toEqual({
        containerId: main.Id,
        preStart: { exitCode: 0, output: 'preStart-output-line' },
        postStart: { exitCode: 0, output: 'postStart says hi' },
      });

      // --- the engine: container, labels, limits, mounts, network ---
      expect(main.State.Running).toBe(true);
      expect(main.Config.Labels).toMatchObject({
        'nexus.dev/workspace': name,
        'nexus.dev/namespace': NS,
        'nexus.dev/uid': uid,
        'app.kubernetes.io/managed-by': 'boulder',
        'nexus.dev/role': 'workspace',
      });
      expect(main.HostConfig.NanoCpus).toBe(1e9);
      expect(main.HostConfig.Memory).toBe(2 * 1024 ** 3);
      expect(main.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', 'EDITOR=vi', `API_TOKEN=${secretFromEnv}`, `FILE_TOKEN=${secretFromFile}`]));
      expect(main.Mounts.find((m) => m.Destination === '/workspace')?.Source).toBe(worktreePath);
      const web = (await serviceContainer(uid, 'web'))!;
      expect(web.State.Running).toBe(true);
      expect(web.Config.Labels).toMatchObject({ 'nexus.dev/uid': uid, 'nexus.dev/role': 'service', 'nexus.dev/service': 'web' });
      expect(Object.keys(main.NetworkSettings.Networks)).toEqual(Object.keys(web.NetworkSettings.Networks));

      // --- inside the container: git, env, secrets, the service by name ---
      expect(await dockerExec(main.Id, ['git', 'rev-parse', '--abbrev-ref', 'HEAD'])).toMatchObject({ exitCode: 0, stdout: `nexus/${name}\n` });
      const gitStatus = await dockerExec(main.Id, ['git', 'status', '--porcelain=v1', '--branch']);
      expect(gitStatus).toMatchObject({ exitCode: 0, stdout: `## nexus/${name}\n` });
      expect((await dockerExec(main.Id, ['cat', 'app/main.txt'])).stdout).toBe('tracked\n');
      expect((await dockerExec(main.Id, ['pwd'])).stdout).toBe('/workspace\n');
      const env = await dockerExec(main.Id, ['sh', '-c', 'echo "$GREETING|$API_TOKEN|$FILE_TOKEN"']);
      expect(env.stdout).toBe(`hello|${secretFromEnv}|${secretFromFile}\n`);
      // A change made inside the container is visible to git on the host, on the workspace branch.
      await dockerExec(main.Id, ['sh', '-c', 'echo from-container > made-inside.txt']);
      expect(git(worktreePath, 'status', '--porcelain')).toBe('?? made-inside.txt');
      await rm(path.join(worktreePath, 'made-inside.txt'));
      const fetched = await dockerExec(main.Id, ['bash', '-c', FETCH_WEB]);
      expect(fetched.exitCode, fetched.stderr).toBe(0);
      expect(fetched.stdout).toMatch(/^HTTP\/1\.[01] 200/);
      expect(fetched.stdout).toContain('hello-from-web');

      // --- scripts ran once: another reconcile (after a metadata change) does not rerun them ---
      const reconciledLines = (): number => h.logLines().filter((l) => l['key'] === `${NS}/${name}` && l['msg'] === 'reconciled').length;
      const reconcilesBefore = reconciledLines();
      // The controller writes status meanwhile: update with re-read and retry on Conflict.
      await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({ ...w, metadata: { ...w.metadata, labels: { touched: 'yes' } } }));
      await eventually(() => reconciledLines() > reconcilesBefore, 10_000, 'a reconcile after the metadata change');
      expect((await dockerExec(main.Id, ['cat', '/tmp/prestart.count', '/tmp/poststart.count'])).stdout).toBe('pre\npost\n');
      expect(h.logLines().filter((l) => l['key'] === `${NS}/${name}` && l['msg'] === 'preStart ran')).toHaveLength(1);

      // --- secrets appear in no output: status, get -o yaml, logs, labels, network ---
      const after = (await getWorkspace(h.client, NS, name))!;
      await ensureBuilt();
      const yaml = await runBoulder(['get', 'ws', name, '-n', NS, '-o', 'yaml', '--state-dir', h.stateDir]);
      expect(yaml.code, yaml.stderr).toBe(0);
      expect(yaml.stdout).toContain(`name: ${name}`);
      expect(yaml.stdout).toContain(`fromEnv: ${envVar}`);
      expect(yaml.stdout).toContain('phase: Running');
      const network = await docker.getNetwork(Object.keys(main.NetworkSettings.Networks)[0]!).inspect();
      const logs = JSON.stringify(h.logLines());
      expect(h.logLines().some((l) => String(l['msg']).includes('postStart ran'))).toBe(true);
      for (const secret of [secretFromEnv, secretFromFile]) {
        expect(JSON.stringify(after)).not.toContain(secret);
        expect(yaml.stdout + yaml.stderr).not.toContain(secret);
        expect(logs).not.toContain(secret);
        expect(JSON.stringify(main.Config.Labels)).not.toContain(secret);
        expect(JSON.stringify(web)).not.toContain(secret);
        expect(JSON.stringify(network)).not.toContain(secret);
      }

      await deleteAndWait(name);
      expect(await objectsOfUid(uid)).toEqual({ containers: [], networks: [], volumes: [] });
    } finally {
      delete process.env[envVar];
      await rm(secretsDir, { recursive: true, force: true });
    }
  });

  it('reports a failing postStart as HooksSucceeded=False with its exit status and output', async () => {
    const name = 'badhook';
    const created = await apply(
      workspaceManifest(NS, name, {
        image: BUSYBOX,
        scripts: { preStart: 'echo ready', postStart: 'echo first line; echo "boom: cannot start dev server" >&2; exit 3' },
      }),
    );
    const ws = (await waitForWorkspace(h.client, NS, name, (w) => conditionOf(w, 'HooksSucceeded')?.status === 'False', 20_000, 'HooksSucceeded=False'))!;
    expect(conditionOf(ws, 'HooksSucceeded')).toMatchObject({
      reason: 'PostStartFailed',
      message: 'postStart exited with status 3: first line | boom: cannot start dev server',
    });
    expect(conditionOf(ws, 'Ready')).toMatchObject({ status: 'False' });
    expect(conditionOf(ws, 'ContainerReady')).toMatchObject({ status: 'True' });
    expect(ws.status?.scripts).toMatchObject({
      containerId: ws.status?.containerId,
      preStart: { exitCode: 0, output: 'ready' },
      postStart: { exitCode: 3, output: 'first line\nboom: cannot start dev server' },
    });
    expect((await mainContainer(created.metadata.uid!))?.State.Running).toBe(true);
    await deleteAndWait(name);
  });
});

describe('images', () => {
  it('builds the image from a Dockerfile in the repository; a second workspace reuses the build', async () => {
    const repo = newRepo({
      'Dockerfile': 'FROM boulder-test/busybox:latest\nCOPY hello.txt /opt/hello.txt\n',
      '.dockerignore': '.git\n',
      'hello.txt': 'built from the repo\n',
    });
    const spec = { build: { context: '.' }, repository: { path: repo } };
    const started = performance.now();
    const first = await apply(workspaceManifest(NS, 'build-a', spec));
    const a = await waitReady(h.client, NS, 'build-a', 60_000);
    timings['applyToReadyBuild'] = Math.round(performance.now() - started);
    const mainA = (await mainContainer(first.metadata.uid!))!;
    expect(mainA.Config.Image).toMatch(/^nexus-build\//);
    expect((await dockerExec(mainA.Id, ['cat', '/opt/hello.txt'])).stdout).toBe('built from the repo\n');
    const imageA = await docker.getImage(mainA.Image).inspect();
    expect(a.status?.imageDigest).toBe(imageA.Id);

    const secondStarted = performance.now();
    const second = await apply(workspaceManifest(NS, 'build-b', spec));
    const b = await waitReady(h.client, NS, 'build-b', 60_000);
    timings['applyToReadySecondBuild'] = Math.round(performance.now() - secondStarted);
    const mainB = (await mainContainer(second.metadata.uid!))!;
    expect((await dockerExec(mainB.Id, ['cat', '/opt/hello.txt'])).stdout).toBe('built from the repo\n');
    const imageB = await docker.getImage(mainB.Image).inspect();
    expect(b.status?.imageDigest).toBe(imageB.Id);
    // The second build reuses every layer of the first (Docker's build cache): same filesystem.
    // The image id differs: the provider tags builds per workspace (nexus-build/<uid8>:<hash>) and
    // labels them with the workspace uid, so each workspace owns (and deletes) its own image.
    expect(imageB.RootFS.Layers).toEqual(imageA.RootFS.Layers);
    await deleteAndWait('build-a');
    await deleteAndWait('build-b');
  });

  it('reports an image that cannot be pulled as ImagePullFailed and retries with backoff, not in a hot loop', async () => {
    const name = 'nopull';
    const ref = 'nonexistent.invalid/nope:1';
    const raw = await rawEngineRequest('POST', `/images/create?fromImage=${encodeURIComponent('nonexistent.invalid/nope')}&tag=1`);
    expect(raw.status).toBeGreaterThanOrEqual(400);
    const daemonSays = (JSON.parse(raw.body) as { message: string }).message;
    expect(daemonSays).toMatch(/nonexistent\.invalid/);
    const key = `${NS}/${name}`;
    await apply(workspaceManifest(NS, name, { image: ref }));
    const ws = await waitForWorkspace(h.client, NS, name, (w) => conditionOf(w, 'ContainerReady')?.status === 'False', 20_000, 'ContainerReady=False');
    const firstFailure = performance.now();
    expect(conditionOf(ws, 'ContainerReady')).toMatchObject({ reason: 'ImagePullFailed', message: `pulling ${ref}: ${daemonSays.trim()}` });
    expect(conditionOf(ws, 'Ready')).toMatchObject({ status: 'False', reason: 'ImagePullFailed' });
    expect(ws?.status?.phase).not.toBe('Failed');

    await new Promise((r) => setTimeout(r, 3000));
    const reconciles = h.logLines().filter((l) => l['key'] === key && l['msg'] === 'reconciled');
    const elapsed = performance.now() - firstFailure;
    const failures = reconciles.filter((l) => l['outcome'] === 'error');
    timings['pullFailureReconcilesIn3s'] = reconciles.length;
    // The first reconcile adds the finalizer; every later one fails and is retried with a growing
    // delay (100 ms doubling): about six attempts in ~3 s, where a hot loop would make hundreds.
    expect(reconciles.slice(1)).toEqual(failures);
    expect(failures.every((l) => String(l['error']).includes('nonexistent.invalid'))).toBe(true);
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.length).toBeLessThanOrEqual(10);
    const delays = failures.map((l) => Number(l['requeueAfterMs']));
    expect(delays.at(-1)!).toBeGreaterThan(4 * delays[0]!);
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(await containersOf((await getWorkspace(h.client, NS, name))!.metadata.uid!)).toEqual([]);
    await deleteAndWait(name);
  });
});

describe('spec.state', () => {
  it('pauses, stops and resumes the containers, running onSleep/onWake at the transitions', async () => {
    const name = 'states';
    const started = performance.now();
    const created = await apply(
      workspaceManifest(NS, name, {
        image: BUSYBOX,
        services: { web: WEB_SERVICE },
        hooks: { onSleep: 'echo sleep >> /tmp/hooks.log', onWake: 'echo wake >> /tmp/hooks.log' },
      }),
    );
    const uid = created.metadata.uid!;
    await waitReady(h.client, NS, name);
    timings['applyToReadyBusyboxWithService'] = Math.round(performance.now() - started);

    const setState = async (state: 'Running' | 'Paused' | 'Stopped'): Promise<Workspace> => {
      await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({ ...w, spec: { ...w.spec, state } }));
      return waitReady(h.client, NS, name);
    };
    const engineState = async (): Promise<{ main: string; web: string }> => {
      const [main, web] = await Promise.all([mainContainer(uid), serviceContainer(uid, 'web')]);
      return { main: main!.State.Status, web: web!.State.Status };
    };
    const hooksLog = async (): Promise<string> => (await dockerExec((await mainContainer(uid))!.Id, ['cat', '/tmp/hooks.log'])).stdout;

    const paused = await setState('Paused');
    expect(paused.status?.phase).toBe('Paused');
    expect(conditionOf(paused, 'ContainerReady')).toMatchObject({ status: 'True', reason: 'Paused' });
    expect(conditionOf(paused, 'ServicesReady')).toMatchObject({ status: 'True', reason: 'ServicesPaused' });
    expect(await engineState()).toEqual({ main: 'paused', web: 'paused' });
    expect((await mainContainer(uid))!.State.Paused).toBe(true);

    const resumed = await setState('Running');
    expect(resumed.status?.phase).toBe('Running');
    expect(await engineState()).toEqual({ main: 'running', web: 'running' });
    expect(await hooksLog()).toBe('sleep\nwake\n');

    const stopped = await setState('Stopped');
    expect(stopped.status?.phase).toBe('Stopped');
    const mainStopped = (await mainContainer(uid))!;
    expect(mainStopped.State.Running).toBe(false);
    expect(mainStopped.Id).toBe(resumed.status?.containerId);
    expect(await engineState()).toEqual({ main: 'exited', web: 'exited' });

    const again = await setState('Running');
    expect(again.status?.containerId).toBe(mainStopped.Id);
    expect(await engineState()).toEqual({ main: 'running', web: 'running' });
    expect(await hooksLog()).toBe('sleep\nwake\nsleep\nwake\n');
    expect(conditionOf(again, 'HooksSucceeded')).toMatchObject({ status: 'True' });
    // Spec-driven transitions are not drift: nothing is recorded as a repair.
    expect(again.status?.repairs).toBeUndefined();
    await deleteAndWait(name);
  });
});

describe('deletion', () => {
  it('removes containers, network, volumes and the worktree, keeping the branch', async () => {
    const repo = newRepo();
    const name = 'gone';
    const created = await apply(workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo }, services: { web: WEB_SERVICE } }));
    const uid = created.metadata.uid!;
    const ws = await waitReady(h.client, NS, name);
    const before = await objectsOfUid(uid);
    expect(before.containers).toHaveLength(2);
    expect(before.networks).toHaveLength(1);
    expect(before.volumes).toHaveLength(1);
    expect(existsSync(ws.status!.worktreePath!)).toBe(true);

    await deleteAndWait(name);
    expect(await objectsOfUid(uid)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(existsSync(ws.status!.worktreePath!)).toBe(false);
    expect(linkedWorktrees(repo)).toEqual([]);
    expect(git(repo, 'branch', '--list', `nexus/${name}`)).toContain(`nexus/${name}`);
  });

  it('keeps a worktree with uncommitted changes (the object is still deleted), and removes it when forced', async () => {
    const repo = newRepo();
    const kept = 'dirty';
    const created = await apply(workspaceManifest(NS, kept, { image: BUSYBOX, repository: { path: repo } }));
    const ws = await waitReady(h.client, NS, kept);
    const worktree = ws.status!.worktreePath!;
    await writeFile(path.join(worktree, 'work-in-progress.txt'), 'not committed\n');

    await deleteAndWait(kept);
    expect(await objectsOfUid(created.metadata.uid!)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await readFile(path.join(worktree, 'work-in-progress.txt'), 'utf8')).toBe('not committed\n');
    expect(linkedWorktrees(repo)).toEqual([worktree]);
    const keptLine = h.logLines().find((l) => String(l['msg']).startsWith(`kept the worktree of workspace/${kept}`));
    expect(keptLine).toMatchObject({ reason: 'UncommittedChanges' });
    expect(String(keptLine?.['msg'])).toContain('work-in-progress.txt');

    // Same name again: the kept worktree is reused, then deleted with force-delete.
    const forced = await apply(workspaceManifest(NS, kept, { image: BUSYBOX, repository: { path: repo } }, { [FORCE_DELETE_ANNOTATION]: 'true' }));
    const again = await waitReady(h.client, NS, kept);
    expect(again.status?.worktreePath).toBe(worktree);
    expect(await readFile(path.join(worktree, 'work-in-progress.txt'), 'utf8')).toBe('not committed\n');
    await deleteAndWait(kept);
    expect(await objectsOfUid(forced.metadata.uid!)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(existsSync(worktree)).toBe(false);
    expect(linkedWorktrees(repo)).toEqual([]);
  });
});

