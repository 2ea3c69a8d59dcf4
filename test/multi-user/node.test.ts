/**
 * Issue 14 end to end: one system daemon (root) in multi-user node mode on the real Docker engine,
 * real unix users made with useradd — bt-alice and bt-bob in the allowed group, bt-carol not —
 * each running the real `boulder` (runuser) against it. Alice and bob each bring up a workspace
 * `app` from their own repository; neither sees, execs into, reads files of, deletes or takes the
 * ports of the other's; carol is refused; dave (admin group) sees both; alice at max_workspaces_per_user gets the daemon's limit
 * error also through a crafted API request; the owner is the proven user whatever the manifest
 * says; node default resources apply; bob cannot read alice's token or directory; files alice's
 * workspace creates are alice's (that needs effects run as the user: branch mu-exec).
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, processAlive, runBoulder, startBoulder, type RunningBoulder } from '../cli/harness.ts';
import { ensureGroup, ensureUser, type TestUser } from '../support/unix-users.ts';
import { BUSYBOX, DEBIAN, removeIsolatedNetworks, requireEngine } from '../docker/support.ts';
import { makeTraversable } from './traversable.ts';

const run = promisify(execFile);
const GROUP = 'bt-nexus';
const ADMIN_GROUP = 'bt-nexus-admin';
const RAW_CALL = new URL('./raw-call.mjs', import.meta.url).pathname;

let root: string;
let config: string;
let usersDir: string;
let socket: string;
let daemon: RunningBoulder | undefined;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let restoreModes: (() => void) | undefined;
const env = (): NodeJS.ProcessEnv => ({ NEXUS_NODE_CONFIG: config, NEXUS_STATE_DIR: '', NEXUS_USER_CONFIG: '' });

/** Result of a command run as a user. */
interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` as `user` (runuser), in `cwd`. */
function asUser(user: TestUser, argv: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', user.name, '--', ...argv], {
      cwd: options.cwd ?? user.home,
      env: { PATH: process.env['PATH'], HOME: user.home, USER: user.name, LOGNAME: user.name, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `boulder ARGS` as `user`. */
const boulder = (user: TestUser, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Ran> => asUser(user, [process.execPath, BIN, ...args], options);

/** A crafted JSON-RPC call as `user` with the user's own token file (`tokenOf` another user's file to try stealing it). */
async function rawCall(user: TestUser, method: string, params: unknown, tokenOf: TestUser = user): Promise<Record<string, unknown>> {
  const r = await asUser(user, [process.execPath, RAW_CALL, socket, join(usersDir, tokenOf.name, 'token'), method, JSON.stringify(params)]);
  const lines = r.stdout.trim().split('\n').filter((l) => l !== '');
  return Object.assign({}, ...lines.map((l) => JSON.parse(l) as Record<string, unknown>)) as Record<string, unknown>;
}

/** A repository `app` in the user's home, made by the user. */
async function makeRepository(user: TestUser): Promise<string> {
  const repo = join(user.home, 'app');
  // A previous run's worktree may hold files the workspace made (as root without mu-exec).
  await rm(repo, { recursive: true, force: true });
  const script = `mkdir -p ${repo} && cd ${repo} && git init -q -b main && echo "${user.name}" > OWNER && git add OWNER && git -c user.email=t@e -c user.name=t commit -qm init`;
  const r = await asUser(user, ['bash', '-c', script]);
  if (r.code !== 0) throw new Error(`repository of ${user.name}: ${r.stderr}`);
  return repo;
}

/** The manifest of `app` in the user's repository (claims bob as its owner: the daemon must ignore that). */
function writeManifest(user: TestUser, name = 'app'): string {
  const path = join(user.home, 'app', `${name}.yaml`);
  const yaml = [
    'apiVersion: nexus.dev/v1alpha1',
    'kind: Workspace',
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    `    nexus.dev/owner: ${bob.name}`,
    'spec:',
    '  backend: docker',
    `  image: ${DEBIAN}`,
    '  repository:',
    '    path: .',
    '  state: Running',
    '',
  ].join('\n');
  writeFileSync(path, yaml);
  execFileSyncChown(path, user);
  return path;
}

function execFileSyncChown(path: string, user: TestUser): void {
  // Written by the test as root: give it to the user, like a file they wrote.
  chownSync(path, user.uid, user.gid);
}

beforeAll(async () => {
  await requireEngine([DEBIAN, BUSYBOX]);
  await ensureBuilt();
  // The users run node and this checkout's dist/ (CI clones into a 0700 directory).
  restoreModes = makeTraversable([dirname(BIN), dirname(process.execPath)]);
  ensureGroup(GROUP);
  ensureGroup(ADMIN_GROUP);
  alice = ensureUser('bt-alice', [GROUP]);
  bob = ensureUser('bt-bob', [GROUP]);
  carol = ensureUser('bt-carol', []);
  dave = ensureUser('bt-dave', [ADMIN_GROUP]);
  // Homes private to their users (HOME_MODE 0700), as on a shared node.
  for (const user of [alice, bob, carol, dave]) chmodSync(user.home, 0o700);
  root = mkdtempSync('/tmp/bt-node-');
  chmodSync(root, 0o755);
  usersDir = join(root, 'workspaces');
  socket = join(usersDir, 'api.sock');
  mkdirSync(join(root, 'etc'), { mode: 0o755 });
  config = join(root, 'etc', 'config.yaml');
  writeFileSync(
    config,
    [
      'multi_user:',
      '  enabled: true',
      `  state_dir: ${join(root, 'state')}`,
      `  users_dir: ${usersDir}`,
      `  group: ${GROUP}`,
      `  admin_group: ${ADMIN_GROUP}`,
      '  auth:',
      '    method: unix',
      'limits:',
      '  max_workspaces_per_user: 1',
      '  max_workspaces_total: 10',
      'defaults:',
      '  resources:',
      '    memory: 256Mi',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  await makeRepository(alice);
  await makeRepository(bob);
  daemon = startBoulder(['daemon'], { env: { ...env(), BOULDER_NODE_REFRESH_MS: '300' } });
  await daemon.until((_out, err) => err.includes('boulder daemon running'), 60_000);
}, 180_000);

afterAll(async () => {
  if (daemon !== undefined) {
    for (const user of [alice, bob]) await boulder(user, ['delete', 'workspace', 'app', '--wait', '--timeout', '60s'], { timeoutMs: 90_000 }).catch(() => undefined);
    daemon.child.kill('SIGTERM');
    const pid = daemon.child.pid;
    await Promise.race([daemon.exited, sleep(40_000)]);
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  for (const user of [alice, bob]) if (user !== undefined) await rm(join(user.home, 'app'), { recursive: true, force: true });
  await removeIsolatedNetworks([alice, bob, carol, dave].flatMap((u) => (u === undefined ? [] : [u.name])));
  restoreModes?.();
}, 180_000);

describe('a multi-user node', () => {
  it('refuses auth methods other than unix with a clear "not supported" error', async () => {
    const other = join(root, 'etc', 'ldap.yaml');
    writeFileSync(other, 'multi_user:\n  enabled: true\n  auth:\n    method: ldap\n');
    const r = await runBoulder(['daemon'], { env: { NEXUS_NODE_CONFIG: other, NEXUS_STATE_DIR: join(root, 'ldap-state') }, timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/multi_user\.auth\.method "ldap" is not supported/);
  });

  it('keeps the state dir private and gives each allowed user a 0700 directory with a 0600 token only they can read', async () => {
    const state = statSync(join(root, 'state'));
    expect(state.mode & 0o777).toBe(0o700);
    expect(state.uid).toBe(0);
    for (const user of [alice, bob]) {
      const dir = statSync(join(usersDir, user.name));
      expect(dir.mode & 0o777).toBe(0o700);
      expect(dir.uid).toBe(user.uid);
      const token = statSync(join(usersDir, user.name, 'token'));
      expect(token.mode & 0o777).toBe(0o600);
      expect(token.uid).toBe(user.uid);
    }
    expect(() => statSync(join(usersDir, carol.name))).toThrow();
    // Bob can neither read alice's token nor list her directory, nor reach the store.
    expect((await asUser(bob, ['cat', join(usersDir, alice.name, 'token')])).stderr).toMatch(/Permission denied/);
    expect((await asUser(bob, ['ls', join(usersDir, alice.name)])).stderr).toMatch(/Permission denied/);
    expect((await asUser(bob, ['ls', join(root, 'state')])).stderr).toMatch(/Permission denied/);
    // A stolen-token attempt reads nothing, so the call is unauthenticated.
    const stolen = await rawCall(bob, 'resources.list', { kind: 'Workspace' }, alice);
    expect(stolen['readError']).toBe('EACCES');
    expect(JSON.stringify(stolen)).toMatch(/authenticate first|Unauthenticated/);
  });

  it('refuses carol, who is not in the allowed group, with a clear message', async () => {
    const r = await boulder(carol, ['get', 'workspaces']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`user ${carol.name} may not use boulder on this multi-user node`);
    expect(r.stderr).toContain(`members of group ${GROUP}`);
  });

  // Ready needs git run as the user in the user's repository (branch mu-exec): as root, git refuses
  // the repository ("dubious ownership") and the workspace reports NotAGitRepository.
  it('brings up alice\'s and bob\'s own `app` in their own namespaces, owner stamped from the proven user', async () => {
    // Alice applies a manifest (claiming bob as the owner); bob uses `init` and `up`: both over the API.
    const applied = await boulder(alice, ['apply', '-f', writeManifest(alice)], { cwd: join(alice.home, 'app') });
    expect(applied.code, applied.stderr).toBe(0);
    const bobRepo = join(bob.home, 'app');
    expect((await boulder(bob, ['init'], { cwd: bobRepo })).code).toBe(0);
    const up = await boulder(bob, ['up', '--image', DEBIAN, '--backend', 'docker', '--set', 'workspace.name=app'], { cwd: bobRepo });
    expect(up.code, up.stderr).toBe(0);
    // Root reads the store itself: each object is in user-<name>, owned by that user (the manifest's owner is ignored).
    for (const user of [alice, bob]) {
      const r = await runBoulder(['get', 'workspace', 'app', '-n', `user-${user.name}`, '-o', 'json'], { env: env() });
      expect(r.code, r.stderr).toBe(0);
      const obj = JSON.parse(r.stdout) as { metadata: { annotations: Record<string, string> }; spec: { resources?: Record<string, unknown> } };
      expect(obj.metadata.annotations['nexus.dev/owner']).toBe(user.name);
      expect(obj.spec.resources).toEqual({ memory: '256Mi' });
    }
    for (const user of [alice, bob]) {
      const r = await boulder(user, ['wait', '--for=condition=Ready', 'workspace/app', '--timeout', '120s'], { timeoutMs: 150_000 });
      expect(r.code, `${user.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 300_000);

  it('shows each user only their own workspaces, also with -A; an admin sees all', async () => {
    for (const [user, other] of [[alice, bob], [bob, alice]] as const) {
      const r = await boulder(user, ['get', 'workspaces', '-A', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const items = (JSON.parse(r.stdout) as { items: { metadata: { namespace: string } }[] }).items;
      expect(items.map((i) => i.metadata.namespace)).toEqual([`user-${user.name}`]);
      const crafted = await rawCall(user, 'resources.list', { kind: 'Workspace', namespace: `user-${other.name}` });
      expect(JSON.stringify(crafted)).toMatch(/may act only in namespace/);
    }
    const all = await runBoulder(['node', 'status', '-o', 'json'], { env: env() });
    expect(all.code, all.stderr).toBe(0);
    const status = JSON.parse(all.stdout) as { users: { name: string; workspaces: string[] }[]; total: number; limits: Record<string, number> };
    expect(status.users.find((u) => u.name === alice.name)?.workspaces).toEqual(['app']);
    expect(status.users.find((u) => u.name === bob.name)?.workspaces).toEqual(['app']);
    expect(status.limits).toEqual({ max_workspaces_per_user: 1, max_workspaces_total: 10 });
    // A member of the admin group sees every user's workspaces, and the node's status, through the API.
    const admin = await boulder(dave, ['get', 'workspaces', '-A', '-o', 'json']);
    expect(admin.code, admin.stderr).toBe(0);
    expect((JSON.parse(admin.stdout) as { items: { metadata: { namespace: string } }[] }).items.map((i) => i.metadata.namespace).sort()).toEqual([`user-${alice.name}`, `user-${bob.name}`]);
    const adminStatus = await boulder(dave, ['node', 'status']);
    expect(adminStatus.code, adminStatus.stderr).toBe(0);
    expect(adminStatus.stdout).toMatch(new RegExp(`${alice.name}\\s+user\\s+1/1\\s+app`));
    const refused = await boulder(alice, ['node', 'status']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/for the node's administrators/);
  });

  it('lets neither user exec into, read files of, delete or take the ports of the other\'s workspace', async () => {
    const exec = await boulder(alice, ['exec', 'app', '-n', `user-${bob.name}`, '--', 'cat', '/workspace/OWNER']);
    expect(exec.code).not.toBe(0);
    expect(exec.stdout).toBe('');
    expect(exec.stderr).toMatch(/may act only in namespace user-bt-alice/);
    const read = await rawCall(alice, 'fs.read', { workspace: 'app', namespace: `user-${bob.name}`, path: 'OWNER' });
    expect(JSON.stringify(read)).toMatch(/may act only in namespace/);
    expect((await asUser(alice, ['cat', join(bob.home, 'app', 'OWNER')])).stderr).toMatch(/Permission denied/);
    const del = await boulder(alice, ['delete', 'workspace', 'app', '-n', `user-${bob.name}`]);
    expect(del.code).not.toBe(0);
    const ports = await boulder(alice, ['ports', 'app', '-n', `user-${bob.name}`]);
    expect(ports.code).not.toBe(0);
    const binding = await rawCall(alice, 'resources.apply', {
      object: { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'steal', namespace: `user-${bob.name}` }, spec: { workspace: 'app', port: 80, hostPort: 33001 } },
    });
    expect(JSON.stringify(binding)).toMatch(/may act only in namespace/);
    const still = await boulder(bob, ['get', 'workspace', 'app', '-o', 'name']);
    expect(still.stdout.trim()).toBe('workspace.nexus.dev/app');
    // Her own exec and file read reach her own `app` (a running workspace: needs the worktree made as the user, mu-exec).
    const own = await boulder(alice, ['exec', 'app', '--', 'cat', '/workspace/OWNER']);
    expect(own.stdout.trim(), own.stderr).toBe(alice.name);
    const mine = await rawCall(alice, 'fs.read', { workspace: 'app', path: 'OWNER' });
    expect(Buffer.from(String((mine['result'] as { data?: string } | undefined)?.data ?? ''), 'base64').toString(), JSON.stringify(mine)).toContain(alice.name);
  });

  it('enforces max_workspaces_per_user in the daemon: CLI and crafted API requests get the limit and the count', async () => {
    const second = writeManifest(alice, 'app2');
    const cli = await boulder(alice, ['apply', '-f', second], { cwd: join(alice.home, 'app') });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/max_workspaces_per_user is 1 and user bt-alice has 1 workspace \(app\)/);
    // Crafted: the default namespace and bob as the owner — still alice's, still refused by the daemon.
    const crafted = await rawCall(alice, 'resources.apply', {
      object: { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'sneaky', namespace: 'default', annotations: { 'nexus.dev/owner': bob.name } }, spec: { backend: 'docker', image: BUSYBOX } },
    });
    expect(JSON.stringify(crafted)).toMatch(/max_workspaces_per_user is 1 and user bt-alice has 1 workspace/);
    const list = await runBoulder(['get', 'workspaces', '-A', '-o', 'name'], { env: env() });
    expect(list.stdout).not.toMatch(/sneaky|app2/);
  });

  it('leaves the files alice\'s workspace creates in her worktree owned by alice', async () => {
    const r = await boulder(alice, ['exec', 'app', '--', 'sh', '-c', 'echo made > /workspace/made-by-workspace && stat -c %u /workspace/made-by-workspace']);
    expect(r.code, r.stderr).toBe(0);
    const ws = JSON.parse((await runBoulder(['get', 'workspace', 'app', '-n', `user-${alice.name}`, '-o', 'json'], { env: env() })).stdout) as { status?: { worktreePath?: string } };
    const worktree = ws.status?.worktreePath;
    expect(worktree, 'status.worktreePath').toBeDefined();
    expect(statSync(join(worktree as string, 'made-by-workspace')).uid).toBe(alice.uid);
  });

  it('revokes a user who leaves the group: token removed, the API refuses them', async () => {
    await run('gpasswd', ['-d', bob.name, GROUP]);
    try {
      let r: Ran | undefined;
      for (let i = 0; i < 40; i++) {
        await sleep(250);
        r = await boulder(bob, ['get', 'workspaces']);
        if (r.code !== 0) break;
      }
      expect(r?.code).not.toBe(0);
      expect(r?.stderr).toMatch(/may not use boulder on this multi-user node|may not use this node/);
    } finally {
      await run('gpasswd', ['-a', bob.name, GROUP]);
    }
  });
});
