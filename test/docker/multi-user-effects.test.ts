/**
 * Multi-user node, effects with the owner's rights (issue 14, engineer B's part), on the real
 * Docker engine with real unix users: the controllers run as this process (root, like the system
 * daemon) with `multiUser` set, and every workspace lives in its owner's namespace `user-<name>`.
 * - git runs as the owner: the worktree, its files and the repository's info/exclude are the
 *   owner's; a workspace naming another user's repository fails with git's permission error;
 * - the container runs as the owner's uid:gid (stated in ContainerReady), so files it writes in
 *   the bind-mounted worktree are the owner's;
 * - a secret's fromFile is read as the owner (another user's file or a root-only file is
 *   refused), fromEnv (the daemon's environment) is refused;
 * - Docker networks and volumes carry the user (labels, names);
 * - host ports: each user allocates from their own block; another user's fixed or allocated port is
 *   a Conflict that does not say whose, and a switch of one user's workspaces never takes it
 *   (real TCP traffic through the daemon's forwarders shows who answers);
 * - a namespace that is no user's, or a user not provisioned on the node, is refused;
 * - file sync (its engine runs with the daemon's rights) is refused.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { userNamespace } from '../../apis/multi-user/identity.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION, FORCE_DELETE_ANNOTATION, USER_LABEL } from '../../apis/names/index.ts';
import type { PortBinding } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { PORT_PLAN } from '../../controllers/portbinding/contracts.ts';
import { userPortBlock } from '../../controllers/portbinding/user-ports.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { lookupUser } from '../../controllers/multi-user/owner.ts';
import { ensureWorktree, writeCurrentWorkspace } from '../../controllers/worktree/index.ts';
import { readFileSync } from 'node:fs';
import { freePort } from '../ports/servers.ts';
import http from 'node:http';
import { ensureUser, type TestUser } from '../support/unix-users.ts';
import {
  BUSYBOX,
  conditionOf,
  docker,
  dockerExec,
  getWorkspace,
  mainContainer,
  managedObjects,
  objectsOfUid,
  removeObjects,
  requireEngine,
  serviceContainer,
  startControllers,
  waitForWorkspace,
  waitReady,
  workspaceManifest,
  type ControllerHarness,
} from './workspace-harness.ts';
import { removeIsolatedNetworks } from './support.ts';

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let usersDir: string;
let h: ControllerHarness;
const homesMade: string[] = [];

/** Runs `file args` as `user` (uid, gid, groups, HOME), like the user at a shell; returns stdout. */
function asUser(user: TestUser, file: string, args: string[]): string {
  return execFileSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: user.home },
    encoding: 'utf8',
  }).trim();
}

/** A repository of `user` in their home (branch main, one commit), made by the user. */
function userRepo(user: TestUser, name: string): string {
  const repo = join(user.home, name);
  rmSync(repo, { recursive: true, force: true });
  const config = ['-c', 'user.email=t@example.com', '-c', 'user.name=T', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];
  asUser(user, 'git', [...config, 'init', '-q', repo]);
  asUser(user, 'sh', ['-c', `echo hello > '${repo}/README'`]);
  asUser(user, 'git', [...config, '-C', repo, 'add', '.']);
  asUser(user, 'git', [...config, '-C', repo, 'commit', '-q', '-m', 'init']);
  return repo;
}

/** `<usersDir>/<user>`, 0700, owned by the user: what the daemon provisions for a member of the allowed group. */
function provision(user: TestUser): void {
  const dir = join(usersDir, user.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, user.uid, user.gid);
}

// Checked before every test (memoized) so that without an engine each test fails, none skips.
let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  alice = ensureUser('btx-alice', []);
  bob = ensureUser('btx-bob', []);
  carol = ensureUser('btx-carol', []);
  for (const user of [alice, bob, carol]) {
    // Private homes: what one user keeps there is no other user's to read.
    chmodSync(user.home, 0o700);
    homesMade.push(user.home);
  }
  usersDir = mkdtempSync(join(tmpdir(), 'boulder-mu-users-'));
  chmodSync(usersDir, 0o755);
  provision(alice);
  provision(bob);
  // carol is a unix user but not provisioned (not in the allowed group).
  h = await startControllers({ multiUser: { usersDir } });
});

afterAll(async () => {
  for (const user of [alice, bob, carol]) {
    if (user === undefined) continue;
    const ns = userNamespace(user.name);
    const list = await h?.client.list('Workspace', { namespace: ns }).catch(() => ({ items: [] }));
    for (const ws of list?.items ?? []) await h.client.delete('Workspace', ns, ws.metadata.name).catch(() => undefined);
  }
  if (h !== undefined) {
    for (const user of [alice, bob]) {
      await waitGone(userNamespace(user.name)).catch(() => undefined);
    }
    await h.stop();
  }
  await removeObjects(await managedObjects('user-btx-'));
  await removeIsolatedNetworks([alice, bob, carol].flatMap((u) => (u === undefined ? [] : [u.name])));
  rmSync(usersDir, { recursive: true, force: true });
  for (const user of [alice, bob]) {
    if (user !== undefined) for (const entry of ['repo', 'other', 'site', 'token.txt']) rmSync(join(user.home, entry), { recursive: true, force: true });
  }
}, 120_000);

/** Creates `manifest` after removing a workspace of that name left by a failed earlier try (vitest retries). */
async function createFresh(manifest: ReturnType<typeof workspaceManifest>): Promise<void> {
  const { namespace = 'default', name } = manifest.metadata;
  const left = await getWorkspace(h.client, namespace, name);
  if (left !== undefined) {
    await h.client.update({ ...left, metadata: { ...left.metadata, annotations: { ...left.metadata.annotations, [FORCE_DELETE_ANNOTATION]: 'true' } } });
    await h.client.delete('Workspace', namespace, name);
    await waitForWorkspace(h.client, namespace, name, (w) => w === undefined, 60_000, 'deletion of a leftover');
  }
  await h.client.create(manifest);
}

async function waitGone(ns: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await h.client.list('Workspace', { namespace: ns })).items.length > 0) {
    if (Date.now() > deadline) throw new Error(`workspaces of ${ns} not gone`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('multi-user node: effects run with the owner\'s rights', () => {
  it('alice\'s workspace: worktree and its files are alice\'s, the container runs as alice, secrets are read as alice', async () => {
    const ns = userNamespace(alice.name);
    const repo = userRepo(alice, 'repo');
    const secretFile = join(alice.home, 'token.txt');
    asUser(alice, 'sh', ['-c', `umask 077; printf 'alice-secret\\n' > '${secretFile}'`]);
    await createFresh(
      workspaceManifest(ns, 'app', {
        image: BUSYBOX,
        repository: { path: repo },
        secrets: [{ name: 'TOKEN', fromFile: secretFile }],
        services: { cache: { image: BUSYBOX, command: ['sh', '-c', 'exec sleep 3600'], volumes: ['data:/data'] } },
      }),
    );
    const ws = await waitReady(h.client, ns, 'app', 90_000);

    // git ran as alice: the worktree, its files and the repository's exclude file are hers.
    const worktree = join(repo, '.nexus', 'worktrees', 'app');
    for (const path of [worktree, join(worktree, '.git'), join(worktree, 'README'), join(repo, '.nexus'), join(repo, '.git', 'worktrees', 'app'), join(repo, '.git', 'info', 'exclude')]) {
      expect({ path, uid: lstatSync(path).uid }).toEqual({ path, uid: alice.uid });
    }
    expect(asUser(alice, 'git', ['-C', worktree, 'rev-parse', '--abbrev-ref', 'HEAD'])).toBe('nexus/app');

    // The container runs as alice's uid:gid, stated in ContainerReady; its files in the worktree are hers.
    const container = await mainContainer(ws.metadata.uid!);
    expect(container?.Config.User).toBe(`${alice.uid}:${alice.gid}`);
    expect(conditionOf(ws, 'ContainerReady')?.message).toContain(`runs as ${alice.name} (uid:gid ${alice.uid}:${alice.gid})`);
    const name = container!.Name.replace(/^\//, '');
    expect((await dockerExec(name, ['id', '-u'])).stdout.trim()).toBe(String(alice.uid));
    const touched = await dockerExec(name, ['sh', '-c', 'echo from-container > /workspace/made-in-container']);
    expect(touched.exitCode).toBe(0);
    const made = statSync(join(worktree, 'made-in-container'));
    expect([made.uid, made.gid]).toEqual([alice.uid, alice.gid]);

    // The secret was read as alice and reached the container's environment.
    expect((await dockerExec(name, ['sh', '-c', 'echo "$TOKEN"'])).stdout.trim()).toBe('alice-secret');

    // Docker objects carry the user: labels on all, names of networks (namespace) and volumes.
    const objects = await objectsOfUid(ws.metadata.uid!);
    expect(objects.networks.every((n) => n.includes(`user-${alice.name}`))).toBe(true);
    expect(objects.volumes.length).toBe(1);
    expect(objects.volumes[0]).toContain(alice.name);
    const network = await docker.getNetwork(objects.networks[0]!).inspect();
    expect(network.Labels?.[USER_LABEL]).toBe(alice.name);
    const volume = await docker.getVolume(objects.volumes[0]!).inspect();
    expect(volume.Labels[USER_LABEL]).toBe(alice.name);
    expect((await serviceContainer(ws.metadata.uid!, 'cache'))?.Config.Labels?.[USER_LABEL]).toBe(alice.name);

    // Deleting (forced: the container left a file) removes the worktree as alice; her branch stays.
    await h.client.update({ ...ws, metadata: { ...ws.metadata, annotations: { ...ws.metadata.annotations, [FORCE_DELETE_ANNOTATION]: 'true' } } });
    await h.client.delete('Workspace', ns, 'app');
    await waitForWorkspace(h.client, ns, 'app', (w) => w === undefined, 60_000, 'deletion');
    expect(existsSync(worktree)).toBe(false);
    expect(asUser(alice, 'git', ['-C', repo, 'branch', '--list', 'nexus/app'])).toContain('nexus/app');
  });

  it('bob naming alice\'s repository gets git\'s permission error; alice\'s repository is untouched', async () => {
    const repo = userRepo(alice, 'other');
    const ns = userNamespace(bob.name);
    await createFresh(workspaceManifest(ns, 'steal', { image: BUSYBOX, repository: { path: repo } }));
    const ws = await waitForWorkspace(h.client, ns, 'steal', (w) => conditionOf(w, 'WorktreeReady')?.status === 'False', 30_000, 'WorktreeReady=False');
    const condition = conditionOf(ws, 'WorktreeReady');
    expect(condition?.reason).toBe('NotAGitRepository');
    expect(condition?.message).toMatch(/Permission denied/);
    expect(existsSync(join(repo, '.nexus'))).toBe(false);
    expect(await mainContainer(ws!.metadata.uid!)).toBeUndefined();
  });

  it('secrets: bob cannot read alice\'s file nor a root-only file through fromFile; fromEnv is refused', async () => {
    const ns = userNamespace(bob.name);
    const aliceFile = join(alice.home, 'token.txt');
    asUser(alice, 'sh', ['-c', `umask 077; printf 'alice-secret\\n' > '${aliceFile}'`]);
    const rootOnly = join(usersDir, 'root-only-secret');
    writeFileSync(rootOnly, 'root-secret\n', { mode: 0o600 });
    const cases = [
      { name: 'peek-alice', ref: { name: 'S', fromFile: aliceFile }, reason: 'SecretNotFound', message: /cannot read .*token\.txt \(EACCES\)/ },
      { name: 'peek-root', ref: { name: 'S', fromFile: rootOnly }, reason: 'SecretNotFound', message: /cannot read .*root-only-secret \(EACCES\)/ },
      { name: 'peek-env', ref: { name: 'S', fromEnv: 'PATH' }, reason: 'SecretSourceNotAllowed', message: /daemon's environment/ },
    ];
    for (const c of cases) await createFresh(workspaceManifest(ns, c.name, { image: BUSYBOX, secrets: [c.ref] }));
    for (const c of cases) {
      const ws = await waitForWorkspace(h.client, ns, c.name, (w) => conditionOf(w, 'Ready')?.reason === c.reason, 30_000, `Ready reason ${c.reason}`);
      expect(conditionOf(ws, 'Ready')?.message).toMatch(c.message);
      expect(JSON.stringify(ws)).not.toContain('alice-secret');
      expect(JSON.stringify(ws)).not.toContain('root-secret');
      expect(await mainContainer(ws!.metadata.uid!)).toBeUndefined();
    }
  });

  it('a namespace that is no user\'s, and a user not provisioned on the node, are refused before any effect', async () => {
    await createFresh(workspaceManifest('default', 'nobody', { image: BUSYBOX }));
    const nobody = await waitForWorkspace(h.client, 'default', 'nobody', (w) => conditionOf(w, 'Ready')?.reason === 'NotAUserNamespace', 30_000, 'NotAUserNamespace');
    expect(await mainContainer(nobody!.metadata.uid!)).toBeUndefined();
    await h.client.delete('Workspace', 'default', 'nobody');

    const ns = userNamespace(carol.name);
    await createFresh(workspaceManifest(ns, 'app', { image: BUSYBOX }));
    const ws = await waitForWorkspace(h.client, ns, 'app', (w) => conditionOf(w, 'Ready')?.reason === 'OwnerNotFound', 30_000, 'OwnerNotFound');
    expect(conditionOf(ws, 'Ready')?.message).toContain(`user ${carol.name} is not provisioned on this node`);
    expect(await mainContainer(ws!.metadata.uid!)).toBeUndefined();
    expect(await getWorkspace(h.client, ns, 'app')).toBeDefined();
  });

  it('file sync (which would run with the daemon\'s rights) is refused: a SyncSession reading /etc and a file-synced workspace', async () => {
    const ns = userNamespace(alice.name);
    const target = mkdtempSync(join(tmpdir(), 'boulder-mu-sync-'));
    try {
      await h.client.delete('SyncSession', ns, 'steal-etc').catch(() => undefined);
      await h.client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { namespace: ns, name: 'steal-etc' }, spec: { alpha: '/etc', beta: target } });
      const deadline = Date.now() + 30_000;
      let session: SyncSession | undefined;
      while (Date.now() < deadline) {
        session = await h.client.get<SyncSession>('SyncSession', ns, 'steal-etc');
        if (session.status?.phase === 'Error') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(session?.status?.phase).toBe('Error');
      expect(session?.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('EndpointNotAllowed');
      expect(readdirSync(target)).toEqual([]);
      await h.client.delete('SyncSession', ns, 'steal-etc');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
    await createFresh(workspaceManifest(ns, 'synced', { image: BUSYBOX, repository: { path: '/etc' }, sync: { mode: 'two-way-safe' } }));
    const ws = await waitForWorkspace(h.client, ns, 'synced', (w) => conditionOf(w, 'Ready')?.reason === 'HostPathNotAllowed', 30_000, 'HostPathNotAllowed');
    expect(await mainContainer(ws!.metadata.uid!)).toBeUndefined();
    await h.client.delete('Workspace', ns, 'synced');
  });
});

/** Starts busybox httpd on :8080 in the workspace container, answering `hello-from-<uid>`. */
const SERVE = 'mkdir -p /tmp/www && echo "hello-from-$(id -u)" > /tmp/www/index.html && httpd -p 8080 -h /tmp/www';

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitBinding(ns: string, name: string, predicate: (pb: PortBinding | undefined) => boolean, what: string, timeoutMs = 30_000): Promise<PortBinding> {
  const deadline = Date.now() + timeoutMs;
  let last: PortBinding | undefined;
  for (;;) {
    last = await h.client.get<PortBinding>('PortBinding', ns, name).catch(() => undefined);
    if (predicate(last)) return last!;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} on portbinding ${ns}/${name}; last status: ${JSON.stringify(last?.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bound = (port?: number) => (pb: PortBinding | undefined): boolean => pb?.status?.phase === 'Bound' && (port === undefined || pb.status.hostPort === port);

describe('multi-user node: files boulder writes in a user\'s repository are written as the user', () => {
  it('a link the user planted leads only where the user may go (info/exclude to a root-only file, .nexus to a root directory)', async () => {
    const owner = (await lookupUser(alice.name))!;
    const repo = userRepo(alice, 'other');
    const rootOnly = mkdtempSync(join(tmpdir(), 'boulder-mu-root-'));
    try {
      chmodSync(rootOnly, 0o700);
      writeFileSync(join(rootOnly, 'secret'), 'root-secret\n', { mode: 0o600 });
      // info/exclude → a root-only file: read as alice it fails, so its content never lands in her repository.
      asUser(alice, 'sh', ['-c', `mkdir -p '${repo}/.git/info' && rm -f '${repo}/.git/info/exclude' && ln -s '${rootOnly}/secret' '${repo}/.git/info/exclude'`]);
      await expect(ensureWorktree({ repoPath: repo, name: 'app', branch: 'nexus/app', baseRef: 'HEAD', runAs: owner })).rejects.toThrow(/EACCES/);
      expect(lstatSync(join(repo, '.git', 'info', 'exclude')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(rootOnly, 'secret'), 'utf8')).toBe('root-secret\n');
      // .nexus → a root directory: the active-workspace record is refused there, nothing written.
      asUser(alice, 'sh', ['-c', `rm -rf '${repo}/.nexus' && ln -s '${rootOnly}' '${repo}/.nexus'`]);
      await expect(writeCurrentWorkspace(repo, 'app', owner)).rejects.toThrow(/EACCES/);
      expect(readdirSync(rootOnly)).toEqual(['secret']);
      // Without links, the record is written, and it is alice's.
      asUser(alice, 'rm', ['-f', join(repo, '.nexus')]);
      await writeCurrentWorkspace(repo, 'app', owner);
      expect(lstatSync(join(repo, '.nexus', 'current')).uid).toBe(alice.uid);
    } finally {
      rmSync(rootOnly, { recursive: true, force: true });
    }
  });
});

describe('multi-user node: host ports', () => {
  it('each user allocates from their own block; another user\'s fixed or allocated port is a Conflict, never taken over by a switch', async () => {
    const aliceNs = userNamespace(alice.name);
    const bobNs = userNamespace(bob.name);
    const repo = userRepo(alice, 'site');
    const fixed = await freePort();
    await createFresh(workspaceManifest(aliceNs, 'site', { image: BUSYBOX, repository: { path: repo }, ports: { web: { containerPort: 8080, hostPort: fixed } }, scripts: { postStart: SERVE } }));
    await createFresh(workspaceManifest(aliceNs, 'alloc', { image: BUSYBOX, ports: { web: { containerPort: 8080 } }, scripts: { postStart: SERVE } }));
    await createFresh(workspaceManifest(bobNs, 'alloc', { image: BUSYBOX, ports: { web: { containerPort: 8080 } }, scripts: { postStart: SERVE } }));
    await waitBinding(aliceNs, 'site-web', bound(fixed), 'Bound on the fixed port', 90_000);
    const aliceAlloc = (await waitBinding(aliceNs, 'alloc-web', bound(), 'Bound', 90_000)).status!.hostPort!;
    const bobAlloc = (await waitBinding(bobNs, 'alloc-web', bound(), 'Bound', 90_000)).status!.hostPort!;

    // Allocated ports come from each user's block of the Docker range.
    for (const [user, port] of [[alice.name, aliceAlloc], [bob.name, bobAlloc]] as const) {
      const block = userPortBlock(user, PORT_PLAN.docker);
      expect(port).toBeGreaterThanOrEqual(block.start);
      expect(port).toBeLessThanOrEqual(block.end);
    }
    expect(await httpGet(fixed)).toBe(`hello-from-${alice.uid}`);
    expect(await httpGet(aliceAlloc)).toBe(`hello-from-${alice.uid}`);
    expect(await httpGet(bobAlloc)).toBe(`hello-from-${bob.uid}`);

    // bob asks for alice's fixed port and her allocated port: Conflicts that do not say whose.
    await createFresh(workspaceManifest(bobNs, 'grab', { image: BUSYBOX, ports: { fixed: { containerPort: 8080, hostPort: fixed }, alloc: { containerPort: 8080, hostPort: aliceAlloc } }, scripts: { postStart: SERVE } }));
    for (const name of ['grab-fixed', 'grab-alloc']) {
      const pb = await waitBinding(bobNs, name, (b) => b?.status?.phase === 'Conflict', 'Conflict', 60_000);
      const message = getCondition(pb.status!.conditions, 'Bound')?.message ?? getCondition(pb.status!.conditions, 'Ready')?.message ?? '';
      expect(message).toContain("another user's workspace");
      expect(JSON.stringify(pb.status)).not.toContain(alice.name);
    }

    // bob "switches" to a workspace of alice's repository (his own worktree there fails) with a
    // standalone binding wanting her fixed port: alice's binding keeps it.
    await createFresh({
      ...workspaceManifest(bobNs, 'site', { image: BUSYBOX, repository: { path: repo }, ports: { web: { containerPort: 8080, hostPort: fixed } } }),
      metadata: { namespace: bobNs, name: 'site', annotations: { [ACTIVE_WORKSPACE_SINCE_ANNOTATION]: new Date().toISOString() } },
    });
    await h.client.delete('PortBinding', bobNs, 'site-take').catch(() => undefined);
    await h.client.create<PortBinding>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { namespace: bobNs, name: 'site-take' }, spec: { workspace: 'site', containerPort: 8080, hostPort: fixed } });
    // Wake alice's binding so it decides its fixed port again, now that bob's rival exists.
    const aliceBinding = await h.client.get<PortBinding>('PortBinding', aliceNs, 'site-web');
    await h.client.update({ ...aliceBinding, metadata: { ...aliceBinding.metadata, labels: { ...aliceBinding.metadata.labels, poke: '1' } } });
    await waitBinding(bobNs, 'site-take', (b) => b?.status?.phase === 'Conflict', 'Conflict', 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const kept = await h.client.get<PortBinding>('PortBinding', aliceNs, 'site-web');
    expect(kept.status?.phase).toBe('Bound');
    expect(kept.status?.hostPort).toBe(fixed);
    expect(await httpGet(fixed)).toBe(`hello-from-${alice.uid}`);
    expect(await httpGet(aliceAlloc)).toBe(`hello-from-${alice.uid}`);
    await h.client.delete('PortBinding', bobNs, 'site-take');
  });
});
