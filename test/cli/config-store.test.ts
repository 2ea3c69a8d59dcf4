/**
 * Black-box tests of the configuration key `store` without a cluster: `config view --show-origin`
 * shows it and where it came from, a bad value fails every command that uses the store with
 * file:line:col (exit 3), `store: kubernetes` makes `get` reach for the configured kubeconfig, and
 * `--store embedded` goes back to the state dir for one command. With a cluster: test/k8s/config-store.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ensureBuilt, runBoulder, type RunResult } from './harness.ts';

let root: string;
let home: string;
let userFile: string;

const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** Runs boulder in `root` with only this test's configuration (no host NEXUS_* or KUBECONFIG leaks in). */
function boulder(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const clean = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('NEXUS_')).map((k) => [k, '']));
  return runBoulder(args, { cwd: root, env: { ...clean, KUBECONFIG: '', HOME: home, NEXUS_NODE_CONFIG: '', ...env } });
}

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'bcs-'));
  home = join(root, 'home');
  userFile = join(home, '.nexus', 'config.yaml');
}, 240_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe('configuration store', () => {
  it('config view --show-origin shows store and where it came from', async () => {
    write(userFile, '# my settings\nstore: kubernetes\n');
    const fromFile = await boulder(['config', 'view', '--show-origin']);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout.split('\n')).toContain('store: kubernetes # user ~/.nexus/config.yaml:2:8');
    const fromEnv = await boulder(['config', 'view', '--show-origin'], { NEXUS_STORE: 'embedded' });
    expect(fromEnv.stdout.split('\n')).toContain('store: embedded # env NEXUS_STORE (overrides user kubernetes)');
    const fromFlag = await boulder(['--store', 'embedded', 'config', 'view', '--show-origin']);
    expect(fromFlag.stdout.split('\n')).toContain('store: embedded # flag --store (overrides user kubernetes)');
  });

  it('a bad value fails with file:line:col and exit 3, writing nothing', async () => {
    write(userFile, 'preferences:\n  output: wide\nstore: cluster\n');
    const stateDir = join(root, 'bad-state');
    const message = 'error: ~/.nexus/config.yaml:3:8: store: must be one of: embedded, kubernetes\n';
    const got = await boulder(['get', 'workspaces', '--state-dir', stateDir]);
    expect(got).toMatchObject({ code: 3, stdout: '', stderr: message });
    const applied = await boulder(['apply', '-f', join(FIXTURES, 'workspace.yaml'), '--state-dir', stateDir]);
    expect(applied).toMatchObject({ code: 3, stderr: message });
    expect(existsSync(stateDir)).toBe(false);
    const viewed = await boulder(['config', 'view']);
    expect(viewed.code).toBe(3);
    expect(viewed.stderr).toContain('~/.nexus/config.yaml:3:8: store: must be one of: embedded, kubernetes');
    expect(await boulder(['get', 'workspaces', '--state-dir', stateDir], { NEXUS_STORE: 'k8s' })).toMatchObject({ code: 3, stderr: expect.stringContaining('NEXUS_STORE: must be one of: embedded, kubernetes') as unknown });
  });

  it('store: kubernetes uses the configured kubeconfig; --store embedded the state dir', async () => {
    const missing = join(root, 'no-such-kubeconfig');
    write(userFile, `store: kubernetes\nbackends:\n  kubernetes:\n    kubeconfig: ${missing}\n`);
    const stateDir = join(root, 'state');
    const got = await boulder(['get', 'workspaces', '--state-dir', stateDir]);
    expect(got).toMatchObject({ code: 3, stderr: `error: kubeconfig ${missing} does not exist\n` });
    expect(existsSync(stateDir)).toBe(false);

    const embedded = await boulder(['--store', 'embedded', 'apply', '-f', join(FIXTURES, 'workspace.yaml'), '--state-dir', stateDir, '--no-daemon']);
    expect(embedded).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo created\n' });
    expect(await boulder(['get', 'workspaces', '-o', 'name', '--state-dir', stateDir], { NEXUS_STORE: 'embedded' })).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo\n' });

    const conflict = await boulder(['--store', 'embedded', '--kubeconfig', missing, 'get', 'workspaces']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--store embedded conflicts with --kubeconfig');
  });
});
