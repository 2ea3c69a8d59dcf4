/**
 * Black-box tests of `boulder config view|explain` and of node limits in `boulder apply`: the real
 * bin/boulder.js in child processes, with a temporary home, node file, repository and state dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBoulder, type RunResult } from './harness.ts';

let root: string;
let home: string;
let repo: string;
let nodeFile: string;

const write = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

/** Runs boulder in the repository with only this test's configuration (no host NEXUS_* leaks in). */
function boulder(args: string[], env: Record<string, string> = {}, cwd = repo): Promise<RunResult> {
  const clean = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('NEXUS_')).map((k) => [k, '']));
  return runBoulder(['--state-dir', join(root, 'state'), ...args], { cwd, env: { ...clean, HOME: home, NEXUS_NODE_CONFIG: nodeFile, ...env } });
}

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'bcfg-'));
  home = join(root, 'home');
  repo = join(root, 'code', 'api');
  nodeFile = join(root, 'etc', 'nexus', 'config.yaml');
  write(nodeFile, ['defaults:', '  idle_timeout: 30m', '  port_range: {start: 33000, end: 33999}', 'limits:', '  max_cpu: 8', ''].join('\n'));
  write(
    join(home, '.nexus', 'config.yaml'),
    ['defaults:', '  idle_timeout: 1h', 'secrets:', '  API_TOKEN: env:MY_API_TOKEN', '  DB_PASSWORD: file:/run/secrets/db', ''].join('\n'),
  );
  mkdirSync(join(repo, '.git'), { recursive: true });
  write(
    join(repo, '.nexus', 'config.yaml'),
    ['workspace:', '  image: node:24-bookworm', '  idle_timeout: 2h', 'ports:', '  web: {port: 3000}', 'secrets: [API_TOKEN, DB_PASSWORD]', ''].join('\n'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('boulder config explain', () => {
  it('node 30m < user 1h < project 2h < flag 4h < env 5h → 5h, naming the env var', async () => {
    const r = await boulder(['config', 'explain', 'idle_timeout', '--idle-timeout', '4h'], { NEXUS_IDLE_TIMEOUT: '5h', MY_API_TOKEN: 'x' });
    expect(r.stderr).toBe(`warning: ~/.nexus/config.yaml:5:16: secrets.DB_PASSWORD: secret DB_PASSWORD does not resolve: file /run/secrets/db cannot be read (ENOENT)\n`);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 9)).toEqual([
      'KEY       workspace.idle_timeout',
      'VALUE     5h',
      'SET BY    env NEXUS_IDLE_TIMEOUT',
      'OVERRODE  flag --idle-timeout: 4h',
      '          project .nexus/config.yaml:3:17: 2h',
      '          user ~/.nexus/config.yaml:2:17 (defaults.idle_timeout): 1h',
      `          node ${nodeFile}:2:17 (defaults.idle_timeout): 30m`,
      'CHAIN     node 30m < user 1h < project 2h < flag 4h < env 5h → 5h',
      'OVERRIDE  --idle-timeout, NEXUS_IDLE_TIMEOUT',
    ]);
  });

  it('prints JSON with -o json, and fails with exit 4 on an unknown key', async () => {
    const json = await boulder(['config', 'explain', 'workspace.image', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ key: 'workspace.image', entries: [{ value: 'node:24-bookworm', origin: { layer: 'project', line: 2, column: 10 } }] });
    const unknown = await boulder(['config', 'explain', 'idle_timout']);
    expect(unknown).toMatchObject({ code: 4, stdout: '' });
    expect(unknown.stderr).toContain('unknown configuration key "idle_timout"');
  });
});

describe('boulder config view', () => {
  it('prints the effective configuration as YAML (the global --state-dir counts as a flag)', async () => {
    const r = await boulder(['config', 'view', '--backend', 'mock'], { MY_API_TOKEN: 'x' });
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toEqual({
      workspace: { name: 'api', image: 'node:24-bookworm', idle_timeout: '2h' },
      backend: 'mock',
      ports: { web: { port: 3000 } },
      secrets: { API_TOKEN: 'env:MY_API_TOKEN', DB_PASSWORD: 'file:/run/secrets/db' },
      port_range: { start: 33000, end: 33999 },
      daemon: { state_dir: join(root, 'state') },
      limits: { max_cpu: '8' },
      user_secrets: { API_TOKEN: 'env:MY_API_TOKEN', DB_PASSWORD: 'file:/run/secrets/db' },
    });
  });

  it('with --show-origin, comments each value with its layer and place, and what it overrode', async () => {
    const r = await boulder(['config', 'view', '--show-origin'], { MY_API_TOKEN: 'x' });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([`# node     ${nodeFile}`, '# user     ~/.nexus/config.yaml', '# project  .nexus/config.yaml', `# repository ${repo}`]);
    expect(lines).toContain('  idle_timeout: 2h # project .nexus/config.yaml:3:17 (overrides user 1h, node 30m)');
    expect(lines).toContain(`port_range: { start: 33000, end: 33999 } # node ${nodeFile}:3:15 (defaults.port_range)`);
    expect(lines).toContain("  name: api # default built-in; the repository directory's name (api)");
    expect(lines).toContain('  API_TOKEN: env:MY_API_TOKEN # user ~/.nexus/config.yaml:4:14 (secrets.API_TOKEN); requested by project .nexus/config.yaml:6:11');
    expect(parse(r.stdout)).toMatchObject({ workspace: { idle_timeout: '2h' } });
  });

  it('prints JSON, with origins keyed by effective key under --show-origin', async () => {
    const plain = JSON.parse((await boulder(['config', 'view', '-o', 'json'])).stdout) as Record<string, unknown>;
    expect(plain).toMatchObject({ workspace: { idle_timeout: '2h' }, port_range: { start: 33000, end: 33999 } });
    const withOrigin = JSON.parse((await boulder(['config', 'view', '-o', 'json', '--show-origin'], { NEXUS_PORT_RANGE: '34000-34099' })).stdout) as {
      origins: Record<string, { layer: string; source: string; overridden: { layer: string }[] }>;
    };
    expect(withOrigin.origins['port_range']).toMatchObject({ layer: 'env', source: 'NEXUS_PORT_RANGE', overridden: [{ layer: 'node' }] });
  });

  it('never prints a secret value, only where it comes from', async () => {
    const env = { MY_API_TOKEN: 'tok-s3cr3t-value', NEXUS_SPRITE_TOKEN: 'sprite-s3cr3t-value' };
    const outputs = await Promise.all([
      boulder(['config', 'view', '--show-origin'], env),
      boulder(['config', 'view', '-o', 'json', '--show-origin'], env),
      boulder(['config', 'explain', 'secrets'], env),
      boulder(['config', 'explain', 'backends.sprite.api_key', '-o', 'json'], env),
    ]);
    for (const r of outputs) {
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/s3cr3t/);
    }
    expect(outputs[0]?.stdout).toContain('api_key: env:NEXUS_SPRITE_TOKEN # env NEXUS_SPRITE_TOKEN');
  });

  it('warns about an unknown NEXUS_* variable and a secret that does not resolve, and still succeeds', async () => {
    const r = await boulder(['config', 'view'], { NEXUS_IDEL_TIMEOUT: '5h' });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'warning: NEXUS_IDEL_TIMEOUT: unknown NEXUS_* variable, ignored (boulder config --help lists the known ones)',
      'warning: ~/.nexus/config.yaml:4:14: secrets.API_TOKEN: secret API_TOKEN does not resolve: environment variable MY_API_TOKEN is not set',
      'warning: ~/.nexus/config.yaml:5:16: secrets.DB_PASSWORD: secret DB_PASSWORD does not resolve: file /run/secrets/db cannot be read (ENOENT)',
      '',
    ]);
  });

  it('reports every problem of every layer with file:line:col and key path, exit 3, nothing on stdout', async () => {
    const brokenRepo = join(root, 'code', 'broken');
    mkdirSync(join(brokenRepo, '.git'), { recursive: true });
    write(join(brokenRepo, '.nexus', 'config.yaml'), 'workspace:\n  imag: node:24\nports:\n  web: {port: "3000"}\n');
    const r = await boulder(['config', 'view', '--set', 'limits.max_cpu=99'], { NEXUS_BACKEND: 'vm' }, brokenRepo);
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr.split('\n')).toEqual([
      'error: .nexus/config.yaml:2:3: workspace.imag: unknown field "imag"',
      'error: .nexus/config.yaml:4:15: ports.web.port: must be an integer',
      'error: --set limits.max_cpu: limits.max_cpu can only be set in the node configuration',
      'error: NEXUS_BACKEND: must be one of: docker, sprite, kubernetes, mock',
      '',
    ]);
  });

  it('checks the merged configuration: resources within the node limits, port ranges clear of reserved ports', async () => {
    const r = await boulder(['config', 'view', '--set', 'resources.cpu=16'], { NEXUS_PORT_RANGE: '32760-32900' });
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr.split('\n')).toEqual([
      'error: NEXUS_PORT_RANGE: 32760-32900 overlaps the reserved ports 32768-32799',
      `error: --set resources.cpu: cpu 16 exceeds the node's max_cpu 8 (node ${nodeFile}:5:12)`,
      '',
    ]);
  });
});

describe('boulder config usage', () => {
  it('documents the layers and the NEXUS_* mapping in --help', async () => {
    const r = await boulder(['config', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('boulder config view [--show-origin] [-o yaml|json]');
    expect(r.stdout).toMatch(/NEXUS_IDLE_TIMEOUT +workspace\.idle_timeout +\(e\.g\. 5h\)/);
    expect(r.stdout).toMatch(/NEXUS_PORT_RANGE +port_range +\(e\.g\. 33000-33999\)/);
    expect(r.stdout).toContain('Maps merge key by key; scalars and lists replace');
  });

  it.each([
    [['config'], 'error: name a subcommand: view, explain'],
    [['config', 'show'], 'error: unknown subcommand "show" for "boulder config"; use one of view, explain'],
    [['config', 'view', 'extra'], 'error: unexpected argument "extra"'],
    [['config', 'explain'], 'error: name a key, e.g. boulder config explain workspace.idle_timeout'],
    [['config', 'view', '--nope'], 'error: unknown flag: --nope'],
    [['config', 'view', '-o', 'table'], 'error: invalid value "table" for --output: must be one of yaml, json'],
  ])('%j is a usage error (exit 2)', async (args, line) => {
    const r = await boulder(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(line);
  });
});

describe('node limits in boulder apply', () => {
  it('refuses a workspace past max_workspaces_total with exit 3, writing nothing, and records the owner', async () => {
    const limited = join(root, 'limited.yaml');
    write(limited, 'limits:\n  max_workspaces_total: 1\n');
    const manifest = (name: string): string => `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  backend: mock\n  image: busybox\n`;
    write(join(root, 'one.yaml'), manifest('one'));
    write(join(root, 'two.yaml'), `${manifest('two')}---\napiVersion: nexus.dev/v1alpha1\nkind: PortBinding\nmetadata:\n  name: two-web\nspec:\n  workspace: two\n  containerPort: 3000\n`);
    const env = { NEXUS_NODE_CONFIG: limited };
    expect(await boulder(['apply', '-f', join(root, 'one.yaml'), '--no-daemon'], env)).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/one created\n' });
    const refused = await boulder(['apply', '-f', join(root, 'two.yaml'), '--no-daemon'], env);
    expect(refused).toMatchObject({ code: 3, stdout: '', stderr: 'error: refusing to create workspace "two": max_workspaces_total (1) reached\n' });
    expect((await boulder(['get', 'ws', '-o', 'name'], env)).stdout).toBe('workspace.nexus.dev/one\n');
    expect((await boulder(['get', 'pb', '-o', 'name'], env)).stdout).toBe('');
    const one = parse((await boulder(['get', 'ws', 'one', '-o', 'yaml'], env)).stdout) as { metadata: { annotations?: Record<string, string> } };
    expect(one.metadata.annotations?.['nexus.dev/owner']).toMatch(/\S/);
    expect((await boulder(['apply', '-f', join(root, 'one.yaml'), '--no-daemon'], env)).stdout).toBe('workspace.nexus.dev/one unchanged\n');
  });
});
