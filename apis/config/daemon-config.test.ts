import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { resolveDaemonSettings, type ResolveDaemonOptions } from './daemon-config.ts';
import { DAEMON_KEY_LEVELS, DAEMON_LOG_LEVELS, daemonSettingsOf, daemonSettingsWithoutFiles } from './daemon-settings.ts';
import { configFileSchema } from './effective-schema.ts';
import { FILE_KEY_MAPPINGS } from './file-layers.ts';
import { flagSettings } from './flag-layer.ts';
import { loadEffectiveConfig } from './load.ts';
import { describeOrigin } from './origin.ts';

let root: string;
let home: string;
let cwd: string;
let nodeFile: string;

const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** Resolves with this test's home and cwd, no default node files, and only the variables given. */
function resolveWith(env: NodeJS.ProcessEnv, stateDirFlag?: string): ReturnType<typeof resolveDaemonSettings> {
  const options: ResolveDaemonOptions = { env: { HOME: home, ...env }, cwd, home, nodeConfigCandidates: [] };
  if (stateDirFlag !== undefined) options.stateDirFlag = stateDirFlag;
  return resolveDaemonSettings(options);
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
  root = mkdtempSync(join(tmpdir(), 'bdcfg-'));
  home = join(root, 'home');
  cwd = join(root, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  nodeFile = join(root, 'etc', 'nexus', 'config.yaml');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveDaemonSettings without configuration files', () => {
  it('defaults to ~/.nexus/state, <state dir>/daemon.sock and info', async () => {
    expect(await resolveWith({})).toEqual({
      stateDir: join(home, '.nexus', 'state'),
      socket: join(home, '.nexus', 'state', 'daemon.sock'),
      logLevel: 'info',
      origins: {},
    });
  });

  it('--state-dir beats NEXUS_STATE_DIR, both relative to the working directory; the socket follows', async () => {
    const both = await resolveWith({ NEXUS_STATE_DIR: 'from-env', NEXUS_LOG_LEVEL: 'warn' }, 'from-flag');
    expect(both).toMatchObject({ stateDir: join(cwd, 'from-flag'), socket: join(cwd, 'from-flag', 'daemon.sock'), logLevel: 'warn' });
    expect(describeOrigin(both.origins.stateDir ?? { layer: 'default', source: '?', key: '', value: '' })).toBe('flag --state-dir');
    expect(describeOrigin(both.origins.logLevel ?? { layer: 'default', source: '?', key: '', value: '' })).toBe('env NEXUS_LOG_LEVEL');
    expect((await resolveWith({ NEXUS_STATE_DIR: 'from-env' })).stateDir).toBe(join(cwd, 'from-env'));
    expect((await resolveWith({ NEXUS_STATE_DIR: '' })).stateDir).toBe(join(home, '.nexus', 'state'));
  });

  it('computes what loading the files and the full configuration (config view) compute: same values, same origins', async () => {
    // A node file holding only a comment makes resolveDaemonSettings load the files.
    write(nodeFile, '# nothing set here\n');
    const cases: [NodeJS.ProcessEnv, string | undefined][] = [
      [{}, undefined],
      [{}, 'st'],
      [{ NEXUS_STATE_DIR: '/abs/env' }, undefined],
      [{ NEXUS_STATE_DIR: 'rel/env', NEXUS_LOG_LEVEL: 'trace' }, '/abs/flag'],
    ];
    for (const [env, flag] of cases) {
      const quick = daemonSettingsWithoutFiles({ stateDirFlag: flag, env, cwd, home });
      const withEmptyFile = await resolveWith({ ...env, NEXUS_NODE_CONFIG: nodeFile }, flag);
      const full = await loadEffectiveConfig({ cwd, home, env: { ...env, NEXUS_NODE_CONFIG: nodeFile }, repoRoot: false, flags: flagSettings(flag === undefined ? {} : { 'state-dir': flag }) });
      expect(quick).toEqual(withEmptyFile);
      expect(quick).toEqual(daemonSettingsOf((key) => full.entry(key), home));
    }
  });

  it('knows the log levels of the node schema', () => {
    expect(configFileSchema('node').properties?.['daemon']?.properties?.['log_level']?.enum).toEqual(DAEMON_LOG_LEVELS);
  });

  it('reports a bad NEXUS_LOG_LEVEL or an empty --state-dir the way the configuration does', async () => {
    expect(await problems(resolveWith({ NEXUS_LOG_LEVEL: 'verbose' }))).toEqual(['NEXUS_LOG_LEVEL: must be one of: trace, debug, info, warn, error, fatal, silent']);
    expect(await problems(resolveWith({}, ''))).toEqual(['--state-dir: must not be empty']);
  });

  it('ignores NEXUS_* variables that do not concern the daemon, even broken ones', async () => {
    write(nodeFile, 'daemon:\n  log_level: error\n');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile, NEXUS_BACKEND: 'vm', NEXUS_TYPO: 'x' })).logLevel).toBe('error');
  });
});

describe('resolveDaemonSettings with a node file', () => {
  it('takes daemon.* from it, paths relative to its directory, with file:line:col origins', async () => {
    write(nodeFile, 'daemon:\n  state_dir: ../../state\n  socket: run/boulder.sock\n  log_level: debug\n');
    const settings = await resolveWith({ NEXUS_NODE_CONFIG: nodeFile });
    expect(settings).toMatchObject({ stateDir: join(root, 'state'), socket: join(root, 'etc', 'nexus', 'run', 'boulder.sock'), logLevel: 'debug' });
    expect(settings.origins.stateDir).toMatchObject({ layer: 'node', source: nodeFile, line: 2, column: 14 });
    expect(settings.origins.socket).toMatchObject({ layer: 'node', line: 3, column: 11 });
    expect(settings.origins.logLevel).toMatchObject({ layer: 'node', line: 4, column: 14 });
  });

  it('expands ~/ against the home directory', async () => {
    write(nodeFile, 'daemon:\n  state_dir: ~/boulder-state\n');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile })).stateDir).toBe(join(home, 'boulder-state'));
  });

  it('is overridden by NEXUS_* variables, which --state-dir overrides in turn', async () => {
    write(nodeFile, 'daemon:\n  state_dir: /node/state\n  log_level: debug\n');
    const env = { NEXUS_NODE_CONFIG: nodeFile, NEXUS_STATE_DIR: '/env/state', NEXUS_LOG_LEVEL: 'warn' };
    expect(await resolveWith(env)).toMatchObject({ stateDir: '/env/state', socket: '/env/state/daemon.sock', logLevel: 'warn' });
    const flagged = await resolveWith(env, '/flag/state');
    expect(flagged).toMatchObject({ stateDir: '/flag/state', socket: '/flag/state/daemon.sock' });
    expect(flagged.origins.stateDir).toMatchObject({ layer: 'flag', source: '--state-dir' });
  });

  it('keeps a configured socket when a higher layer moves the state dir', async () => {
    write(nodeFile, 'daemon:\n  socket: /run/nexus/boulder.sock\n');
    expect(await resolveWith({ NEXUS_NODE_CONFIG: nodeFile }, '/flag/state')).toMatchObject({ stateDir: '/flag/state', socket: '/run/nexus/boulder.sock' });
  });

  it('finds the node file among the default candidates', async () => {
    const candidate = write(join(root, 'opt', 'config.yaml'), 'daemon:\n  state_dir: /opt-state\n');
    const settings = await resolveDaemonSettings({ env: {}, cwd, home, nodeConfigCandidates: [join(root, 'missing.yaml'), candidate] });
    expect(settings.stateDir).toBe('/opt-state');
  });
});

describe('multi-user mode', () => {
  it('makes /var/lib/nexus/state the default state dir, naming multi_user.enabled', async () => {
    write(nodeFile, 'multi_user:\n  enabled: true\n');
    const settings = await resolveWith({ NEXUS_NODE_CONFIG: nodeFile });
    expect(settings).toMatchObject({ stateDir: '/var/lib/nexus/state', socket: '/var/lib/nexus/state/daemon.sock' });
    expect(settings.origins.stateDir).toMatchObject({ layer: 'default', source: 'built-in', note: `multi-user mode (multi_user.enabled at ${nodeFile}:2:12)` });
  });

  it('uses multi_user.state_dir (relative to the node file), below the node daemon.state_dir and the variables', async () => {
    write(nodeFile, 'multi_user:\n  enabled: true\n  state_dir: shared\n');
    const settings = await resolveWith({ NEXUS_NODE_CONFIG: nodeFile });
    expect(settings.stateDir).toBe(join(root, 'etc', 'nexus', 'shared'));
    expect(settings.origins.stateDir).toMatchObject({ layer: 'node', line: 3, column: 14, sourceKey: 'multi_user.state_dir' });
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile, NEXUS_STATE_DIR: '/mine' })).stateDir).toBe('/mine');

    write(nodeFile, 'daemon:\n  state_dir: /explicit\nmulti_user:\n  enabled: true\n  state_dir: shared\n');
    const explicit = await resolveWith({ NEXUS_NODE_CONFIG: nodeFile });
    expect(explicit.stateDir).toBe('/explicit');
  });

  it('does nothing while disabled', async () => {
    write(nodeFile, 'multi_user:\n  enabled: false\n  state_dir: /shared\n');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile })).stateDir).toBe(join(home, '.nexus', 'state'));
  });
});

describe('broken configuration', () => {
  it('fails with file:line:col for a syntax error, an unknown key or a wrong type', async () => {
    write(nodeFile, 'daemon:\n  sokcet: /x\n  log_level: loud\n');
    expect(await problems(resolveWith({ NEXUS_NODE_CONFIG: nodeFile }))).toEqual([
      `${nodeFile}:2:3: daemon.sokcet: unknown field "sokcet"`,
      `${nodeFile}:3:14: daemon.log_level: must be one of: trace, debug, info, warn, error, fatal, silent`,
    ]);
    write(nodeFile, 'daemon: [\n');
    expect((await problems(resolveWith({ NEXUS_NODE_CONFIG: nodeFile })))[0]).toMatch(new RegExp(`^${nodeFile}:\\d+:\\d+: `));
  });

  it('fails for NEXUS_NODE_CONFIG naming a missing file', async () => {
    const missing = join(root, 'nope.yaml');
    expect(await problems(resolveWith({ NEXUS_NODE_CONFIG: missing }))).toEqual([
      `NEXUS_NODE_CONFIG: names ${missing}, which does not exist (set it empty to use no node configuration)`,
    ]);
  });

  it('does not read the user file, which cannot set these keys: a broken one does not matter here', async () => {
    write(join(home, '.nexus', 'config.yaml'), 'preferences:\n  editor: 3\n');
    write(nodeFile, 'daemon:\n  log_level: warn\n');
    expect((await resolveWith({})).logLevel).toBe('info');
    expect((await resolveWith({ NEXUS_NODE_CONFIG: nodeFile })).logLevel).toBe('warn');
    expect((await resolveWith({ NEXUS_USER_CONFIG: join(root, 'missing.yaml') })).logLevel).toBe('info');
  });

  it('reads exactly the files whose keys include the daemon keys', () => {
    const levels = (['node', 'user'] as const).filter((level) => FILE_KEY_MAPPINGS[level].some((m) => m.effective[0] === 'daemon' || m.effective[0] === 'multi_user'));
    expect(DAEMON_KEY_LEVELS).toEqual(levels);
  });
});

describe('the effective configuration (config view / explain)', () => {
  it('ranks the global --state-dir above NEXUS_STATE_DIR, and --set daemon.state_dir below it', async () => {
    write(nodeFile, 'daemon:\n  state_dir: /node\n');
    const env = { NEXUS_NODE_CONFIG: nodeFile, NEXUS_STATE_DIR: '/env' };
    const config = await loadEffectiveConfig({ cwd, home, env, repoRoot: false, flags: flagSettings({ 'state-dir': '/flag', set: ['daemon.state_dir=/set'] }) });
    const entry = config.entry('daemon.state_dir');
    expect(entry?.value).toBe('/flag');
    expect(entry?.overridden.map((o) => `${describeOrigin(o)}=${String(o.value)}`)).toEqual([
      `node ${nodeFile}:2:14=/node`,
      'flag --set daemon.state_dir=/set',
      'env NEXUS_STATE_DIR=/env',
    ]);
  });

  it('shows the multi-user state dir as daemon.state_dir, from multi_user.state_dir', async () => {
    write(nodeFile, 'multi_user:\n  enabled: true\n  state_dir: /srv/nexus\n');
    const config = await loadEffectiveConfig({ cwd, home, env: { NEXUS_NODE_CONFIG: nodeFile }, repoRoot: false });
    expect(config.values.daemon).toEqual({ state_dir: '/srv/nexus' });
    expect(config.entry('daemon.state_dir')?.origin).toMatchObject({ layer: 'node', sourceKey: 'multi_user.state_dir', line: 3 });
  });
});
