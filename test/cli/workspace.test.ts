/**
 * Black-box tests of `boulder workspace` (alias `ws`) and `boulder switch`: the real bin/boulder.js
 * against a temporary state dir with a background daemon (started by the first command, stopped in
 * afterAll) converging `backend: mock` workspaces.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
let repo: string;
const pids = new Set<number>();
const boulder = (...args: string[]): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args]);

interface WorkspaceJson {
  metadata: { generation: number; annotations?: Record<string, string> };
  spec: { state: string };
  status?: { phase?: string; observedGeneration?: number; timings?: { lastSwitchMs?: number }; conditions?: { type: string; status: string }[] };
}

async function getWs(name: string): Promise<WorkspaceJson> {
  const r = await boulder('get', 'ws', name, '-o', 'json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as WorkspaceJson;
}

async function rememberDaemon(): Promise<void> {
  const status = JSON.parse((await boulder('daemon', 'status', '-o', 'json')).stdout) as { pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
}

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  repo = await mkdtemp(join(tmpdir(), 'bcli-repo-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'README.md'), 'hello\n');
  execFileSync('git', ['-C', repo, 'add', '.']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init']);
});

afterAll(async () => {
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
  await rm(repo, { recursive: true, force: true });
});

describe('boulder workspace', () => {
  it('creates a workspace, starting a daemon, and shows its conditions turning True', async () => {
    const r = await boulder('workspace', 'create', 'alpha', '--image', 'busybox', '--backend', 'mock', '--wait', '--timeout', '20s');
    await rememberDaemon();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('workspace.nexus.dev/alpha created\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^started boulder daemon \(pid \d+\) for /);
    expect(lines).toContain('workspace/alpha: ContainerReady=True (Running)');
    expect(lines.at(-1)).toMatch(/^workspace\/alpha: Ready \(\d+\.\ds\)$/);
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('lists workspaces like get workspaces (ws alias, -o, -A)', async () => {
    const list = await boulder('ws', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE\nalpha +Running +mock +<none> +Running +\S+ +True +\d+s\n$/);
    expect((await boulder('ws', 'list', '-A', '-o', 'name')).stdout).toBe('workspace.nexus.dev/alpha\n');
    const withoutAge = (text: string): string => text.replace(/ +\S+\n/g, '\n');
    expect(withoutAge((await boulder('get', 'ws')).stdout)).toBe(withoutAge(list.stdout));
  });

  it('pauses, starts and stops, waiting for Ready at the new generation', async () => {
    const pause = await boulder('ws', 'pause', 'alpha', '--wait', '--timeout', '20s');
    expect(pause).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/alpha paused\n' });
    expect(pause.stderr).toContain('workspace/alpha: ContainerReady=True (Paused)\n');
    let ws = await getWs('alpha');
    expect([ws.spec.state, ws.status?.phase, ws.status?.observedGeneration]).toEqual(['Paused', 'Paused', ws.metadata.generation]);

    expect((await boulder('ws', 'start', 'alpha', '--wait', '--timeout', '20s')).code).toBe(0);
    expect((await getWs('alpha')).status?.phase).toBe('Running');

    const stop = await boulder('ws', 'stop', 'alpha', '--wait', '--timeout', '20s');
    expect(stop).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/alpha stopped\n' });
    ws = await getWs('alpha');
    expect([ws.spec.state, ws.status?.phase]).toEqual(['Stopped', 'Stopped']);

    const again = await boulder('ws', 'stop', 'alpha');
    expect(again).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/alpha unchanged (already Stopped)\n', stderr: '' });
  });

  it('switches between two workspaces without a repository: only the target is made Running', async () => {
    expect((await boulder('ws', 'create', 'beta', '--image', 'busybox', '--backend', 'mock', '--state', 'Paused', '--wait', '--timeout', '20s')).code).toBe(0);
    const r = await boulder('switch', 'alpha');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^switched to alpha in \d+ ms\n$/);
    const alpha = await getWs('alpha');
    expect(alpha.status?.phase).toBe('Running');
    expect(alpha.metadata.annotations?.['nexus.dev/switch-requested-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const b = await boulder('ws', 'switch', 'beta');
    expect(b.stdout).toMatch(/^switched to beta in \d+ ms\n$/);
    expect((await getWs('beta')).status?.phase).toBe('Running');
    expect((await getWs('alpha')).spec.state).toBe('Running');
  });

  it('switches between two workspaces of one git repository, pausing the other and recording .nexus/current', async () => {
    for (const name of ['one', 'two']) {
      const r = await boulder('ws', 'create', name, '--image', 'busybox', '--backend', 'mock', '--repo', repo, '--wait', '--timeout', '30s');
      expect(r.code, r.stderr).toBe(0);
    }
    const toTwo = await boulder('switch', 'two', '--timeout', '20s');
    expect(toTwo.code, toTwo.stderr).toBe(0);
    expect(toTwo.stdout).toMatch(/^switched to two in \d+ ms \(paused: one\)\n$/);
    expect(await readFile(join(repo, '.nexus', 'current'), 'utf8')).toBe('two\n');
    expect((await getWs('one')).spec.state).toBe('Paused');

    const toOne = await boulder('ws', 'switch', 'one', '--timeout', '20s');
    expect(toOne.stdout).toMatch(/^switched to one in \d+ ms \(paused: two\)\n$/);
    expect(await readFile(join(repo, '.nexus', 'current'), 'utf8')).toBe('one\n');
    const one = await getWs('one');
    expect([one.spec.state, one.status?.phase]).toEqual(['Running', 'Running']);
    expect((await getWs('two')).spec.state).toBe('Paused');
    // The switched-to workspace is fast to come back: well under a second here, even on a loaded machine.
    const ms = Number(/in (\d+) ms/.exec(toOne.stdout)?.[1]);
    expect(ms).toBeLessThan(1000);
  });

  it('switches through the running daemon (the CLI opens no store), and by itself with --no-daemon', async () => {
    const hook = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });`;
    const traced = (...args: string[]): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args], { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(hook)}`] });
    const opensStore = (r: RunResult): boolean => r.stderr.split('\n').includes('LOADED node:sqlite');

    const viaDaemon = await traced('switch', 'two', '--timeout', '20s');
    expect(viaDaemon.code, viaDaemon.stderr).toBe(0);
    expect(viaDaemon.stdout).toMatch(/^switched to two in \d+ ms \(paused: one\)\n$/);
    expect(opensStore(viaDaemon)).toBe(false);
    expect(await readFile(join(repo, '.nexus', 'current'), 'utf8')).toBe('two\n');
    expect(((await getWs('two')).status?.timings?.lastSwitchMs ?? -1) >= 0).toBe(true);

    const here = await traced('switch', 'one', '--no-daemon', '--timeout', '20s');
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toMatch(/^switched to one in \d+ ms \(paused: two\)\n$/);
    expect(opensStore(here)).toBe(true);
    expect([(await getWs('one')).spec.state, (await getWs('two')).spec.state]).toEqual(['Running', 'Paused']);
  });

  it('reports a missing workspace (4), an unknown subcommand and a foreign flag (2)', async () => {
    expect(await boulder('switch', 'nope')).toMatchObject({ code: 4, stderr: 'Error from server (NotFound): workspaces.nexus.dev "nope" not found\n' });
    expect(await boulder('ws', 'start', 'nope')).toMatchObject({ code: 4 });
    const unknown = await boulder('ws', 'explode');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown subcommand "explode"');
    expect((await boulder('ws', 'list', '--image', 'x')).stderr).toContain('unknown flag: --image (not a flag of "workspace list")');
    const help = await boulder('ws', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('boulder workspace create NAME --image IMAGE');
  });

  it('destroys workspaces (--force marks them) and waits until they are gone', async () => {
    const r = await boulder('ws', 'destroy', 'alpha', 'beta', '--force', '--wait', '--timeout', '20s');
    expect(r).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "alpha" deleted\nworkspace.nexus.dev "beta" deleted\n', stderr: '' });
    expect((await boulder('get', 'ws', 'alpha')).code).toBe(4);
    const d = await boulder('delete', 'ws', 'one', 'two', '--force', '--wait', '--timeout', '20s');
    expect(d.code, d.stderr).toBe(0);
    expect((await boulder('ws', 'list')).stderr).toBe('No resources found in default namespace.\n');
  });
});
