import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { resolveCliSettings, type ResolveCliOptions } from './cli-settings.ts';
import { ENV_MAPPINGS } from './env-mappings.ts';
import { flagSettings } from './flag-layer.ts';
import { loadEffectiveConfig } from './load.ts';
import { describeOrigin } from './origin.ts';

let root: string;
let home: string;
let cwd: string;
let nodeFile: string;
let userFile: string;

const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** Resolves with this test's home and cwd, no default node files, and only the variables given. */
function resolveWith(env: NodeJS.ProcessEnv, options: Partial<ResolveCliOptions> = {}): ReturnType<typeof resolveCliSettings> {
  return resolveCliSettings({ env: { HOME: home, ...env }, cwd, home, nodeConfigCandidates: [], ...options });
}

async function problems(promise: Promise<unknown>): Promise<string[]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).issues.map(formatFieldIssue);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bclis-'));
  home = join(root, 'home');
  cwd = join(root, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  nodeFile = join(root, 'etc', 'nexus', 'config.yaml');
  userFile = join(home, '.nexus', 'config.yaml');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveCliSettings: the store', () => {
  it('is embedded without configuration, with the daemon settings as before', async () => {
    const settings = await resolveWith({});
    expect(settings.store).toEqual({ kind: 'embedded', origins: {} });
    expect(settings.daemon.stateDir).toBe(join(home, '.nexus', 'state'));
  });

  it('is the cluster of the user file: store kubernetes and backends.kubernetes (~/ and relative paths resolved)', async () => {
    write(userFile, 'store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: ../kube/team.yaml\n    context: team\n');
    const { store } = await resolveWith({});
    expect(store).toMatchObject({ kind: 'kubernetes', kubeconfig: join(home, 'kube', 'team.yaml'), context: 'team' });
    expect(describeOrigin(store.origins.kind ?? { layer: 'default', source: '?', key: '', value: '' })).toBe('user ~/.nexus/config.yaml:1:8');
  });

  it('ranks --store > NEXUS_STORE > user file > node file', async () => {
    write(nodeFile, 'store: kubernetes\n');
    const node = { NEXUS_NODE_CONFIG: nodeFile };
    expect((await resolveWith(node)).store.kind).toBe('kubernetes');
    write(userFile, 'store: embedded\n');
    expect((await resolveWith(node)).store.kind).toBe('embedded');
    expect((await resolveWith({ ...node, NEXUS_STORE: 'kubernetes' })).store).toMatchObject({ kind: 'kubernetes', origins: { kind: { source: 'NEXUS_STORE' } } });
    expect((await resolveWith({ ...node, NEXUS_STORE: 'kubernetes' }, { storeFlags: { store: 'embedded' } })).store.kind).toBe('embedded');
  });

  it('takes the cluster from the user file when the node file selects kubernetes, and NEXUS_KUBECONFIG over both', async () => {
    write(nodeFile, 'store: kubernetes\n');
    write(userFile, 'backends:\n  kubernetes:\n    kubeconfig: /team.yaml\n');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile })).store.kubeconfig).toBe('/team.yaml');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile, NEXUS_KUBECONFIG: 'kc', NEXUS_KUBE_CONTEXT: 'c' })).store).toMatchObject({ kubeconfig: join(cwd, 'kc'), context: 'c' });
  });

  it('--kubeconfig and --context always select the cluster', async () => {
    write(userFile, 'store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: /team.yaml\n    context: team\n');
    expect((await resolveWith({}, { storeFlags: { kubeconfig: 'mine.yaml' } })).store).toEqual({
      kind: 'kubernetes',
      kubeconfig: join(cwd, 'mine.yaml'),
      origins: expect.objectContaining({ kind: expect.objectContaining({ source: '--kubeconfig' }) as unknown }) as unknown,
    });
    expect((await resolveWith({}, { storeFlags: { context: 'other' } })).store).toMatchObject({ kubeconfig: '/team.yaml', context: 'other' });
  });

  it('fails with file:line:col for a bad store value, or a bad variable or flag', async () => {
    write(userFile, '# mine\nstore: cluster\n');
    expect(await problems(resolveWith({}))).toEqual(['~/.nexus/config.yaml:2:8: store: must be one of: embedded, kubernetes']);
    write(userFile, 'store: embedded\n');
    expect(await problems(resolveWith({ NEXUS_STORE: 'k8s' }))).toEqual(['NEXUS_STORE: must be one of: embedded, kubernetes']);
    expect(await problems(resolveWith({}, { storeFlags: { store: 'k8s' } }))).toEqual(['--store: must be one of: embedded, kubernetes']);
  });

  it('fails for a broken user file that mentions store, but not for one that cannot select the store', async () => {
    write(userFile, 'store: kubernetes\npreferences:\n  editor: 3\n');
    expect(await problems(resolveWith({}))).toEqual(['~/.nexus/config.yaml:3:11: preferences.editor: must be a string']);
    write(userFile, 'preferences:\n  editor: 3\n');
    expect((await resolveWith({})).store.kind).toBe('embedded');
    // ... unless another layer selects kubernetes: the user file may give its cluster then.
    expect((await problems(resolveWith({ NEXUS_STORE: 'kubernetes' })))[0]).toMatch(/^~\/\.nexus\/config\.yaml:2:11: /);
  });

  it('reads the user file for a `store:` key in block or flow style, not for a word like "restore"', async () => {
    write(userFile, 'preferences:\n  editor: 3 # restore later\n');
    expect((await resolveWith({})).store.kind).toBe('embedded');
    write(userFile, '{store: kubernetes, backends: {kubernetes: {kubeconfig: /kc}}}\n');
    expect((await resolveWith({})).store).toMatchObject({ kind: 'kubernetes', kubeconfig: '/kc' });
  });

  it('does not read the user file when the flags or variables decide the store alone', async () => {
    write(userFile, 'store: [\n');
    expect((await resolveWith({}, { storeFlags: { store: 'embedded' } })).store.kind).toBe('embedded');
    expect((await resolveWith({ NEXUS_STORE: 'embedded' })).store.kind).toBe('embedded');
    expect((await resolveWith({}, { storeFlags: { kubeconfig: '/kc' } })).store.kubeconfig).toBe('/kc');
    expect((await problems(resolveWith({})))[0]).toMatch(/^~\/\.nexus\/config\.yaml:\d+:\d+: /);
  });

  it('with configuredStore false, only --store and the cluster flags count', async () => {
    write(userFile, 'store: kubernetes\n');
    expect((await resolveWith({ NEXUS_STORE: 'kubernetes' }, { configuredStore: false })).store.kind).toBe('embedded');
    expect((await resolveWith({}, { configuredStore: false, storeFlags: { store: 'kubernetes' } })).store.kind).toBe('kubernetes');
  });
});

describe('store in the effective configuration (config view / explain)', () => {
  it('shows store with its origin, --store above NEXUS_STORE above the files', async () => {
    write(nodeFile, 'store: kubernetes\n');
    write(userFile, 'store: embedded\n');
    const env = { NEXUS_NODE_CONFIG: nodeFile, NEXUS_STORE: 'kubernetes' };
    const config = await loadEffectiveConfig({ cwd, home, env, repoRoot: false, flags: flagSettings({ store: 'embedded' }) });
    const entry = config.entry('store');
    expect(entry?.value).toBe('embedded');
    expect(describeOrigin(entry?.origin ?? { layer: 'default', source: '?', key: '', value: '' })).toBe('flag --store');
    expect(entry?.overridden.map((o) => `${describeOrigin(o)}=${String(o.value)}`)).toEqual([
      `node ${nodeFile}:1:8=kubernetes`,
      'user ~/.nexus/config.yaml:1:8=embedded',
      'env NEXUS_STORE=kubernetes',
    ]);
    expect(config.explain('NEXUS_STORE')).toBeDefined();
  });

  it('maps NEXUS_STORE, NEXUS_KUBECONFIG and NEXUS_KUBE_CONTEXT to the keys the store is read from', () => {
    const keys = Object.fromEntries(ENV_MAPPINGS.map((m) => [m.variable, m.key]));
    expect(keys).toMatchObject({ NEXUS_STORE: 'store', NEXUS_KUBECONFIG: 'backends.kubernetes.kubeconfig', NEXUS_KUBE_CONTEXT: 'backends.kubernetes.context' });
  });
});
