/**
 * Black-box tests of local state modes under umask 000 (the real bin/boulder.js and its daemon):
 * the state dir 0700; the store (and -wal/-shm/-notify), logs, pid file, secrets and the daemon
 * socket 0600 — on a fresh state dir, and on an existing one with looser modes (tightened). And the
 * node setting that allows ports beyond loopback: shown with its origin, refused from any other layer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt, processAlive, runBoulder, type RunResult } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'bcli-st-'));
const pids = new Set<number>();
const stateDirs: string[] = [];
/** Environment without node or user configuration (the machine's must not leak in). */
const ENV = { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' };

/** Runs boulder with umask 000 (through sh, as a careless login shell would leave it). */
function boulderUmask000(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** `file mode` of each path (`socket 600`, `dir 700`), or `missing`. */
function modes(base: string, paths: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    paths.map((path) => {
      const full = join(base, path);
      if (!existsSync(full)) return [path, 'missing'];
      const info = lstatSync(full);
      const type = info.isSocket() ? 'socket' : info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
      return [path, `${type} ${(info.mode & 0o777).toString(8)}`];
    }),
  );
}

async function daemonPid(stateDir: string): Promise<number | undefined> {
  const r = await runBoulder(['--state-dir', stateDir, 'daemon', 'status', '-o', 'json']);
  const status = JSON.parse(r.stdout) as { running: boolean; pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
  return status.running ? status.pid : undefined;
}

const STATE_FILES = ['.', 'boulder.db', 'boulder.db-wal', 'boulder.db-shm', 'boulder.db-notify', 'logs', 'logs/daemon.log', 'daemon.pid', 'daemon.sock'];

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  for (const dir of stateDirs) await runBoulder(['--state-dir', dir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('local state modes under umask 000', () => {
  it('a fresh state dir: 0700; store, logs, pid, socket and materialized secrets 0600', async () => {
    const repo = join(root, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    mkdirSync(join(repo, '.nexus'));
    writeFileSync(join(repo, '.nexus', 'config.yaml'), 'workspace:\n  name: sec\n  image: busybox\nbackend: mock\nsecrets:\n  TOKEN: env:BOULDER_TEST_TOKEN\n');
    writeFileSync(join(repo, 'README.md'), 'x\n');
    execFileSync('git', ['-C', repo, 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init']);
    const stateDir = join(root, 'fresh', 'state');
    stateDirs.push(stateDir);

    const up = await boulderUmask000(['--state-dir', stateDir, 'up'], { cwd: repo, env: { BOULDER_TEST_TOKEN: 's3cret' } });
    expect(up.code, up.stderr).toBe(0);
    expect(await daemonPid(stateDir)).toBeDefined();
    expect(modes(stateDir, [...STATE_FILES, 'secrets', 'secrets/default', 'secrets/default/sec', 'secrets/default/sec/TOKEN'])).toEqual({
      '.': 'dir 700',
      'boulder.db': 'file 600',
      'boulder.db-wal': 'file 600',
      'boulder.db-shm': 'file 600',
      'boulder.db-notify': 'file 600',
      logs: 'dir 700',
      'logs/daemon.log': 'file 600',
      'daemon.pid': 'file 600',
      'daemon.sock': 'socket 600',
      secrets: 'dir 700',
      'secrets/default': 'dir 700',
      'secrets/default/sec': 'dir 700',
      'secrets/default/sec/TOKEN': 'file 600',
    });
    expect(modes(join(root, 'fresh'), ['.'])).toEqual({ '.': 'dir 700' });
  });

  it('an existing state dir with loose modes is tightened by the daemon and by any command', async () => {
    const stateDir = join(root, 'loose');
    stateDirs.push(stateDir);
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
    expect((await runBoulder(['--state-dir', stateDir, 'apply', '-f', join(ROOT, 'test/cli/fixtures/workspace.yaml'), '--no-daemon'], { env: ENV })).code).toBe(0);
    writeFileSync(join(stateDir, 'logs', 'daemon.log'), '');
    for (const [path, mode] of [['.', 0o777], ['logs', 0o777], ['boulder.db', 0o666], ['boulder.db-notify', 0o666], ['logs/daemon.log', 0o666]] as const) chmodSync(join(stateDir, path), mode);

    const get = await boulderUmask000(['--state-dir', stateDir, 'get', 'workspaces']);
    expect(get.code, get.stderr).toBe(0);
    expect(modes(stateDir, ['.', 'boulder.db', 'boulder.db-notify'])).toEqual({ '.': 'dir 700', 'boulder.db': 'file 600', 'boulder.db-notify': 'file 600' });

    chmodSync(stateDir, 0o755);
    const apply = await boulderUmask000(['--state-dir', stateDir, 'apply', '-f', join(ROOT, 'test/cli/fixtures/workspace.yaml')]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(await daemonPid(stateDir)).toBeDefined();
    expect(modes(stateDir, STATE_FILES)).toEqual({
      '.': 'dir 700',
      'boulder.db': 'file 600',
      'boulder.db-wal': 'file 600',
      'boulder.db-shm': 'file 600',
      'boulder.db-notify': 'file 600',
      logs: 'dir 700',
      'logs/daemon.log': 'file 600',
      'daemon.pid': 'file 600',
      'daemon.sock': 'socket 600',
    });
  });
});

describe('network.unauthenticated_bind_addresses', () => {
  it('is shown with its origin; flags, variables and the user file cannot set it', async () => {
    const dir = join(root, 'cfg');
    mkdirSync(dir);
    const node = join(dir, 'node.yaml');
    writeFileSync(node, 'network:\n  unauthenticated_bind_addresses: [192.0.2.2]\n');
    const env = { NEXUS_NODE_CONFIG: node, NEXUS_USER_CONFIG: '' };
    const view = await runBoulder(['config', 'view', '--show-origin'], { cwd: dir, env });
    expect(view.stdout.split('\n')).toEqual(expect.arrayContaining(['network:', '  unauthenticated_bind_addresses: [ 192.0.2.2 ] # node node.yaml:2:35']));
    const set = await runBoulder(['config', 'view', '--set', 'network.unauthenticated_bind_addresses=0.0.0.0'], { cwd: dir, env });
    expect(set).toMatchObject({ code: 3 });
    expect(set.stderr).toContain('network.unauthenticated_bind_addresses can only be set in the node configuration');
    const user = join(dir, 'user.yaml');
    writeFileSync(user, 'network:\n  unauthenticated_bind_addresses: [0.0.0.0]\n');
    const fromUser = await runBoulder(['config', 'view'], { cwd: dir, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: user } });
    expect(fromUser.code).toBe(3);
    expect(fromUser.stderr).toContain('user.yaml:1:1: network: unknown field "network"');
  });
});
