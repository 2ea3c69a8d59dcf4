/**
 * The Docker provider against the real engine (DOCKER_HOST or the default socket): creation and
 * idempotence, recreation on change, the isolated network of workspaces without services and
 * services on a network of the workspace's own, lifecycle states, exec,
 * logs, limits, secrets, builds, pull failures, drift repair, events (with a reconnect), delete,
 * and timings. The suite fails (never skips) when no engine answers. Every object carries this
 * run's marker label; the last check asserts none is left.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../apis/errors.ts';
import { ProviderError } from '../../controllers/providers/errors.ts';
import { createDockerProvider } from '../../controllers/providers/docker/index.ts';
import { IsolatedNetworkMaker } from '../../controllers/providers/docker/isolated-network.ts';
import { ensureBuiltImage, resolveBuildTag } from '../../controllers/providers/docker/image-build.ts';
import { imageDigest as imageDigestOf } from '../../controllers/providers/docker/image-pull.ts';
import type { DesiredService, ProgressEvent, ProviderEvent, RuntimeTarget } from '../../controllers/providers/types.ts';
import { startLocalRegistry } from './local-registry.ts';
import {
  BUSYBOX,
  DEBIAN,
  desiredFor,
  docker,
  EngineProxy,
  inspectContainer,
  labelledObjects,
  median,
  newTarget,
  rawEngineRequest,
  requireEngine,
  RUN_ID,
  RUN_LABEL,
  sink,
  waitFor,
} from './support.ts';

const provider = createDockerProvider();
const created: RuntimeTarget[] = [];
const cleanups: (() => Promise<void>)[] = [];
const tempDirs: string[] = [];

/** A fresh workspace identity, deleted after the test. */
function workspace(label: string): RuntimeTarget {
  const target = newTarget(label);
  created.push(target);
  return target;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'boulder-dp-'));
  tempDirs.push(dir);
  return dir;
}

const webService: DesiredService = {
  name: 'web',
  image: BUSYBOX,
  env: {},
  command: ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www'],
  containerPorts: [8080],
  volumes: ['webdata:/data'],
};

/** Runs `wget` from the workspace until the service answers (httpd needs a moment to listen). */
async function fetchFromWorkspace(target: RuntimeTarget, url: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const result = await provider.exec(target, ['wget', '-qO-', url]);
    if (result.exitCode === 0) return result.stdout;
    last = result.stderr;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered: ${last}`);
}

/** The engine's isolated network as the provider names it (made once before the tests, so change lists do not depend on the order). */
const ISOLATED = 'nexus-isolated';

// Checked before every test (once, memoized) so that without an engine each test fails, none skips.
let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX, DEBIAN]).then(async () => {
    expect((await new IsolatedNetworkMaker().make(docker)).name).toBe(ISOLATED);
  });
  await engineReady;
});

afterEach(async () => {
  for (const target of created.splice(0)) await provider.delete(target);
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  expect(await labelledObjects(`${RUN_LABEL}=${RUN_ID}`)).toEqual({ containers: [], networks: [], volumes: [], images: [] });
});

describe('ensure and observe', () => {
  it('creates a workspace, observes it, and a second ensure changes nothing', async () => {
    const target = workspace('create');
    const src = await tempDir();
    const ro = await tempDir();
    await writeFile(path.join(src, 'hello.txt'), 'hello from the host\n');
    const desired = desiredFor(target, {
      env: { GREETING: 'hi' },
      containerPorts: [8080],
      mounts: [
        { source: src, target: '/workspace' },
        { source: ro, target: '/ro', readOnly: true },
      ],
    });
    expect(await provider.observe(target)).toBeUndefined();

    const first = await provider.ensure(desired);
    expect(first).toMatchObject({ outcome: 'created', containerCreated: true });
    expect(first.changes).toEqual(['container created', 'container started']);
    const image = await docker.getImage(BUSYBOX).inspect();
    expect(first.observed).toEqual({ id: first.observed.id, state: 'Running', image: BUSYBOX, imageDigest: image.RepoDigests?.[0] ?? image.Id, services: {} });
    expect(await provider.observe(target)).toEqual(first.observed);

    const second = await provider.ensure(desired);
    // The per-phase timings (status.timings.phases) are durations only; everything else is exact.
    const { phases, ...secondWithoutPhases } = second;
    expect(secondWithoutPhases).toEqual({ outcome: 'unchanged', changes: [], observed: first.observed, containerCreated: false });
    expect(Object.values(phases ?? {}).every((ms) => typeof ms === 'number' && ms >= 0)).toBe(true);

    const info = await inspectContainer(target);
    expect(info.Name).toBe(`/nexus-dptest-${target.name}`);
    expect(info.Config.Labels).toMatchObject({ ...desired.labels, 'nexus.dev/role': 'workspace' });
    expect(info.Config.Labels['nexus.dev/config-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(info.Config.WorkingDir).toBe('/workspace');
    expect(info.Config.Hostname).toBe(target.name);
    expect(Object.keys(info.Config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(Object.keys(info.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    // No services: no network of its own, the engine's isolated one.
    expect((await labelledObjects(`nexus.dev/uid=${target.uid}`)).networks).toEqual([]);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([ISOLATED]);

    expect(await provider.exec(target, ['cat', '/workspace/hello.txt'])).toEqual({ exitCode: 0, stdout: 'hello from the host\n', stderr: '' });
    expect((await provider.exec(target, ['pwd'])).stdout).toBe('/workspace\n');
    expect((await provider.exec(target, ['sh', '-c', 'echo $GREETING'])).stdout).toBe('hi\n');
    const readOnly = await provider.exec(target, ['touch', '/ro/x']);
    expect(readOnly.exitCode).not.toBe(0);
    expect(readOnly.stderr).toMatch(/Read-only file system/);
  });

  it('recreates the container when env or image change, and only then', async () => {
    const target = workspace('recreate');
    const first = await provider.ensure(desiredFor(target, { env: { A: '1' } }));
    const envChanged = await provider.ensure(desiredFor(target, { env: { A: '2' } }));
    expect(envChanged).toMatchObject({ outcome: 'updated', containerCreated: true, changes: ['container recreated (config changed)', 'container started'] });
    expect(envChanged.observed.id).not.toBe(first.observed.id);
    expect((await provider.exec(target, ['sh', '-c', 'echo $A'])).stdout).toBe('2\n');

    const imageChanged = await provider.ensure(desiredFor(target, { env: { A: '2' }, image: DEBIAN, imageSource: { kind: 'image', ref: DEBIAN } }));
    expect(imageChanged.changes).toEqual(['container recreated (config changed)', 'container started']);
    expect(imageChanged.observed.image).toBe(DEBIAN);
    expect((await provider.exec(target, ['bash', '-c', 'cat /etc/debian_version'])).exitCode).toBe(0);
    const containers = await docker.listContainers({ all: true, filters: { label: [`nexus.dev/uid=${target.uid}`] } });
    expect(containers).toHaveLength(1);
  });
});

describe('services', () => {
  it('runs services on the workspace network, reachable by name, and converges their changes', async () => {
    const target = workspace('svc');
    const result = await provider.ensure(desiredFor(target, { services: [webService] }));
    expect(result.changes).toEqual(['network created', 'container created', 'service web created', 'service web started', 'container started']);
    expect(result.observed.services).toEqual({ web: { running: true } });
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
    expect((await provider.exec(target, ['hostname'], { service: 'web' })).stdout).toBe('web\n');

    const service = await inspectContainer(target, 'web');
    expect(service.Name).toBe(`/nexus-dptest-${target.name}-web`);
    expect(service.Config.Labels).toMatchObject({ 'nexus.dev/role': 'service', 'nexus.dev/service': 'web', [RUN_LABEL]: RUN_ID });
    const volumes = await labelledObjects(`nexus.dev/uid=${target.uid}`);
    expect(volumes.volumes).toEqual([`nexus-${target.uid.slice(0, 8)}-webdata`]);

    const changed = await provider.ensure(desiredFor(target, { services: [{ ...webService, env: { V: '2' } }] }));
    expect(changed.changes).toEqual(['service web recreated (config changed)', 'service web started']);
    expect(changed.observed.id).toBe(result.observed.id);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');

    // Without services the workspace moves to the isolated network (same container) and its own network goes.
    const removed = await provider.ensure(desiredFor(target));
    expect(removed.changes).toEqual(['service web removed', 'container reconnected to network', `network nexus-dptest-${target.name} removed (no services left)`]);
    expect(removed.observed.services).toEqual({});
    expect(removed.observed.id).toBe(result.observed.id);
    expect((await provider.observe(target))?.services).toEqual({});
    expect(Object.keys((await inspectContainer(target)).NetworkSettings.Networks)).toEqual([ISOLATED]);
    expect((await labelledObjects(`nexus.dev/uid=${target.uid}`)).networks).toEqual([]);
    expect((await provider.ensure(desiredFor(target))).changes).toEqual([]);

    // And back: a network of its own again, the same container moved onto it, the service reachable by name.
    const again = await provider.ensure(desiredFor(target, { services: [webService] }));
    expect(again.changes).toEqual(['network created', 'container reconnected to network', 'service web created', 'service web started']);
    expect(again.observed.id).toBe(result.observed.id);
    expect(Object.keys((await inspectContainer(target)).NetworkSettings.Networks)).toEqual([`nexus-dptest-${target.name}`]);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
  });
});

describe('the isolated network (workspaces without services)', () => {
  /** Starts busybox httpd (it daemonizes) in the workspace on port 8080 and returns its address. */
  async function serveFrom(target: RuntimeTarget): Promise<string> {
    expect((await provider.exec(target, ['sh', '-c', 'mkdir -p /www && echo "from $(hostname)" > /www/index.html && httpd -p 8080 -h /www'])).exitCode).toBe(0);
    const endpoint = await provider.endpoint(target);
    if (endpoint === undefined) throw new Error(`${target.name} has no address`);
    return endpoint.host;
  }

  /** An HTTP GET of `/` from the host over real TCP; the body, or the error's code. */
  async function getFromHost(host: string): Promise<string> {
    for (let i = 0; i < 40; i++) {
      try {
        return await (await fetch(`http://${host}:8080/`, { signal: AbortSignal.timeout(2000) })).text();
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`http://${host}:8080/ never answered the host`);
  }

  it('puts them on one network where the host reaches each but none reaches another', async () => {
    const [a, b] = [workspace('isoa'), workspace('isob')];
    await Promise.all([provider.ensure(desiredFor(a)), provider.ensure(desiredFor(b))]);
    for (const t of [a, b]) expect(Object.keys((await inspectContainer(t)).NetworkSettings.Networks)).toEqual([ISOLATED]);
    const [addressA, addressB] = [await serveFrom(a), await serveFrom(b)];
    expect(addressA).not.toBe(addressB);
    // The host (port forwarding's path) reaches both servers ...
    expect(await getFromHost(addressA)).toBe(`from ${a.name}\n`);
    expect(await getFromHost(addressB)).toBe(`from ${b.name}\n`);
    // ... each server answers inside its own workspace ...
    expect((await provider.exec(b, ['timeout', '3', 'wget', '-qO-', 'http://127.0.0.1:8080/'])).stdout).toBe(`from ${b.name}\n`);
    // ... and neither reaches the other (the engine drops traffic between containers on this bridge).
    const across = await provider.exec(a, ['timeout', '3', 'wget', '-qO-', `http://${addressB}:8080/`]);
    expect(across.exitCode).not.toBe(0);
    expect(across.stdout).toBe('');
    const back = await provider.exec(b, ['timeout', '3', 'wget', '-qO-', `http://${addressA}:8080/`]);
    expect(back.exitCode).not.toBe(0);
    const network = await docker.getNetwork(ISOLATED).inspect();
    expect(network.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false' });
    expect(network.Labels).toEqual({ 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/component': 'isolated-network' });
  });

  it("gives each owner of a multi-user node an isolated network of their own, where the other's names do not resolve", async () => {
    const users = [`a${RUN_ID}`, `b${RUN_ID}`].map((u) => u.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16));
    const [a, b] = [workspace('ownera'), workspace('ownerb')];
    cleanups.push(async () => {
      for (const user of users) await docker.getNetwork(`nexus-isolated-${user}`).remove().catch(() => undefined);
    });
    const withUser = (t: RuntimeTarget, user: string) => desiredFor(t, { labels: { ...desiredFor(t).labels, 'nexus.dev/user': user } });
    const [ra, rb] = await Promise.all([provider.ensure(withUser(a, users[0]!)), provider.ensure(withUser(b, users[1]!))]);
    expect(ra.changes).toEqual([`isolated network nexus-isolated-${users[0]} ready`, 'container created', 'container started']);
    expect(rb.changes).toEqual([`isolated network nexus-isolated-${users[1]} ready`, 'container created', 'container started']);
    expect(Object.keys((await inspectContainer(a)).NetworkSettings.Networks)).toEqual([`nexus-isolated-${users[0]}`]);
    expect(Object.keys((await inspectContainer(b)).NetworkSettings.Networks)).toEqual([`nexus-isolated-${users[1]}`]);
    const network = await docker.getNetwork(`nexus-isolated-${users[0]}`).inspect();
    expect(network.Labels).toEqual({ 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/component': 'isolated-network', 'nexus.dev/user': users[0] });
    expect(network.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false' });
    // Docker's embedded DNS answers names on the same network only: a's own host name resolves in a, b's does not.
    const [ipA, ipB] = [(await provider.endpoint(a))!.host, (await provider.endpoint(b))!.host];
    expect([ipA, ipB]).toEqual([Object.values((await inspectContainer(a)).NetworkSettings.Networks)[0]!.IPAddress, Object.values((await inspectContainer(b)).NetworkSettings.Networks)[0]!.IPAddress]);
    expect((await provider.exec(a, ['nslookup', a.name, '127.0.0.11'])).stdout).toContain(ipA);
    const lookup = await provider.exec(a, ['nslookup', b.name, '127.0.0.11']);
    expect(lookup.stdout + lookup.stderr).not.toContain(ipB);
    expect((await provider.ensure(withUser(a, users[0]!))).changes).toEqual([]);
  });

  it('is made once for many concurrent requests, adopted when another process made it, and skips a name a foreign network holds', async () => {
    const stamp = `${RUN_ID}-${Date.now().toString(36)}`;
    const names: [string, string] = [`bdp-iso-${stamp}`, `bdp-iso2-${stamp}`];
    const foreign = await docker.createNetwork({ Name: names[0], CheckDuplicate: true, Labels: { [RUN_LABEL]: RUN_ID } });
    cleanups.push(async () => {
      await foreign.remove();
      await docker.getNetwork(names[1]).remove().catch(() => undefined);
    });
    const maker = new IsolatedNetworkMaker(() => names);
    const made = await Promise.all(Array.from({ length: 10 }, () => maker.make(docker)));
    expect(new Set(made.map((n) => n.id)).size).toBe(1);
    expect(made[0]).toMatchObject({ name: names[1], isolated: true });
    expect((await docker.listNetworks({ filters: { name: [names[1]] } })).filter((n) => n.Name === names[1])).toHaveLength(1);
    // Another process (another maker) finds the name taken and adopts the network.
    expect(await new IsolatedNetworkMaker(() => names).make(docker)).toEqual(made[0]);
    // Both names held by networks boulder did not make: a clear error, nothing adopted.
    const other = `${names[0]}-x`;
    await docker.createNetwork({ Name: other, CheckDuplicate: true, Labels: { [RUN_LABEL]: RUN_ID } });
    cleanups.push(async () => {
      await docker.getNetwork(other).remove();
    });
    await expect(new IsolatedNetworkMaker(() => [names[0], other]).make(docker)).rejects.toMatchObject({ reason: 'NetworkFailed', message: expect.stringContaining('not made by boulder') as string });
  });
});

describe('lifecycle', () => {
  it('moves the workspace and its services between Running, Paused and Stopped', async () => {
    const target = workspace('life');
    const running = desiredFor(target, { services: [webService] });
    await provider.ensure(running);

    const paused = await provider.ensure({ ...running, state: 'Paused' });
    expect(paused.changes).toEqual(['service web paused', 'container paused']);
    expect((await inspectContainer(target)).State.Paused).toBe(true);
    expect((await inspectContainer(target, 'web')).State.Paused).toBe(true);
    expect((await provider.observe(target))?.state).toBe('Paused');

    const started = Date.now();
    const stopped = await provider.ensure({ ...running, state: 'Stopped' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stopped.changes).toEqual(['service web stopped', 'container stopped']);
    expect((await inspectContainer(target)).State.Running).toBe(false);
    expect((await provider.observe(target))?.state).toBe('Stopped');

    const pausedFromStopped = await provider.ensure({ ...running, state: 'Paused' });
    expect(pausedFromStopped.changes).toEqual(['service web started', 'service web paused', 'container started', 'container paused']);

    const resumed = await provider.ensure(running);
    expect(resumed.changes).toEqual(['service web unpaused', 'container unpaused']);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');

    await provider.pause(target);
    expect((await provider.observe(target))?.state).toBe('Paused');
    await provider.pause(target);
    await provider.resume(target);
    expect((await provider.observe(target))?.state).toBe('Running');
    await provider.stop(target);
    await provider.stop(target);
    expect((await provider.observe(target))?.state).toBe('Stopped');
    expect((await inspectContainer(target, 'web')).State.Running).toBe(false);
    await provider.resume(target);
    expect((await provider.observe(target))?.services).toEqual({ web: { running: true } });
  });
});

describe('exec and logs', () => {
  it('runs commands with exit codes, collected or streamed output, stdin, env, workdir and a TTY', async () => {
    const target = workspace('exec');
    await provider.ensure(desiredFor(target));
    expect(await provider.exec(target, ['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect((await provider.exec(target, ['sh', '-c', 'echo $FOO; pwd'], { env: { FOO: 'bar' }, workdir: '/tmp' })).stdout).toBe('bar\n/tmp\n');
    expect(await provider.exec(target, ['tr', 'a-z', 'A-Z'], { stdin: Readable.from(['hello ', 'stdin\n']) })).toMatchObject({ exitCode: 0, stdout: 'HELLO STDIN\n' });

    const stdout = sink();
    const stderr = sink();
    const big = await provider.exec(target, ['sh', '-c', 'seq 1 20000; echo done >&2'], { stdout, stderr });
    expect(big).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(stdout.text().split('\n')).toHaveLength(20001);
    expect(stderr.text()).toBe('done\n');

    const tty = await provider.exec(target, ['sh', '-c', 'echo out; echo err >&2; exit 2'], { tty: true });
    expect(tty.exitCode).toBe(2);
    expect(tty.stdout.replace(/\r/g, '')).toBe('out\nerr\n');

    const notFound = await provider.exec(target, ['no-such-command']);
    expect(notFound.exitCode).toBe(126);
    expect(notFound.stdout).toMatch(/executable file not found/);

    const abort = new AbortController();
    const started = Date.now();
    const long = provider.exec(target, ['sleep', '30'], { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('cancelled by test')), 200);
    await expect(long).rejects.toThrow('cancelled by test');
    expect(Date.now() - started).toBeLessThan(5000);

    await provider.ensure(desiredFor(target, { state: 'Stopped' }));
    const stoppedExec = await provider.exec(target, ['true']);
    expect(stoppedExec.exitCode).toBe(126);
    expect(stoppedExec.stderr).toMatch(/not running/);
    expect((await provider.exec(newTarget('none'), ['true'])).exitCode).toBe(126);
  });

  it('streams logs of a service, with tail and follow', async () => {
    const target = workspace('logs');
    const talker: DesiredService = { name: 'talker', image: BUSYBOX, env: {}, command: ['sh', '-c', 'echo out1; echo err1 >&2; sleep 0.3; echo out2; exec sleep 1000'], containerPorts: [], volumes: [] };
    await provider.ensure(desiredFor(target, { services: [talker] }));
    const read = async (options: { tail?: number } = {}): Promise<{ out: string; err: string }> => {
      const stdout = sink();
      const stderr = sink();
      await provider.logs(target, { service: 'talker', stdout, stderr, ...options });
      return { out: stdout.text(), err: stderr.text() };
    };
    // Docker copies stdout and stderr separately: only lines written apart in time have a fixed order.
    await waitFor(async () => (await read()).out === 'out1\nout2\n', 5000, 'service output');
    expect(await read()).toEqual({ out: 'out1\nout2\n', err: 'err1\n' });
    expect(await read({ tail: 1 })).toEqual({ out: 'out2\n', err: '' });

    const stdout = sink();
    const abort = new AbortController();
    const following = provider.logs(target, { service: 'talker', follow: true, tail: 0, stdout, stderr: sink(), signal: abort.signal });
    await new Promise((r) => setTimeout(r, 200));
    await provider.exec(target, ['sh', '-c', 'echo late > /proc/1/fd/1'], { service: 'talker' });
    await waitFor(() => stdout.text() === 'late\n', 5000, 'followed log line');
    abort.abort();
    await following;

    expect((await read()).out).toBe('out1\nout2\nlate\n');
    const main = sink();
    await provider.logs(target, { stdout: main, stderr: sink() });
    expect(main.text()).toBe('');
    await expect(provider.logs(newTarget('none'), { stdout: sink(), stderr: sink() })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('resources and secrets', () => {
  it('applies CPU and memory limits', async () => {
    const target = workspace('limits');
    await provider.ensure(desiredFor(target, { cpus: 0.5, memoryBytes: 64 * 1024 * 1024 }));
    const info = await inspectContainer(target);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    const changed = await provider.ensure(desiredFor(target, { cpus: 1, memoryBytes: 64 * 1024 * 1024 }));
    expect(changed.changes).toContain('container recreated (config changed)');
    expect((await inspectContainer(target)).HostConfig.NanoCpus).toBe(1_000_000_000);
  });

  it('puts secrets in the environment and nowhere in labels or network/volume metadata', async () => {
    const target = workspace('secret');
    const token = `tok-${target.uid}`;
    const desired = desiredFor(target, { secretEnv: { API_TOKEN: token }, services: [webService] });
    await provider.ensure(desired);
    expect((await provider.exec(target, ['sh', '-c', 'echo $API_TOKEN'])).stdout).toBe(`${token}\n`);
    const info = await inspectContainer(target);
    expect(info.Config.Env).toContain(`API_TOKEN=${token}`);
    expect(JSON.stringify(info.Config.Labels)).not.toContain(token);
    const network = await docker.getNetwork(`nexus-dptest-${target.name}`).inspect();
    expect(JSON.stringify(network)).not.toContain(token);
    const volume = await docker.getVolume(`nexus-${target.uid.slice(0, 8)}-webdata`).inspect();
    expect(JSON.stringify(volume)).not.toContain(token);
    expect(JSON.stringify(await inspectContainer(target, 'web'))).not.toContain(token);
    const rotated = await provider.ensure({ ...desired, secretEnv: { API_TOKEN: `${token}-2` } });
    expect(rotated.changes).toEqual(['container recreated (config changed)', 'container started']);
    expect(JSON.stringify(rotated)).not.toContain(token);
  });
});

describe('images', () => {
  it('builds from a Dockerfile, honours .dockerignore and args, and reuses the tag while the inputs match', async () => {
    const target = workspace('build');
    const context = await tempDir();
    await writeFile(path.join(context, 'Dockerfile'), 'FROM boulder-test/busybox:latest\nARG GREETING=unset\nCOPY . /ctx/\nRUN echo "$GREETING" > /greeting\n');
    await writeFile(path.join(context, 'hello.txt'), 'built in\n');
    await writeFile(path.join(context, 'secret.txt'), 'do not send\n');
    await writeFile(path.join(context, '.dockerignore'), 'secret.txt\n');
    const source = { kind: 'build' as const, context, dockerfile: 'Dockerfile', args: { GREETING: 'hello-arg' } };
    const progress: ProgressEvent[] = [];
    const desired = desiredFor(target, { image: 'display-name', imageSource: source });

    const first = await provider.ensure(desired, { onProgress: (e) => progress.push(e) });
    const tag = first.observed.image;
    expect(tag).toMatch(new RegExp(`^nexus-build/${target.uid.slice(0, 8)}:[0-9a-f]{12}$`));
    expect(first.changes).toEqual([`image ${tag} built`, 'container created', 'container started']);
    expect(progress.some((e) => e.step === 'build' && e.total !== undefined && e.current === e.total)).toBe(true);
    expect((await provider.exec(target, ['cat', '/ctx/hello.txt', '/greeting'])).stdout).toBe('built in\nhello-arg\n');
    expect((await provider.exec(target, ['ls', '/ctx'])).stdout.split('\n')).not.toContain('secret.txt');
    const imageId = (await docker.getImage(tag).inspect()).Id;
    expect(first.observed.imageDigest).toBe(imageId);

    progress.length = 0;
    await writeFile(path.join(context, 'secret.txt'), 'ignored change\n');
    const cached = await provider.ensure({ ...desired, env: { FORCE: 'recreate' } }, { onProgress: (e) => progress.push(e) });
    expect(cached.observed.image).toBe(tag);
    expect(cached.changes).toEqual(['container recreated (config changed)', 'container started']);
    expect(progress).toEqual([]);
    expect((await docker.getImage(tag).inspect()).Id).toBe(imageId);

    await writeFile(path.join(context, 'hello.txt'), 'changed\n');
    const rebuilt = await provider.ensure({ ...desired, env: { FORCE: 'recreate' } });
    expect(rebuilt.observed.image).not.toBe(tag);
    expect(rebuilt.changes[0]).toBe(`image ${rebuilt.observed.image} built`);
    expect((await provider.exec(target, ['cat', '/ctx/hello.txt'])).stdout).toBe('changed\n');
  });

  it('reports a failing build as ImageBuildFailed with the builder error, not transient', async () => {
    const target = workspace('badbuild');
    const context = await tempDir();
    await writeFile(path.join(context, 'Dockerfile'), 'FROM boulder-test/busybox:latest\nRUN echo about to fail && exit 3\n');
    const err: unknown = await provider.ensure(desiredFor(target, { imageSource: { kind: 'build', context, dockerfile: 'Dockerfile', args: {} } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ reason: 'ImageBuildFailed', transient: false });
    expect((err as Error).message).toMatch(/returned a non-zero code: 3/);
    const missing: unknown = await provider.ensure(desiredFor(target, { imageSource: { kind: 'build', context, dockerfile: 'nope.Dockerfile', args: {} } })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ reason: 'ImageBuildFailed', transient: false });
  });

  it('never sends a directory swapped for a link out of the context between the scan and the build (real engine)', async () => {
    const target = workspace('swapbuild');
    const context = await realpath(await tempDir());
    const outside = await realpath(await tempDir());
    await writeFile(path.join(outside, 'id_rsa'), 'PRIVATE-KEY-OUTSIDE\n');
    await writeFile(path.join(context, 'Dockerfile'), 'FROM boulder-test/busybox:latest\nCOPY . /ctx/\n');
    await mkdir(path.join(context, 'sub'));
    await writeFile(path.join(context, 'sub', 'id_rsa'), 'harmless\n');
    const source = { kind: 'build' as const, context, dockerfile: 'Dockerfile', args: {} };
    const desired = desiredFor(target, { imageSource: source });
    const resolved = await resolveBuildTag(desired, source);
    // The workspace's container (bind mode) swaps sub/ for a link to ~/.ssh after the check and scan.
    await rm(path.join(context, 'sub'), { recursive: true });
    await symlink(outside, path.join(context, 'sub'));
    const err: unknown = await ensureBuiltImage(docker, desired, source, resolved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ reason: 'ImageBuildFailed', transient: false });
    expect((err as Error).message).toContain(`${path.join(context, 'sub')} of the build context now leads to ${outside}`);
    await expect(docker.getImage(resolved.tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('pulls a missing image with progress and reports its registry digest', async () => {
    const registry = await startLocalRegistry(docker, BUSYBOX, 'boulder-test/pulled', RUN_ID);
    cleanups.push(async () => {
      await registry.close();
      await docker.getImage(registry.ref).remove({ force: true });
    });
    const target = workspace('pullok');
    const progress: ProgressEvent[] = [];
    const desired = desiredFor(target, { image: registry.ref, imageSource: { kind: 'image', ref: registry.ref } });
    const result = await provider.ensure(desired, { onProgress: (e) => progress.push(e) });
    expect(result.changes).toEqual([`image ${registry.ref} pulled`, 'container created', 'container started']);
    expect(result.observed.imageDigest).toBe(`${registry.host}/boulder-test/pulled@${registry.manifestDigest}`);
    expect(progress.every((e) => e.step === 'pull' && e.message.startsWith(registry.ref))).toBe(true);
    const sized = progress.filter((e) => e.total !== undefined);
    expect(sized.length).toBeGreaterThan(0);
    expect(sized.at(-1)!.total).toBeGreaterThan(2 * 1024 * 1024);
    expect((await provider.exec(target, ['stat', '-c', '%s', '/pulled.bin'])).stdout).toBe(`${2 * 1024 * 1024}\n`);

    progress.length = 0;
    const again = workspace('pullok2');
    const present = await provider.ensure(desiredFor(again, { image: registry.ref, imageSource: { kind: 'image', ref: registry.ref } }), { onProgress: (e) => progress.push(e) });
    expect(present.changes).toEqual(['container created', 'container started']);
    expect(progress).toEqual([]);
  });

  it('reports an image that cannot be pulled as ImagePullFailed with the daemon message, transient', async () => {
    const target = workspace('pull');
    const ref = `boulder-test/does-not-exist:${RUN_ID}`;
    const raw = await rawEngineRequest('POST', `/images/create?fromImage=${encodeURIComponent('boulder-test/does-not-exist')}&tag=${RUN_ID}`);
    expect(raw.status).toBeGreaterThanOrEqual(400);
    const daemonSays = (JSON.parse(raw.body) as { message: string }).message;
    const err: unknown = await provider.ensure(desiredFor(target, { image: ref, imageSource: { kind: 'image', ref } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ reason: 'ImagePullFailed', transient: true });
    expect((err as Error).message).toBe(`pulling ${ref}: ${daemonSays.trim()}`);
    expect(await provider.observe(target)).toBeUndefined();
    const serviceErr: unknown = await provider.ensure(desiredFor(target, { services: [{ ...webService, image: ref }] })).catch((e: unknown) => e);
    expect(serviceErr).toMatchObject({ reason: 'ImagePullFailed' });
  });
});

describe('drift repair', () => {
  it.each([
    ['removed', (id: string) => docker.getContainer(id).remove({ force: true }), 'created', ['container created', 'container started']],
    ['stopped', (id: string) => docker.getContainer(id).stop({ t: 0 }), 'updated', ['container started']],
    ['killed', (id: string) => docker.getContainer(id).kill(), 'updated', ['container started']],
    ['paused', (id: string) => docker.getContainer(id).pause(), 'updated', ['container unpaused']],
  ] as const)('repairs a container %s out of band', async (_how, tamper, outcome, changes) => {
    const target = workspace('drift');
    const desired = desiredFor(target, { services: [webService] });
    const { observed } = await provider.ensure(desired);
    await tamper(observed.id);
    const repaired = await provider.ensure(desired);
    expect(repaired.outcome).toBe(outcome);
    expect(repaired.changes).toEqual(changes);
    expect((await provider.observe(target))?.state).toBe('Running');
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
  });

  it('repairs a removed service container', async () => {
    const target = workspace('driftsvc');
    const desired = desiredFor(target, { services: [webService] });
    await provider.ensure(desired);
    await docker.getContainer((await inspectContainer(target, 'web')).Id).remove({ force: true });
    expect((await provider.ensure(desired)).changes).toEqual(['service web created', 'service web started']);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
  });

  it('recreates a removed network and reconnects the running containers, keeping them', async () => {
    const target = workspace('driftnet');
    const desired = desiredFor(target, { services: [webService] });
    const { observed } = await provider.ensure(desired);
    const network = docker.getNetwork(`nexus-dptest-${target.name}`);
    const service = await inspectContainer(target, 'web');
    await network.disconnect({ Container: observed.id, Force: true });
    await network.disconnect({ Container: service.Id, Force: true });
    await network.remove();
    const repaired = await provider.ensure(desired);
    expect(repaired.changes).toEqual(['network recreated', 'container reconnected to network', 'service web reconnected to network']);
    expect(repaired.observed.id).toBe(observed.id);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
    expect((await provider.ensure(desired)).changes).toEqual([]);
  });

  it('recreates a network removed while the workspace was stopped', async () => {
    const target = workspace('driftnet2');
    const desired = desiredFor(target, { services: [webService] });
    const { observed } = await provider.ensure({ ...desired, state: 'Stopped' });
    await docker.getNetwork(`nexus-dptest-${target.name}`).remove();
    const repaired = await provider.ensure(desired);
    // Stopped containers keep their endpoint by network name; Docker re-resolves it at start.
    expect(repaired.changes).toEqual(['network recreated', 'service web started', 'container started']);
    expect(repaired.observed.id).toBe(observed.id);
    expect(await fetchFromWorkspace(target, 'http://web:8080/')).toBe('hello-from-web\n');
  });

  it('falls back to unique names when a foreign object holds the deterministic name', async () => {
    const target = workspace('taken');
    const name = `nexus-dptest-${target.name}`;
    const foreignNet = await docker.createNetwork({ Name: name, CheckDuplicate: true, Labels: { [RUN_LABEL]: RUN_ID } });
    const foreign = await docker.createContainer({ name, Image: BUSYBOX, Cmd: ['true'], Labels: { [RUN_LABEL]: RUN_ID } });
    cleanups.push(async () => {
      await foreign.remove({ force: true });
      await foreignNet.remove();
    });
    const desired = desiredFor(target, { services: [webService] });
    const result = await provider.ensure(desired);
    expect(result.outcome).toBe('created');
    const info = await inspectContainer(target);
    expect(info.Name).toBe(`/${name}-${target.uid.slice(0, 8)}`);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${name}-${target.uid.slice(0, 8)}`]);
    expect((await provider.ensure(desired)).outcome).toBe('unchanged');
  });
});

/** Collects the provider's drift hints about `target` until `stop` (which waits for the stream to end). */
function hintsFor(target: RuntimeTarget): { seen: ProviderEvent[]; stop: () => Promise<void> } {
  const abort = new AbortController();
  const seen: ProviderEvent[] = [];
  const consuming = (async () => {
    for await (const event of provider.events(abort.signal)) if (event.name === target.name) seen.push(event);
  })();
  return {
    seen,
    stop: async () => {
      abort.abort();
      await consuming;
    },
  };
}

describe('events', () => {
  it('yields drift hints for labelled containers and networks', async () => {
    const target = workspace('events');
    const desired = desiredFor(target, { services: [webService] });
    const { seen, stop } = hintsFor(target);
    const { observed } = await provider.ensure(desired);
    await new Promise((r) => setTimeout(r, 100));
    await docker.getContainer(observed.id).kill();
    await waitFor(() => seen.some((e) => e.reason === 'container die'), 5000, 'die event');
    expect(seen).toContainEqual({ namespace: 'dptest', name: target.name, reason: 'container kill' });
    await docker.getContainer(observed.id).remove({ force: true });
    await docker.getContainer((await inspectContainer(target, 'web')).Id).remove({ force: true });
    await docker.getNetwork(`nexus-dptest-${target.name}`).remove();
    await waitFor(() => seen.some((e) => e.reason === 'container destroy') && seen.some((e) => e.reason === 'network destroy'), 5000, 'destroy events');
    await stop();
  });

  it('hints the workspace whose container was disconnected from the shared isolated network, and ensure reattaches it', async () => {
    const target = workspace('evdisc');
    const desired = desiredFor(target);
    const { seen, stop } = hintsFor(target);
    const { observed } = await provider.ensure(desired);
    await new Promise((r) => setTimeout(r, 100));
    await docker.getNetwork(ISOLATED).disconnect({ Container: observed.id, Force: true });
    await waitFor(() => seen.some((e) => e.reason === 'network disconnect'), 5000, 'disconnect event');
    await stop();
    expect((await provider.ensure(desired)).changes).toEqual(['container reconnected to network']);
    expect(Object.keys((await inspectContainer(target)).NetworkSettings.Networks)).toEqual([ISOLATED]);
  });

  it('reconnects with backoff when the engine connection drops, then hints every workspace', async () => {
    const dir = await tempDir();
    const proxy = new EngineProxy(path.join(dir, 'docker.sock'));
    await proxy.restore();
    cleanups.push(() => proxy.cut());
    const proxied = createDockerProvider({ docker: new Dockerode({ socketPath: proxy.path }) });
    const target = workspace('reconnect');
    const { observed } = await provider.ensure(desiredFor(target));
    const abort = new AbortController();
    const seen: ProviderEvent[] = [];
    const consuming = (async () => {
      for await (const event of proxied.events(abort.signal)) if (event.name === target.name) seen.push(event);
    })();
    await waitFor(() => proxy.connections > 0, 2000, 'event stream connection');
    await new Promise((r) => setTimeout(r, 100));
    await docker.getContainer(observed.id).stop({ t: 0 });
    await waitFor(() => seen.some((e) => e.reason === 'container stop'), 5000, 'stop event');

    await proxy.cut();
    await new Promise((r) => setTimeout(r, 700));
    await proxy.restore();
    await waitFor(() => seen.some((e) => e.reason === 'engine reconnected'), 8000, 'reconnected hint');
    await new Promise((r) => setTimeout(r, 100));
    await docker.getContainer(observed.id).start();
    await docker.getContainer(observed.id).kill();
    await waitFor(() => seen.filter((e) => e.reason === 'container kill').length > 0, 5000, 'event after reconnect');
    abort.abort();
    await consuming;
  });
});

describe('delete and engine address', () => {
  it('delete removes every labelled object and is idempotent', async () => {
    const target = workspace('delete');
    const context = await tempDir();
    await writeFile(path.join(context, 'Dockerfile'), 'FROM boulder-test/busybox:latest\nLABEL purpose=delete-test\n');
    await provider.ensure(desiredFor(target, { imageSource: { kind: 'build', context, dockerfile: 'Dockerfile', args: {} }, services: [webService] }));
    const before = await labelledObjects(`nexus.dev/uid=${target.uid}`);
    expect(before.containers).toHaveLength(2);
    expect(before.networks).toHaveLength(1);
    expect(before.volumes).toHaveLength(1);
    expect(before.images).toHaveLength(1);
    expect(await provider.delete(target)).toBe('deleted');
    expect(await labelledObjects(`nexus.dev/uid=${target.uid}`)).toEqual({ containers: [], networks: [], volumes: [], images: [] });
    expect(await provider.delete(target)).toBe('unchanged');
    expect(await provider.observe(target)).toBeUndefined();
    expect(await provider.delete(newTarget('never'))).toBe('unchanged');
  });

  it('honours DOCKER_HOST', async () => {
    const dir = await tempDir();
    const proxy = new EngineProxy(path.join(dir, 'docker.sock'));
    await proxy.restore();
    cleanups.push(() => proxy.cut());
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = `unix://${proxy.path}`;
    try {
      const viaEnv = createDockerProvider();
      expect(viaEnv.engine).toBe(`unix://${proxy.path}`);
      await viaEnv.ping();
      expect(await viaEnv.observe(newTarget('none'))).toBeUndefined();
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      await proxy.cut();
      await expect(viaEnv.ping()).rejects.toMatchObject({ reason: 'EngineUnavailable', transient: true, message: expect.stringContaining(`unix://${proxy.path}`) as string });
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    }
  });
});

describe('prepare (issue 19: the network and image check while the worktree is made)', () => {
  /** A provider on its own client whose engine requests are recorded as `METHOD /path` (no query). */
  function countingProvider(): { provider: ReturnType<typeof createDockerProvider>; requests: string[] } {
    const client = new Dockerode();
    const requests: string[] = [];
    const dial = client.modem.dial.bind(client.modem);
    client.modem.dial = ((options: { method?: string; path?: string }, callback: unknown) => {
      requests.push(`${options.method ?? 'GET'} ${(options.path ?? '').split('?')[0]!.replace(/^\/v[\d.]+/, '')}`);
      return (dial as (o: unknown, c: unknown) => unknown)(options, callback);
    }) as typeof client.modem.dial;
    return { provider: createDockerProvider({ docker: client }), requests };
  }

  it('checks the image alongside observe (one shared listing, which finds the isolated network); ensure starts from it', async () => {
    const { provider: counted, requests } = countingProvider();
    const target = workspace('prep');
    const desired = desiredFor(target);
    // As the converge runs them: observe and prepare started together.
    const [before, prepared] = await Promise.all([counted.observe(target), counted.prepare({ target, labels: desired.labels, imageRef: BUSYBOX, services: [] })]);
    expect(before).toBeUndefined();
    expect(Object.keys(prepared.phases ?? {}).sort()).toEqual(['image', 'network', 'snapshot']);
    // One listing of containers and networks for both, the image inspected; no network to create.
    expect(requests.sort()).toEqual(['GET /containers/json', `GET /images/${BUSYBOX}/json`, 'GET /networks'].sort());

    requests.length = 0;
    const result = await counted.ensure(desired, { afterObserve: true });
    expect(result.changes).toEqual(['container created', 'container started']);
    expect(result.observed.imageDigest).toBe(imageDigestOf(await docker.getImage(BUSYBOX).inspect()));
    // Nothing listed, inspected or created again: the container's create and start only.
    expect(requests.map((r) => r.replace(/\/containers\/[0-9a-f]{64}\//, '/containers/ID/'))).toEqual(['POST /containers/create', 'POST /containers/ID/start']);
    expect(await docker.listNetworks({ filters: { label: [`nexus.dev/uid=${target.uid}`] } })).toHaveLength(0);
  });

  it("creates a workspace with services' own network alongside observe; ensure starts from it", async () => {
    const { provider: counted, requests } = countingProvider();
    const target = workspace('prepsvc');
    const desired = desiredFor(target, { services: [webService] });
    await Promise.all([counted.observe(target), counted.prepare({ target, labels: desired.labels, imageRef: BUSYBOX, services: ['web'] })]);
    const networks = await docker.listNetworks({ filters: { label: [`nexus.dev/uid=${target.uid}`] } });
    expect(networks.map((n) => n.Labels)).toEqual([expect.objectContaining({ ...desired.labels, 'nexus.dev/role': 'network' })]);
    expect(requests.sort()).toEqual(['GET /containers/json', `GET /images/${BUSYBOX}/json`, 'GET /networks', 'POST /networks/create'].sort());
    requests.length = 0;
    const result = await counted.ensure(desired, { afterObserve: true });
    expect(result.changes).toEqual(['network created', 'container created', 'service web created', 'service web started', 'container started']);
    expect(requests.filter((r) => r.includes('/networks'))).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`nexus.dev/uid=${target.uid}`] } })).toHaveLength(1);
  });

  it('adds no engine request for a workspace whose network exists, and recreates one removed out of band', async () => {
    const { provider: counted, requests } = countingProvider();
    const target = workspace('prep2');
    const desired = desiredFor(target);
    const { observed } = await counted.ensure(desired);
    requests.length = 0;
    await Promise.all([counted.observe(target), counted.prepare({ target, labels: desired.labels, imageRef: BUSYBOX, services: [] })]);
    expect(requests.sort()).toEqual(['GET /containers/json', 'GET /networks']);
    expect((await counted.ensure(desired, { afterObserve: true })).changes).toEqual([]);

    // The isolated network removed out of band (nothing else is on it while this file runs): made again, the container reattached.
    const network = docker.getNetwork(ISOLATED);
    await network.disconnect({ Container: observed.id, Force: true });
    await network.remove();
    await Promise.all([counted.observe(target), counted.prepare({ target, labels: desired.labels, imageRef: BUSYBOX, services: [] })]);
    const repaired = await counted.ensure(desired, { afterObserve: true });
    expect(repaired.changes).toEqual([`isolated network ${ISOLATED} ready`, 'container reconnected to network']);
    expect(repaired.observed.id).toBe(observed.id);
    expect(Object.keys((await inspectContainer(target)).NetworkSettings.Networks)).toEqual([ISOLATED]);
  });
});

describe('timings', () => {
  it('measures ensure for a new workspace and for an unchanged one (busybox present)', async () => {
    const createMs: number[] = [];
    const unchangedMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const desired = desiredFor(workspace('time'), { env: { I: String(i) } });
      let t = performance.now();
      await provider.ensure(desired);
      createMs.push(performance.now() - t);
      t = performance.now();
      const again = await provider.ensure(desired);
      unchangedMs.push(performance.now() - t);
      expect(again.outcome).toBe('unchanged');
    }
    const summary = { createMedianMs: Math.round(median(createMs)), unchangedMedianMs: Number(median(unchangedMs).toFixed(1)) };
    console.log(`[docker-provider timings] ${JSON.stringify(summary)} create=${createMs.map(Math.round).join(',')}`);
    expect(summary.unchangedMedianMs).toBeLessThan(50);
    expect(summary.createMedianMs).toBeLessThan(1500);
  });
});
