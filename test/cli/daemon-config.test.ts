/**
 * Black-box tests of the node configuration's `daemon` and `multi_user` keys: the state dir, the
 * daemon's socket and log level come from the node file named by NEXUS_NODE_CONFIG (below flags and
 * NEXUS_* variables), `config view --show-origin` says where, and a broken file fails every command
 * that needs the state dir with file:line:col. Every daemon started here is stopped in afterAll.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ensureBuilt, processAlive, runBoulder, startBoulder, type RunResult } from './harness.ts';

let root: string;
let home: string;
const pids = new Set<number>();
/** [state dir, node file] of every daemon that may have been started. */
const daemons: [string, string][] = [];

/** A file as messages show it: relative to the working directory (root). */
const shown = (path: string): string => relative(root, path);

const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** Runs boulder in `root` with only this test's configuration (no host NEXUS_* leaks in). */
function boulder(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const clean = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('NEXUS_')).map((k) => [k, '']));
  return runBoulder(args, { cwd: root, env: { ...clean, HOME: home, ...env } });
}

beforeAll(async () => {
  await ensureBuilt();
  // Short: the daemon's socket path must fit in sun_path.
  root = mkdtempSync(join(tmpdir(), 'bdc-'));
  home = join(root, 'home');
  mkdirSync(home, { recursive: true });
});

afterAll(async () => {
  for (const [stateDir, nodeFile] of daemons) await boulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s'], { NEXUS_NODE_CONFIG: nodeFile });
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('daemon.state_dir of the node configuration', () => {
  it('is the store apply and get use (relative to the node file), below NEXUS_STATE_DIR and --state-dir', async () => {
    const nodeFile = write(join(root, 'a', 'etc', 'config.yaml'), 'daemon:\n  state_dir: ../state\n');
    const env = { NEXUS_NODE_CONFIG: nodeFile };
    const stateDir = join(root, 'a', 'state');
    const applied = await boulder(['apply', '-f', join(FIXTURES, 'workspace.yaml'), '--no-daemon'], env);
    expect(applied).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo created\n' });
    expect(existsSync(join(stateDir, 'boulder.db'))).toBe(true);
    expect(await boulder(['get', 'ws', '-o', 'name'], env)).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo\n' });
    // The same store named explicitly; other stores are empty.
    expect((await boulder(['--state-dir', stateDir, 'get', 'ws', '-o', 'name'])).stdout).toBe('workspace.nexus.dev/demo\n');
    expect((await boulder(['get', 'ws', '-o', 'name'], { ...env, NEXUS_STATE_DIR: join(root, 'a', 'env-state') })).stdout).toBe('');
    expect((await boulder(['--state-dir', join(root, 'a', 'flag-state'), 'get', 'ws', '-o', 'name'], { ...env, NEXUS_STATE_DIR: stateDir })).stdout).toBe('');
    expect((await boulder(['daemon', 'status'], env)).stdout).toBe(`boulder daemon is not running\n  state dir:  ${stateDir}\n`);
  });

  it('shows in config view --show-origin with the node file, line and column', async () => {
    const nodeFile = write(join(root, 'b', 'config.yaml'), 'daemon:\n  state_dir: /srv/boulder\n  log_level: debug\n');
    const r = await boulder(['config', 'view', '--show-origin'], { NEXUS_NODE_CONFIG: nodeFile, NEXUS_STATE_DIR: '/env/state' });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('  state_dir: /env/state # env NEXUS_STATE_DIR (overrides node /srv/boulder)');
    expect(lines).toContain(`  log_level: debug # node ${shown(nodeFile)}:3:14`);
    const flagged = await boulder(['--state-dir', '/flag/state', 'config', 'explain', 'daemon.state_dir'], { NEXUS_NODE_CONFIG: nodeFile, NEXUS_STATE_DIR: '/env/state' });
    expect(flagged.stdout.split('\n').slice(0, 6)).toEqual([
      'KEY       daemon.state_dir',
      'VALUE     /flag/state',
      'SET BY    flag --state-dir',
      'OVERRODE  env NEXUS_STATE_DIR: /env/state',
      `          node ${shown(nodeFile)}:2:14: /srv/boulder`,
      'CHAIN     node /srv/boulder < env /env/state < flag /flag/state → /flag/state',
    ]);
  });
});

describe('multi_user', () => {
  it('makes multi_user.state_dir the default state dir, and config view says why', async () => {
    const nodeFile = write(join(root, 'm', 'config.yaml'), 'multi_user:\n  enabled: true\n  state_dir: shared\n');
    const env = { NEXUS_NODE_CONFIG: nodeFile };
    expect((await boulder(['apply', '-f', join(FIXTURES, 'workspace.yaml'), '--no-daemon'], env)).code).toBe(0);
    expect(existsSync(join(root, 'm', 'shared', 'boulder.db'))).toBe(true);
    const view = await boulder(['config', 'view', '--show-origin'], env);
    expect(view.stdout.split('\n')).toContain(
      `  state_dir: ${join(root, 'm', 'shared')} # node ${shown(nodeFile)}:3:14 (multi_user.state_dir); multi-user mode (multi_user.enabled at ${shown(nodeFile)}:2:12)`,
    );
  });
});

describe('daemon.socket and daemon.log_level', () => {
  it('the daemon apply starts listens on daemon.socket and logs at daemon.log_level', async () => {
    const stateDir = join(root, 's', 'state');
    const socket = join(root, 's', 'run', 'b.sock');
    const nodeFile = write(join(root, 's', 'config.yaml'), `daemon:\n  state_dir: ${stateDir}\n  socket: run/b.sock\n  log_level: debug\n`);
    const env = { NEXUS_NODE_CONFIG: nodeFile };
    daemons.push([stateDir, nodeFile]);
    const applied = await boulder(['apply', '-f', join(FIXTURES, 'workspace.yaml')], env);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(/^started boulder daemon \(pid \d+\)/);
    expect(existsSync(socket)).toBe(true);
    expect(existsSync(join(stateDir, 'daemon.sock'))).toBe(false);

    const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'], env)).stdout) as { running: boolean; pid: number; socket: string; stateDir: string };
    pids.add(status.pid);
    expect(status).toMatchObject({ running: true, socket, stateDir });
    expect((await boulder(['daemon', 'status'], env)).stdout).toContain(`\n  socket:     ${socket} (node ${shown(nodeFile)}:3:11)\n`);
    // Without the configuration the daemon is not found: its socket is elsewhere.
    expect((await boulder(['--state-dir', stateDir, 'daemon', 'status'])).code).toBe(3);

    expect(await boulder(['daemon', 'stop'], env)).toMatchObject({ code: 0, stdout: `boulder daemon stopped (pid ${status.pid})\n` });
    expect(existsSync(socket)).toBe(false);
    // The background daemon's stderr goes to the same file: only the JSON lines are log records.
    const lines = (await readFile(join(stateDir, 'logs', 'daemon.log'), 'utf8')).split('\n').filter((l) => l.startsWith('{'));
    const log = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const settings = log.find((l) => l['msg'] === 'daemon settings');
    expect(settings).toMatchObject({ level: 20, socket, socketFrom: `node ${shown(nodeFile)}:3:11`, logLevel: 'debug', logLevelFrom: `node ${shown(nodeFile)}:4:14` });
  });

  it('NEXUS_LOG_LEVEL overrides daemon.log_level (warn: no info lines)', async () => {
    const stateDir = join(root, 'w', 'state');
    const nodeFile = write(join(root, 'w', 'config.yaml'), `daemon:\n  state_dir: ${stateDir}\n  log_level: debug\n`);
    daemons.push([stateDir, nodeFile]);
    const daemon = startBoulder(['daemon'], { cwd: root, env: { HOME: home, NEXUS_NODE_CONFIG: nodeFile, NEXUS_LOG_LEVEL: 'warn', NEXUS_STATE_DIR: '' } });
    if (daemon.child.pid !== undefined) pids.add(daemon.child.pid);
    await daemon.until((_out, err) => err.includes('boulder daemon running'));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const text = await readFile(join(stateDir, 'logs', 'daemon.log'), 'utf8').catch(() => '');
    const levels = text.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels.every((level) => level >= 40)).toBe(true);
  }, 60_000);

  it('refuses to use a shared socket held by the daemon of another state dir', async () => {
    const stateDir = join(root, 'x', 'state');
    const nodeFile = write(join(root, 'x', 'config.yaml'), `daemon:\n  state_dir: ${stateDir}\n  socket: x.sock\n`);
    const env = { NEXUS_NODE_CONFIG: nodeFile };
    daemons.push([stateDir, nodeFile]);
    const daemon = startBoulder(['daemon'], { cwd: root, env: { HOME: home, ...env, NEXUS_STATE_DIR: '' } });
    if (daemon.child.pid !== undefined) pids.add(daemon.child.pid);
    await daemon.until((_out, err) => err.includes('boulder daemon running'));
    const other = join(root, 'x', 'other');
    const applied = await boulder(['--state-dir', other, 'apply', '-f', join(FIXTURES, 'workspace.yaml')], env);
    expect(applied.code).toBe(7);
    expect(applied.stderr).toContain(`serves the state dir ${stateDir}, not ${other}`);
    const second = await boulder(['--state-dir', other, 'daemon'], env);
    expect(second).toMatchObject({ code: 7, stderr: `error: the daemon socket ${join(root, 'x', 'x.sock')} is held by the daemon (pid ${daemon.child.pid}) of another state dir, ${stateDir}\n` });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});

describe('a broken node file', () => {
  it('fails commands that need the state dir with file:line:col and exit 3', async () => {
    const nodeFile = write(join(root, 'bad', 'config.yaml'), 'daemon:\n  sokcet: /run/b.sock\n');
    for (const args of [['get', 'ws'], ['daemon', 'status'], ['apply', '-f', join(FIXTURES, 'workspace.yaml'), '--no-daemon']]) {
      const r = await boulder(args, { NEXUS_NODE_CONFIG: nodeFile });
      expect(r).toMatchObject({ code: 3, stdout: '', stderr: `error: ${shown(nodeFile)}:2:3: daemon.sokcet: unknown field "sokcet"\n` });
    }
    write(nodeFile, 'daemon:\n  state_dir: [unclosed\n');
    const syntax = await boulder(['get', 'ws'], { NEXUS_NODE_CONFIG: nodeFile });
    expect(syntax.code).toBe(3);
    expect(syntax.stderr).toMatch(new RegExp(`^error: ${shown(nodeFile)}:\\d+:\\d+: invalid YAML`));
  });

  it('does not concern commands that do not use the state dir', async () => {
    const nodeFile = write(join(root, 'bad2', 'config.yaml'), 'daemon: {sokcet: x}\n');
    expect((await boulder(['explain', 'workspace'], { NEXUS_NODE_CONFIG: nodeFile })).code).toBe(0);
    expect((await boulder(['completion', 'bash'], { NEXUS_NODE_CONFIG: nodeFile })).code).toBe(0);
  });
});
