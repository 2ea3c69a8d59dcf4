import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { SyncSession, Workspace } from '../../apis/types/index.ts';
import { admitObject } from '../../apis/validation/admit.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { loadCommand } from '../registry.ts';
import { reportError } from '../report-error.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import { projectSchemaPath } from '../../apis/package-root.ts';
import { FakeClock } from '../../controllers/runtime/clock.ts';
import { silentLogger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { registerControllers } from '../../controllers/setup.ts';

let deps: TestDeps;
let root: string;
let repo: string;
let client: ResourceClient;

const write = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

/** Runs a command in-process; thrown errors become their exit code and stderr lines, as in main. */
async function run(name: string, ...args: string[]): Promise<number> {
  const command = (await loadCommand(name)) as Command;
  try {
    return await command.run(deps, parseCommandArgs(name, command.options, args));
  } catch (err) {
    return reportError(err, deps.stderr);
  }
}
const reset = (): void => {
  deps.out.text = '';
  deps.err.text = '';
};

beforeEach(async () => {
  deps = await createTestDeps();
  root = await mkdtemp(join(tmpdir(), 'boulder-up-'));
  repo = join(root, 'shop-api');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  deps.cwd = repo;
  deps.env = { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '', HOME: join(root, 'home') };
  client = await deps.openClient();
});
afterEach(async () => {
  await client.close();
  await deps.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('boulder init', () => {
  it('writes .nexus/config.yaml with the installed schema modeline, and refuses to overwrite without --force', async () => {
    expect(await run('init')).toBe(0);
    expect(deps.out.text).toBe('wrote .nexus/config.yaml\n');
    const text = readFileSync(join(repo, '.nexus', 'config.yaml'), 'utf8');
    const schema = projectSchemaPath();
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schema}`);
    expect(existsSync(schema)).toBe(true);
    expect((JSON.parse(readFileSync(schema, 'utf8')) as { title: string }).title).toBe('ProjectConfig');
    expect(text).toContain('# name: shop-api');

    reset();
    write(join(repo, '.nexus', 'config.yaml'), 'backend: mock\n');
    expect(await run('init')).toBe(5);
    expect(deps.err.text).toBe('error: .nexus/config.yaml already exists; pass --force to overwrite it\n');
    expect(readFileSync(join(repo, '.nexus', 'config.yaml'), 'utf8')).toBe('backend: mock\n');
    expect(await run('init', '--force')).toBe(0);
    expect(readFileSync(join(repo, '.nexus', 'config.yaml'), 'utf8')).toBe(text);
  });

  it('prefills the image from a devcontainer.json, and needs a repository', async () => {
    write(join(repo, '.devcontainer', 'devcontainer.json'), '{ // comment\n "image": "mcr.microsoft.com/devcontainers/base:bookworm", }\n');
    expect(await run('init')).toBe(0);
    expect(deps.err.text).toBe('took the workspace image from .devcontainer/devcontainer.json (boulder import devcontainer maps the rest)\n');
    expect(readFileSync(join(repo, '.nexus', 'config.yaml'), 'utf8')).toContain('  image: mcr.microsoft.com/devcontainers/base:bookworm   # from .devcontainer/devcontainer.json\n');
    reset();
    deps.cwd = root;
    expect(await run('init')).toBe(4);
    expect(deps.err.text).toContain('error: not in a repository');
  });
});

describe('boulder up', () => {
  it('--dry-run prints the rendered manifests under a header, admitted by the store, without writing', async () => {
    expect(await run('init')).toBe(0);
    reset();
    expect(await run('up', '--dry-run')).toBe(0);
    const lines = deps.out.text.split('\n');
    expect(lines[0]).toBe('# Rendered by boulder up from .nexus/config.yaml; commit this file to apply it with boulder apply -f');
    const docs = parseAllDocuments(deps.out.text).map((d) => d.toJS() as Workspace);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: 'Workspace', metadata: { name: 'shop-api' }, spec: { repository: { path: repo }, backend: 'docker', image: 'node:24-bookworm' } });
    expect(docs[0]?.metadata.namespace).toBeUndefined();
    expect(() => admitObject(docs[0] as Workspace)).not.toThrow();
    expect((await client.list('Workspace')).items).toEqual([]);

    reset();
    expect(await run('up', 'other', '--dry-run', '-o', 'json', '-n', 'team', '--set', 'sync.mode=two-way-safe')).toBe(0);
    // Only the Workspace, even with a sync mode: the Workspace owns its SyncSession (`other-sync`).
    const one = JSON.parse(deps.out.text) as { kind: string; metadata: { name: string; namespace: string }; spec: Workspace['spec'] };
    expect([one.kind, one.metadata.name, one.metadata.namespace]).toEqual(['Workspace', 'other', 'team']);
    expect(one.spec.sync).toEqual({ mode: 'two-way-safe' });
  });

  it('with a sync mode creates exactly one SyncSession: <name>-sync, owned by the Workspace', async () => {
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\nbackend: docker\nsync: {mode: two-way-safe}\n');
    expect(await run('up', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/shop-api created\n');
    expect((await client.list('SyncSession')).items).toEqual([]);
    // The Workspace controller creates the session it owns (the workspace then waits for its
    // initial sync, which no daemon runs here). The mock provider stands in for Docker.
    const docker = Object.defineProperty(new MockProvider(), 'backend', { value: 'docker' });
    const manager = new Manager({ client, clock: new FakeClock(new Date()) });
    registerControllers(manager, { client, clock: new FakeClock(new Date()), logger: silentLogger(), stateDir: deps.stateDir, providers: [docker] });
    await manager.runUntilIdle({ timeoutMs: 60_000 });
    const ws = await client.get<Workspace>('Workspace', 'default', 'shop-api');
    const sessions = (await client.list<SyncSession>('SyncSession', { namespace: 'default' })).items;
    expect(sessions.map((s) => s.metadata.name)).toEqual(['shop-api-sync']);
    expect(sessions[0]?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Workspace', uid: ws.metadata.uid, controller: true })]);
    expect(sessions[0]?.spec).toMatchObject({ workspace: 'shop-api', alpha: join(repo, '.nexus', 'worktrees', 'shop-api'), mode: 'two-way-safe' });
    expect(sessions[0]?.spec.beta).toMatch(/^volume:\/\//);
    expect((await client.list('SyncSession', { namespace: 'default' })).items.filter((s) => (s.spec as SyncSession['spec']).beta === '/workspace')).toEqual([]);
  });

  it('reflects flags and NEXUS_* variables in what it renders', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox, idle_timeout: 1h}\nbackend: docker\n');
    deps.env = { ...deps.env, NEXUS_IDLE_TIMEOUT: '5h' };
    expect(await run('up', '--dry-run', '--backend', 'mock', '--image', 'alpine:3', '--set', 'ports.web.port=8080')).toBe(0);
    const ws = parse(deps.out.text) as Workspace;
    expect(ws.spec).toMatchObject({ backend: 'mock', image: 'alpine:3', idleTimeout: '5h', ports: { web: { containerPort: 8080 } } });
  });

  it('applies like boulder apply: created, then unchanged; secrets materialized 0600 and removed by down', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\nbackend: mock\nsecrets: {TOKEN: env:SHOP_TOKEN}\n');
    deps.env = { ...deps.env, SHOP_TOKEN: 'tok-value' };
    expect(await run('up', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/shop-api created\n');
    const ws = await client.get<Workspace>('Workspace', 'default', 'shop-api');
    const secretFile = join(deps.stateDir, 'secrets', 'default', 'shop-api', 'TOKEN');
    expect(ws.spec.secrets).toEqual([{ name: 'TOKEN', fromFile: secretFile }]);
    expect(readFileSync(secretFile, 'utf8')).toBe('tok-value');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(ws)).not.toContain('tok-value');
    expect(ws.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/project': 'shop-api' });
    expect(ws.metadata.annotations?.['nexus.dev/rendered-from']).toBe('.nexus/config.yaml');

    reset();
    expect(await run('up', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/shop-api unchanged\n');

    reset();
    expect(await run('down', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "shop-api" deleted\n');
    expect(existsSync(dirname(secretFile))).toBe(false);
    const gone = await client.get<Workspace>('Workspace', 'default', 'shop-api').catch(() => undefined);
    expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true);
  });

  it('validates before writing anything: a secret that cannot be materialized writes no object', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\nbackend: mock\nsecrets: {TOKEN: env:UNSET_TOKEN}\n');
    expect(await run('up', '--no-daemon')).toBe(4);
    expect(deps.err.text).toBe(
      'warning: .nexus/config.yaml:3:18: secrets.TOKEN: secret TOKEN does not resolve: environment variable UNSET_TOKEN is not set\n' +
        'error: secret TOKEN: environment variable UNSET_TOKEN is not set\n',
    );
    expect((await client.list('Workspace')).items).toEqual([]);
  });

  it('reports a broken configuration at file:line:col (exit 3), and a repository without configuration (exit 4)', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace:\n  image: busybox\n  idle_timout: 2h\n');
    expect(await run('up', '--dry-run')).toBe(3);
    expect(deps.err.text).toMatch(/^error: \.nexus\/config\.yaml:3:3: workspace(\.idle_timout)?: .*idle_timout/m);
    reset();
    write(join(repo, '.nexus', 'config.yaml'), 'ports: {web: {port: 3000}}\n');
    expect(await run('up', '--dry-run')).toBe(3);
    expect(deps.err.text).toBe('error: workspace.image: no image: set workspace.image (or workspace.build) in .nexus/config.yaml, or pass --image IMAGE\n');
    reset();
    await rm(join(repo, '.nexus'), { recursive: true });
    expect(await run('up')).toBe(4);
    expect(deps.err.text).toBe(`error: no .nexus/config.yaml or .devcontainer/devcontainer.json in ${repo}: run boulder init to create a starter .nexus/config.yaml (or boulder import devcontainer PATH)\n`);
    reset();
    expect(await run('up', 'a', 'b')).toBe(2);
  });

  it('uses the devcontainer.json of a repository without .nexus/config.yaml', async () => {
    write(join(repo, '.devcontainer', 'devcontainer.json'), '{\n  "image": "busybox",\n  "forwardPorts": [8080],\n  "features": {},\n  "customizations": {},\n  "containerEnv": {"TOKEN": "${localEnv:DC_TOKEN}"},\n}\n');
    expect(await run('up', '--dry-run')).toBe(0);
    expect(deps.err.text).toContain('using .devcontainer/devcontainer.json (not mapped: features, customizations; boulder import devcontainer lists why)\n');
    expect(deps.err.text).toContain('warning: .devcontainer/devcontainer.json: secrets.TOKEN: secret TOKEN does not resolve: environment variable DC_TOKEN is not set');
    expect(deps.out.text.split('\n')[0]).toBe('# Rendered by boulder up from .devcontainer/devcontainer.json; commit this file to apply it with boulder apply -f');
    const ws = parse(deps.out.text) as Workspace;
    expect(ws.metadata.annotations?.['nexus.dev/rendered-from']).toBe('.devcontainer/devcontainer.json');
    expect(ws.spec).toMatchObject({ image: 'busybox', ports: { 'port-8080': { containerPort: 8080 } }, secrets: [{ name: 'TOKEN', fromEnv: 'DC_TOKEN' }] });
  });

  it('brings up a workspace configured in the user file by its name, with its repository, backend and branch', async () => {
    const other = join(root, 'billing');
    execFileSync('git', ['init', '-q', '-b', 'main', other]);
    write(join(other, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\n');
    const userFile = join(root, 'home', '.nexus', 'config.yaml');
    write(userFile, `workspaces:\n  bill:\n    repository: ${other}\n    backend: mock\n    branch: feature/bill\n  later:\n    repository: ${other}\n`);
    deps.env = { ...deps.env, NEXUS_USER_CONFIG: userFile };
    expect(await run('up', 'bill', '--no-daemon')).toBe(0);
    const ws = await client.get<Workspace>('Workspace', 'default', 'bill');
    expect(ws.spec).toMatchObject({ backend: 'mock', repository: { path: other, branch: 'feature/bill' } });
    expect(ws.metadata.labels?.['nexus.dev/project']).toBe('billing');

    reset();
    expect(await run('ws', 'list')).toBe(0);
    expect(deps.out.text).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE\nbill +<none> +mock +<none> +Running +<none> +<none> +\d+s\nlater +NotCreated +docker +nexus\/later +<none> +<none> +<none> +<none>\n$/);
    reset();
    expect(await run('ws', 'list', 'later', 'nope')).toBe(4);
    expect(deps.out.text).toMatch(/^NAME .*\nlater +NotCreated/);
    expect(deps.err.text).toContain('"nope" not found');
    reset();
    expect(await run('ws', 'list', '-o', 'name')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/bill\n');
  });
});

describe('boulder workspace up|down', () => {
  it('are the same commands as up and down', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\nbackend: mock\n');
    expect(await run('ws', 'up', '--no-daemon', '--set', 'workspace.name=via-ws')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/via-ws created\n');
    reset();
    expect(await run('ws', 'down', '--no-daemon', '--set', 'workspace.name=via-ws')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "via-ws" deleted\n');
    expect(await run('ws', 'create', 'x', '--image', 'i', '--set', 'a=b')).toBe(2);
  });

  it('down also deletes a SyncSession an older up rendered, not a hand-written one of the same name', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox}\nbackend: mock\nsync: {mode: two-way-safe}\n');
    expect(await run('up', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/shop-api created\n');
    // What boulder up rendered before the Workspace owned its session alone.
    const labels = { 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/workspace': 'shop-api' };
    await client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 'shop-api', namespace: 'default', labels }, spec: { alpha: '/a', beta: '/workspace' } });
    reset();
    expect(await run('down', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "shop-api" deleted\nsyncsession.nexus.dev "shop-api" deleted\n');
    expect((await client.list('SyncSession')).items).toEqual([]);
    await client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 'mine', namespace: 'default' }, spec: { alpha: '/a', beta: '/b' } });
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: busybox, name: mine}\nbackend: mock\n');
    expect(await run('up', '--no-daemon')).toBe(0);
    reset();
    expect(await run('down', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "mine" deleted\n');
    expect((await client.list('SyncSession')).items.map((o) => o.metadata.name)).toEqual(['mine']);
  });
});

describe('boulder import devcontainer', () => {
  beforeEach(() => {
    write(join(repo, '.devcontainer', 'devcontainer.json'), '{"image": "busybox", "forwardPorts": [3000], "remoteUser": "node"}');
  });

  it('prints the configuration with its modeline and lists what is not mapped on stderr', async () => {
    expect(await run('import', 'devcontainer')).toBe(0);
    expect(deps.err.text).toBe("not mapped: remoteUser: the workspace runs as the image's user\n");
    expect(deps.out.text).toBe(
      [
        `# yaml-language-server: $schema=${projectSchemaPath()}`,
        '# boulder project configuration, imported from .devcontainer/devcontainer.json by boulder import devcontainer.',
        '# Not mapped:',
        "#   remoteUser: the workspace runs as the image's user",
        'workspace:',
        '  image: busybox',
        'ports:',
        '  port-3000:',
        '    port: 3000',
        '',
      ].join('\n'),
    );
    reset();
    expect(await run('import', 'devcontainer', '.devcontainer', '-o', 'json')).toBe(0);
    expect(JSON.parse(deps.out.text)).toEqual({ workspace: { image: 'busybox' }, ports: { 'port-3000': { port: 3000 } } });
  });

  it('--write writes .nexus/config.yaml (refusing to overwrite), which boulder up then uses', async () => {
    expect(await run('import', 'devcontainer', '--write')).toBe(0);
    expect(deps.out.text).toBe('wrote .nexus/config.yaml\n');
    expect(readFileSync(join(repo, '.nexus', 'config.yaml'), 'utf8')).toContain('  image: busybox\n');
    reset();
    expect(await run('import', 'devcontainer', '--write')).toBe(5);
    expect(await run('import', 'devcontainer', '--write', '--force')).toBe(0);
    reset();
    expect(await run('up', '--dry-run')).toBe(0);
    expect(deps.err.text).toBe('');
    expect(deps.out.text.split('\n')[0]).toContain('from .nexus/config.yaml;');
  });

  it('reports bad input: JSONC errors at file:line:col, missing files, wrong arguments', async () => {
    write(join(repo, '.devcontainer', 'devcontainer.json'), '{\n  "image": "busybox"\n  "x": 1\n}\n');
    expect(await run('import', 'devcontainer')).toBe(3);
    expect(deps.err.text).toMatch(/^error: \.devcontainer\/devcontainer\.json:3:3: not valid JSON/);
    reset();
    expect(await run('import', 'devcontainer', 'nowhere')).toBe(4);
    expect(await run('import', 'compose')).toBe(2);
    expect(await run('import')).toBe(2);
    await rm(join(repo, '.devcontainer'), { recursive: true });
    write(join(repo, '.devcontainer', 'py', 'devcontainer.json'), '{}');
    reset();
    expect(await run('import', 'devcontainer')).toBe(4);
    expect(deps.err.text).toContain('pass one of .devcontainer/py/devcontainer.json');
  });
});
