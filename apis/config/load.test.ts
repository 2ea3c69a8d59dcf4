import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { overrideMatches } from './file-layers.ts';
import { defaultWorkspaceName, loadEffectiveConfig, type LoadConfigOptions } from './load.ts';
import { findRepoRoot } from './paths.ts';
import { resolveWorkspaceEnv } from './workspace-env.ts';

let root: string;
let home: string;
let repo: string;
const write = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};
const load = (options: LoadConfigOptions = {}): ReturnType<typeof loadEffectiveConfig> =>
  loadEffectiveConfig({ cwd: repo, home, env: { NEXUS_NODE_CONFIG: '' }, ...options });
async function errors(options: LoadConfigOptions = {}): Promise<string[]> {
  try {
    await load(options);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map(formatFieldIssue);
    throw err;
  }
  return [];
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'boulder-load-'));
  home = join(root, 'home');
  repo = join(home, 'code', 'My_App');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
});

describe('finding files', () => {
  it('finds the repository from a subdirectory (.git or .nexus/config.yaml) and names the workspace after it', async () => {
    expect(findRepoRoot(join(repo, 'src', 'deep'))).toBe(repo);
    const bare = join(root, 'plain');
    write(join(bare, 'sub', '.nexus', 'config.yaml'), 'backend: mock\n');
    expect(findRepoRoot(join(bare, 'sub'))).toBe(join(bare, 'sub'));
    expect(findRepoRoot(root)).toBeUndefined();
    const config = await load({ cwd: join(repo, 'src', 'deep') });
    expect(config.values.workspace?.name).toBe('my-app');
    expect(config.context.repoRoot).toBe(repo);
    expect(defaultWorkspaceName('/x/__')).toBe('workspace');
  });

  it('reads the node file from the first existing candidate, NEXUS_NODE_CONFIG, or none when it is empty', async () => {
    const etc = join(root, 'etc', 'config.yaml');
    const opt = join(root, 'opt', 'config.yaml');
    write(opt, 'daemon: {log_level: warn}\n');
    const candidates = [etc, opt];
    expect((await load({ env: {}, nodeConfigCandidates: candidates })).values.daemon?.log_level).toBe('warn');
    write(etc, 'daemon: {log_level: error}\n');
    expect((await load({ env: {}, nodeConfigCandidates: candidates })).values.daemon?.log_level).toBe('error');
    expect((await load({ env: { NEXUS_NODE_CONFIG: opt }, nodeConfigCandidates: candidates })).values.daemon?.log_level).toBe('warn');
    expect((await load({ env: { NEXUS_NODE_CONFIG: '' }, nodeConfigCandidates: candidates })).values.daemon).toBeUndefined();
    expect(await errors({ env: { NEXUS_NODE_CONFIG: join(root, 'nope.yaml') } })).toEqual([
      `NEXUS_NODE_CONFIG: names ${join(root, 'nope.yaml')}, which does not exist (set it empty to use no node configuration)`,
    ]);
  });

  it('reads the user file from the home directory or NEXUS_USER_CONFIG, and shows it with ~', async () => {
    write(join(home, '.nexus', 'config.yaml'), 'preferences: {editor: vim}\n');
    write(join(root, 'other.yaml'), 'preferences: {editor: emacs}\n');
    const config = await load();
    expect(config.values.preferences?.editor).toBe('vim');
    expect(config.context.files.user?.shown).toBe('~/.nexus/config.yaml');
    expect((await load({ env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: join(root, 'other.yaml') } })).values.preferences?.editor).toBe('emacs');
    expect((await load({ env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' } })).values.preferences).toBeUndefined();
  });

  it('treats keys without a value (a commented-out starter file) as not set', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'workspace:\n  # image: node:24\nports:\nbackend: mock\n');
    expect((await load()).values).toMatchObject({ backend: 'mock', workspace: { name: 'my-app' } });
  });
});

describe('layers', () => {
  it('applies matching project_overrides between the user and the project, in order', async () => {
    write(
      join(home, '.nexus', 'config.yaml'),
      [
        'defaults: {idle_timeout: 1h}',
        'project_overrides:',
        '  "~/code/*":',
        '    env: {FROM: glob, ALL: "1"}',
        '  My_App:',
        '    env: {FROM: name}',
        '    workspace: {idle_timeout: 3h}',
        '  "~/other/**":',
        '    env: {FROM: other}',
        '',
      ].join('\n'),
    );
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: node:24}\nenv: {PROJECT: "1"}\n');
    const config = await load();
    expect(config.values.env).toEqual({ FROM: 'name', ALL: '1', PROJECT: '1' });
    expect(config.context.matchedOverrides).toEqual(['~/code/*', 'My_App']);
    expect(config.entry('workspace.idle_timeout')?.origin).toMatchObject({ layer: 'project_override', line: 7, sourceKey: 'project_overrides.My_App.workspace.idle_timeout' });
    expect(config.entry('env.FROM')?.overridden.map((o) => o.value)).toEqual(['glob']);
  });

  it.each([
    ['~/code/*', '/home/u/code/api', true],
    ['~/code/*', '/home/u/code/api/sub', false],
    ['~/code/**', '/home/u/code/api/sub', true],
    ['code/api', '/home/u/code/api', true],
    ['/srv/repos/api/', '/srv/repos/api', true],
    ['api', '/anywhere/api', true],
    ['*-service', '/x/billing-service', true],
    ['api?', '/x/api', false],
  ])('override key %j matches %s: %s', (key, repoRoot, matches) => expect(overrideMatches(key, repoRoot, '/home/u')).toBe(matches));

  it('resolves relative secret files against the file naming them, listed secrets through the user catalogue', async () => {
    write(join(home, '.nexus', 'config.yaml'), 'secrets:\n  GH: {from: keychain, service: github.com, account: me}\n  NPM: file:tokens/npm\n');
    write(join(repo, '.nexus', 'config.yaml'), 'secrets: [GH, NPM, OTHER]\n');
    const config = await load({ env: { NEXUS_NODE_CONFIG: '', OTHER: 'x', PATH: '' }, platform: 'linux' });
    expect(config.values.secrets).toEqual({ GH: 'keychain:github.com/me', NPM: `file:${join(home, '.nexus', 'tokens', 'npm')}`, OTHER: 'env:OTHER' });
    expect(config.warnings.map(formatFieldIssue)).toEqual([
      `~/.nexus/config.yaml:2:7: secrets.GH: secret GH does not resolve: the keychain needs secret-tool, which is not on PATH`,
      `~/.nexus/config.yaml:3:8: secrets.NPM: secret NPM does not resolve: file ${join(home, '.nexus', 'tokens', 'npm')} cannot be read (ENOENT)`,
    ]);
  });

  it('warns about unknown NEXUS_* variables, except those a secret reads', async () => {
    write(join(repo, '.nexus', 'config.yaml'), 'secrets: {TOKEN: env:NEXUS_CI_TOKEN}\n');
    const config = await load({ env: { NEXUS_NODE_CONFIG: '', NEXUS_CI_TOKEN: 't', NEXUS_IDEL_TIMEOUT: '5h' } });
    expect(config.warnings.map(formatFieldIssue)).toEqual(['NEXUS_IDEL_TIMEOUT: unknown NEXUS_* variable, ignored (boulder config --help lists the known ones)']);
  });

  it('resolves the workspace environment: env_files in order, then env', async () => {
    write(join(repo, '.env'), 'A=file\nB=file\n');
    write(join(repo, '.nexus', 'config.yaml'), 'env_files: [.env, missing.env]\nenv: {B: config}\n');
    const config = await load();
    expect(config.warnings.map(formatFieldIssue)).toEqual(['.nexus/config.yaml:1:12: env_files: env file missing.env does not exist']);
    await expect(resolveWorkspaceEnv(config)).rejects.toThrow('missing.env: env file cannot be read (ENOENT)');
    write(join(repo, 'missing.env'), 'C=late\n');
    expect(await resolveWorkspaceEnv(config)).toEqual({ A: 'file', B: 'config', C: 'late' });
  });

  it('refuses project env_files outside the repository (.., absolute, a link out) without reading them', async () => {
    write(join(root, 'outside.env'), 'SECRET=from-outside\n');
    symlinkSync(join(root, 'outside.env'), join(repo, 'link.env'));
    write(join(repo, '.nexus', 'config.yaml'), `env_files: [../outside.env, ${join(root, 'outside.env')}, link.env]\n`);
    const err = await resolveWorkspaceEnv(await load()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map(formatFieldIssue)).toEqual([
      '.nexus/config.yaml:1:12: env_files: env_files[0] "../outside.env": must stay inside the repository (it leaves it through ".."); a project may only name env files of its repository',
      `.nexus/config.yaml:1:12: env_files: env_files[1] "${join(root, 'outside.env')}": must be relative to the repository, not an absolute path; a project may only name env files of its repository`,
      `.nexus/config.yaml:1:12: env_files: env_files[2] "link.env": resolves to ${join(root, 'outside.env')}, outside the repository (through a symbolic link); a project may only name env files of its repository`,
    ]);
    expect((err as Error).message).not.toContain('from-outside');
  });

  it('reports every problem of every file at once, and nothing else', async () => {
    const node = join(root, 'node.yaml');
    write(node, 'limits: {max_cpu: lots}\n');
    write(join(home, '.nexus', 'config.yaml'), 'defaults: {backend: vm}\n');
    write(join(repo, '.nexus', 'config.yaml'), 'workspace: {image: 1}\n');
    expect(await errors({ env: { NEXUS_NODE_CONFIG: node, NEXUS_PORT_RANGE: 'x' }, flags: [{ flag: '--backend', key: 'backend', text: 'pod', kind: 'text' }] })).toEqual([
      `${node}:1:19: limits.max_cpu: "lots" is not a valid CPU quantity: must be a number of cores (e.g. 2 or 0.5) or of millicores (e.g. 500m)`,
      '~/.nexus/config.yaml:1:21: defaults.backend: must be one of: docker, sprite, kubernetes, mock',
      '.nexus/config.yaml:1:20: workspace.image: must be a string',
      '--backend: must be one of: docker, sprite, kubernetes, mock',
      'NEXUS_PORT_RANGE: "x" is not a port range: must be START-END, e.g. 33000-33999',
    ]);
  });
});
