/**
 * Black-box tests of the project front door: the real bin/boulder.js in temporary git repositories.
 * `boulder init` then `boulder up --dry-run -o yaml` yields manifests `boulder apply` accepts;
 * flags and NEXUS_* variables show in what up renders; a repository with only a devcontainer.json
 * uses it; `boulder up --wait` / `boulder down --wait` with the mock backend (a background daemon,
 * stopped in afterAll) bring a workspace to Ready and remove it, worktree included; errors exit
 * with their codes and file:line:col lines.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
let root: string;
const pids = new Set<number>();
/** Environment without node or user configuration (the machine's must not leak in). */
const ENV = { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' };

function boulder(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runBoulder(['--state-dir', stateDir, ...args], { cwd, env: { ...ENV, ...env }, timeoutMs: 60_000 });
}

/** A new git repository with one commit, named `name`. */
async function newRepo(name: string, files: Record<string, string> = {}): Promise<string> {
  const repo = join(root, name);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'README.md'), `${name}\n`);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(repo, path, '..'), { recursive: true });
    await writeFile(join(repo, path), text);
  }
  execFileSync('git', ['-C', repo, 'add', '.']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init']);
  return repo;
}

async function rememberDaemon(): Promise<void> {
  const status = JSON.parse((await runBoulder(['--state-dir', stateDir, 'daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
}

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  root = await mkdtemp(join(tmpdir(), 'bcli-up-'));
});

afterAll(async () => {
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
  await rm(root, { recursive: true, force: true });
});

describe('boulder init → up --dry-run → apply', () => {
  it('renders manifests from the starter configuration that boulder apply accepts', async () => {
    const repo = await newRepo('storefront');
    const init = await boulder(repo, ['init']);
    expect(init).toMatchObject({ code: 0, stdout: 'wrote .nexus/config.yaml\n', stderr: '' });
    const starter = await readFile(join(repo, '.nexus', 'config.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(\/.+)\n/.exec(starter);
    expect(modeline).not.toBeNull();
    expect(existsSync(modeline?.[1] as string)).toBe(true);

    const dry = await boulder(join(repo), ['up', '--dry-run', '-o', 'yaml']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toBe('');
    expect(dry.stdout.split('\n')[0]).toBe('# Rendered by boulder up from .nexus/config.yaml; commit this file to apply it with boulder apply -f');
    const manifest = join(repo, 'workspace.yaml');
    await writeFile(manifest, dry.stdout);

    const applied = await boulder(root, ['apply', '-f', manifest, '--no-daemon']);
    expect(applied).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/storefront created\n' });
    const stored = JSON.parse((await boulder(root, ['get', 'ws', 'storefront', '-o', 'json'])).stdout) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: Record<string, unknown>;
    };
    expect(stored.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/project': 'storefront' });
    expect(stored.metadata.annotations['nexus.dev/rendered-from']).toBe('.nexus/config.yaml');
    expect(stored.spec).toMatchObject({
      repository: { path: repo },
      backend: 'docker',
      image: 'node:24-bookworm',
      ports: { web: { containerPort: 3000 } },
      env: { APP_ENV: 'development' },
      scripts: { postStart: 'echo "workspace ready"' },
    });
    // Re-applying the committed output changes nothing; neither does up itself (same objects).
    expect((await boulder(root, ['apply', '-f', manifest, '--no-daemon'])).stdout).toBe('workspace.nexus.dev/storefront unchanged\n');
    expect((await boulder(repo, ['up', '--no-daemon'])).stdout).toBe('workspace.nexus.dev/storefront unchanged\n');
    // No daemon ran (so no finalizer): the object goes at once, before a daemon of a later test could act on it.
    expect(await boulder(root, ['delete', 'ws', 'storefront'])).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "storefront" deleted\n' });
    expect((await boulder(root, ['get', 'ws', 'storefront'])).code).toBe(4);
  });

  it('reflects flags and NEXUS_* variables, and names other workspaces by NAME', async () => {
    const repo = await newRepo('flags', { '.nexus/config.yaml': 'workspace: {image: busybox, idle_timeout: 1h}\nports: {web: {port: 3000}}\n' });
    const r = await boulder(repo, ['up', 'feature-a', '--dry-run', '--backend', 'mock', '--set', 'ports.web.host_port=13000', '--set', 'sync.mode=two-way-safe', '--port-range', '33000-33999'], {
      NEXUS_IDLE_TIMEOUT: '5h',
      NEXUS_IMAGE: 'alpine:3',
    });
    expect(r.code, r.stderr).toBe(0);
    const ws = parse(r.stdout) as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(ws.metadata.name).toBe('feature-a');
    expect(ws.spec).toMatchObject({ backend: 'mock', image: 'alpine:3', idleTimeout: '5h', ports: { web: { containerPort: 3000, hostPort: 13000 } }, sync: { mode: 'two-way-safe' } });
    // One document: a sync mode renders no SyncSession (the Workspace owns `feature-a-sync`).
    expect(r.stdout).not.toContain('kind: SyncSession');
  });
});

describe('boulder up → Ready → boulder down (mock backend, background daemon)', () => {
  it('brings the workspace up and removes it with its worktree', async () => {
    const repo = await newRepo('ledger', { '.nexus/config.yaml': 'workspace: {image: busybox}\nbackend: mock\n' });
    const up = await boulder(repo, ['up', '--wait', '--timeout', '30s']);
    await rememberDaemon();
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toBe('workspace.nexus.dev/ledger created\n');
    expect(up.stderr.trimEnd().split('\n').at(-1)).toMatch(/^workspace\/ledger: Ready \(\d+\.\ds\)$/);
    expect(readdirSync(join(repo, '.nexus', 'worktrees'))).toEqual(['ledger']);
    const list = await boulder(repo, ['ws', 'list']);
    expect(list.stdout).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE\nledger +Running +mock +nexus\/ledger +Running +\S+ +True +\d+s\n$/);

    const down = await boulder(repo, ['down', '--wait', '--timeout', '30s']);
    expect(down).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "ledger" deleted\n' });
    expect((await boulder(repo, ['get', 'ws', 'ledger'])).code).toBe(4);
    expect(readdirSync(join(repo, '.nexus', 'worktrees'))).toEqual([]);
    expect(execFileSync('git', ['-C', repo, 'worktree', 'list'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
  });
});

describe('a repository with only a devcontainer.json', () => {
  it('boulder up uses it, naming what it could not map', async () => {
    const repo = await newRepo('dc-only', {
      '.devcontainer/devcontainer.json': '// from a template\n{\n  "name": "Node",\n  "image": "busybox",\n  "forwardPorts": [3000],\n  "postCreateCommand": ["npm", "ci"],\n  "remoteUser": "node",\n}\n',
    });
    const r = await boulder(repo, ['up', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('using .devcontainer/devcontainer.json (not mapped: name, remoteUser; boulder import devcontainer lists why)\n');
    const ws = parse(r.stdout) as { metadata: { name: string; annotations: Record<string, string> }; spec: Record<string, unknown> };
    expect(ws.metadata).toMatchObject({ name: 'dc-only', annotations: { 'nexus.dev/rendered-from': '.devcontainer/devcontainer.json' } });
    expect(ws.spec).toMatchObject({ image: 'busybox', ports: { 'port-3000': { containerPort: 3000 } }, scripts: { preStart: 'npm ci' } });

    const imported = await boulder(repo, ['import', 'devcontainer']);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain("not mapped: remoteUser: the workspace runs as the image's user\n");
    expect(parse(imported.stdout)).toEqual({ workspace: { image: 'busybox' }, ports: { 'port-3000': { port: 3000 } }, scripts: { pre_start: 'npm ci' } });
  });
});

describe('errors', () => {
  it('exit 4 without configuration, 3 for a broken one (file:line:col), 2 for bad usage', async () => {
    const repo = await newRepo('bare');
    const none = await boulder(repo, ['up']);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('run boulder init');
    await mkdir(join(repo, '.nexus'));
    await writeFile(join(repo, '.nexus', 'config.yaml'), 'workspace:\n  image: busybox\nports:\n  web: {port: "3000"}\n');
    const broken = await boulder(repo, ['up', '--dry-run']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/^error: \.nexus\/config\.yaml:4:\d+: ports\.web\.port: must be an integer$/m);
    expect((await boulder(repo, ['up', '--dry-run', '--wait'])).code).toBe(2);
    expect((await boulder(repo, ['init'])).code).toBe(5);
  });
});
