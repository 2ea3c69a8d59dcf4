import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadEffectiveConfig, type LoadConfigOptions } from '../config/load.ts';
import { ValidationError } from '../errors.ts';
import type { Workspace } from '../types/index.ts';
import { admitObject } from '../validation/admit.ts';
import { labelValue, renderResources, resolveRenderInputs, secretsDirOf } from './index.ts';

let root: string;
let repo: string;
const write = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};
const load = (project: string | undefined, options: LoadConfigOptions = {}): ReturnType<typeof loadEffectiveConfig> => {
  if (project !== undefined) write(join(repo, '.nexus', 'config.yaml'), project);
  return loadEffectiveConfig({ cwd: repo, home: join(root, 'home'), env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' }, ...options });
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'boulder-render-'));
  repo = join(root, 'My App');
  mkdirSync(join(repo, '.git'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const FULL = `
workspace:
  image: node:24-bookworm
  state: Paused
  idle_timeout: 2h
backend: mock
ports:
  web: {port: 3000}
  api: {port: 8080, host_port: 18080, protocol: tcp, visibility: org}
services:
  db:
    image: postgres:17
    env: {POSTGRES_PASSWORD: dev, POSTGRES_DB: app, PORT: 5432}
    ports: [{port: 5432, host_port: 15432}]
    volumes: ['pgdata:/var/lib/postgresql/data']
    command: [postgres, -c, fsync=off]
env: {NODE_ENV: development, DEBUG: true}
scripts: {pre_start: npm ci, post_start: npm run dev}
hooks: {on_wake: echo awake, on_sleep: echo sleepy}
resources: {class: large, cpu: 2, memory: 4Gi, storage: 20Gi}
sync: {mode: bind, exclude: [node_modules], conflict: host-wins}
`;

describe('renderResources', () => {
  it('maps every project key onto the Workspace spec, with labels and annotation, and the store admits it', async () => {
    const config = await load(FULL);
    const objects = renderResources(config);
    expect(objects).toHaveLength(1);
    const ws = objects[0] as Workspace;
    expect(ws).toEqual({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: {
        name: 'my-app',
        labels: { 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/project': 'My-App' },
        annotations: { 'nexus.dev/rendered-from': '.nexus/config.yaml' },
      },
      spec: {
        repository: { path: repo },
        backend: 'mock',
        image: 'node:24-bookworm',
        resources: { class: 'large', cpu: '2', memory: '4Gi', storage: '20Gi' },
        env: { DEBUG: 'true', NODE_ENV: 'development' },
        ports: {
          web: { containerPort: 3000 },
          api: { containerPort: 8080, hostPort: 18080, protocol: 'tcp', visibility: 'org' },
        },
        services: {
          db: {
            image: 'postgres:17',
            env: { PORT: '5432', POSTGRES_DB: 'app', POSTGRES_PASSWORD: 'dev' },
            ports: [{ containerPort: 5432, hostPort: 15432 }],
            volumes: ['pgdata:/var/lib/postgresql/data'],
            command: ['postgres', '-c', 'fsync=off'],
          },
        },
        sync: { mode: 'bind', exclude: ['node_modules'], conflict: 'host-wins' },
        scripts: { preStart: 'npm ci', postStart: 'npm run dev' },
        hooks: { onWake: 'echo awake', onSleep: 'echo sleepy' },
        state: 'Paused',
        idleTimeout: '2h',
      },
    });
    expect(() => admitObject(ws)).not.toThrow();
  });

  it('renders the defaults of a minimal configuration: docker, the repository name, nothing else', async () => {
    const [ws, ...rest] = renderResources(await load('workspace: {image: busybox}\n')) as Workspace[];
    expect(rest).toEqual([]);
    expect(ws?.metadata.name).toBe('my-app');
    expect(ws?.spec).toEqual({ repository: { path: repo }, backend: 'docker', image: 'busybox' });
    expect(admitObject(ws as Workspace).spec.state).toBe('Running');
  });

  it('takes the name, namespace, branch, env, secrets and source from the options', async () => {
    const config = await load('workspace: {name: api, build: {context: app, dockerfile: Dockerfile.dev, args: {V: "1"}}}\nenv: {A: x}\n');
    const [ws] = renderResources(config, {
      name: 'feature-x',
      namespace: 'dev',
      branch: 'feature/x',
      env: { B: 'y', A: 'x' },
      secrets: [{ name: 'TOKEN', fromEnv: 'GH_TOKEN' }],
      renderedFrom: '.devcontainer/devcontainer.json',
    }) as Workspace[];
    expect(ws?.metadata).toMatchObject({ name: 'feature-x', namespace: 'dev', annotations: { 'nexus.dev/rendered-from': '.devcontainer/devcontainer.json' } });
    expect(ws?.spec).toMatchObject({
      repository: { path: repo, branch: 'feature/x' },
      build: { context: 'app', dockerfile: 'Dockerfile.dev', args: { V: '1' } },
      env: { A: 'x', B: 'y' },
      secrets: [{ name: 'TOKEN', fromEnv: 'GH_TOKEN' }],
    });
    expect(Object.keys(ws?.spec.env ?? {})).toEqual(['A', 'B']);
    expect(ws?.spec.image).toBeUndefined();
    expect(() => admitObject(ws as Workspace)).not.toThrow();
    // The configuration's own name is used without NAME.
    expect(renderResources(config)[0]?.metadata.name).toBe('api');
  });

  it('renders no SyncSession for a sync mode other than bind: the Workspace owns <name>-sync', async () => {
    const config = await load('workspace: {image: busybox}\nsync: {mode: two-way-safe, exclude: [node_modules, .venv]}\n');
    const objects = renderResources(config, { namespace: 'team' });
    expect(objects.map((o) => o.kind)).toEqual(['Workspace']);
    expect((objects[0] as Workspace).spec.sync).toEqual({ mode: 'two-way-safe', exclude: ['node_modules', '.venv'] });
    expect(() => admitObject(objects[0]!)).not.toThrow();
  });

  it('is deterministic: the same configuration renders the same YAML', async () => {
    const a = stringify(renderResources(await load(FULL)));
    const b = stringify(renderResources(await load(FULL)));
    expect(a).toBe(b);
  });

  it('fails without an image or build, and outside a repository', async () => {
    const noImage = await load('ports: {web: {port: 3000}}\n');
    expect(() => renderResources(noImage)).toThrow(ValidationError);
    expect(() => renderResources(noImage)).toThrow(/workspace\.image: no image: set workspace\.image/);
    const outside = await loadEffectiveConfig({ cwd: root, repoRoot: false, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '', NEXUS_IMAGE: 'busybox' } });
    expect(() => renderResources(outside)).toThrow(/not in a repository/);
  });

  it('reflects flags and NEXUS_* variables over the project file', async () => {
    const config = await load('workspace: {image: busybox, idle_timeout: 1h}\n', {
      flags: [{ flag: '--backend', key: 'backend', text: 'mock', kind: 'text' }],
      env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '', NEXUS_IDLE_TIMEOUT: '5h' },
    });
    const [ws] = renderResources(config) as Workspace[];
    expect([ws?.spec.backend, ws?.spec.idleTimeout]).toEqual(['mock', '5h']);
  });
});

describe('labelValue', () => {
  it.each([
    ['My App', 'My-App'],
    ['api', 'api'],
    ['__x__', 'x'],
    ['!!!', 'project'],
    ['a'.repeat(70), 'a'.repeat(63)],
  ])('%s → %s', (text, value) => expect(labelValue(text)).toBe(value));
});

describe('resolveRenderInputs', () => {
  it('reads env files below env and keeps secrets as references for printed manifests', async () => {
    write(join(repo, '.env'), 'A=from-file\nB=from-file\n');
    write(join(root, 'token'), 's3cret\n');
    const config = await load(`workspace: {image: busybox}\nenv_files: [.env]\nenv: {B: from-env}\nsecrets: {GH: env:GH_TOKEN, FILE_TOKEN: "file:${join(root, 'token')}", KC: keychain:svc/acct}\n`);
    const inputs = await resolveRenderInputs(config, { mode: 'reference', env: {} });
    expect(inputs.env).toEqual({ A: 'from-file', B: 'from-env' });
    expect(inputs.secrets).toEqual([
      { name: 'FILE_TOKEN', fromFile: join(root, 'token') },
      { name: 'GH', fromEnv: 'GH_TOKEN' },
    ]);
    expect(inputs.warnings).toEqual([expect.stringContaining('secret KC comes from keychain:svc/acct')]);
    const [ws] = renderResources(config, inputs) as Workspace[];
    expect(ws?.spec.secrets).toEqual(inputs.secrets);
    expect(JSON.stringify(ws)).not.toContain('s3cret');
  });

  it('materializes env secrets into 0600 files under the state dir for an applied workspace', async () => {
    const config = await load('workspace: {image: busybox}\nsecrets: {GH: env:GH_TOKEN}\n');
    const dir = secretsDirOf(join(root, 'state'), 'default', 'my-app');
    expect(dir).toBe(join(root, 'state', 'secrets', 'default', 'my-app'));
    const inputs = await resolveRenderInputs(config, { mode: 'materialize', secretsDir: dir, env: { GH_TOKEN: 'value-1' } });
    expect(inputs.secrets).toEqual([{ name: 'GH', fromFile: join(dir, 'GH') }]);
    expect(statSync(join(dir, 'GH')).mode & 0o777).toBe(0o600);
    const [ws] = renderResources(config, inputs);
    expect(JSON.stringify(ws)).not.toContain('value-1');
  });
});
