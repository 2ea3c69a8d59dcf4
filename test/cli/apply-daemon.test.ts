/**
 * Black-box tests of `boulder apply` through the running daemon (control op `apply`): the real
 * bin/boulder.js against a temporary state dir whose daemon the first apply starts. Each case runs
 * the same apply by the CLI's own path (`--no-daemon`: the daemon still converges) and through the
 * daemon, and compares what they print and exit with; the daemon path loads neither SQLite nor the
 * validators in the CLI.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
const pids = new Set<number>();
const HOOK = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });`;

/** Runs boulder in the state dir, tracing loaded modules; the trace is taken out of stderr into `loaded`. */
async function boulder(args: string[], stdin?: string): Promise<RunResult & { loaded: string[] }> {
  const r = await runBoulder(['--state-dir', stateDir, ...args], { env: { KUBECONFIG: join(stateDir, 'no-kubeconfig') }, nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(HOOK)}`], cwd: stateDir, ...(stdin === undefined ? {} : { stdin }) });
  const lines = r.stderr.split('\n');
  return { ...r, stderr: lines.filter((l) => !l.startsWith('LOADED ')).join('\n'), loaded: lines.filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)) };
}

const manifest = (name: string, extra = ''): string =>
  `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\n${extra}spec:\n  backend: mock\n  image: node:24\n`;

/** Writes `text` with NAME replaced to `<name>.yaml`; returns the file name. */
async function file(name: string, text: string): Promise<string> {
  await writeFile(join(stateDir, `${name}.yaml`), text.replaceAll('NAME', name));
  return `${name}.yaml`;
}

const opensStore = (r: { loaded: string[] }): boolean => r.loaded.includes('node:sqlite');
const loadsValidators = (r: { loaded: string[] }): boolean => r.loaded.some((u) => u.includes('/node_modules/ajv'));

/** The same apply by the CLI (`--no-daemon`, objects named `<tag>-here`) and through the daemon (`<tag>-there`), names made equal. */
async function both(tag: string, text: string, args: string[] = []): Promise<{ here: RunResult; there: RunResult }> {
  const here = await boulder(['apply', '-f', await file(`${tag}-here`, text), '--no-daemon', ...args]);
  const there = await boulder(['apply', '-f', await file(`${tag}-there`, text), ...args]);
  expect(opensStore(here)).toBe(true);
  expect(opensStore(there), there.stderr).toBe(false);
  expect(loadsValidators(there)).toBe(false);
  const same = (r: RunResult & { loaded?: string[] }): RunResult & { loaded: string[] } => ({ ...r, loaded: [], ms: 0, stdout: r.stdout.replaceAll(`${tag}-here`, tag).replaceAll(`${tag}-there`, tag), stderr: r.stderr.replaceAll(`${tag}-here`, tag).replaceAll(`${tag}-there`, tag) });
  return { here: same(here), there: same(there) };
}

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  const first = await boulder(['apply', '-f', await file('first', manifest('NAME'))]);
  expect(first.code, first.stderr).toBe(0);
  const status = JSON.parse((await runBoulder(['--state-dir', stateDir, 'daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
  expect(first.stderr).toMatch(/^started boulder daemon \(pid \d+\) for /);
});

afterAll(async () => {
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
});

describe('boulder apply through the daemon prints what its own path prints', () => {
  it('created, then unchanged and configured', async () => {
    const { here, there } = await both('ok', manifest('NAME'));
    expect(there).toEqual(here);
    expect(there).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/ok created\n', stderr: '' });
    expect(await boulder(['apply', '-f', 'ok-there.yaml'])).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/ok-there unchanged\n', stderr: '' });
  });

  it('-o name, yaml and json', async () => {
    const strip = (r: RunResult): RunResult => ({ ...r, stdout: r.stdout.replace(/(uid|creationTimestamp|resourceVersion)(": "|: ).*/g, '$1$2X') });
    for (const output of ['name', 'yaml', 'json']) {
      const { here, there } = await both(`out-${output}`, `${manifest('NAME-1')}---\n${manifest('NAME-2')}`, ['-o', output]);
      expect(strip(there)).toEqual(strip(here));
      expect(there.code).toBe(0);
      expect(there.stdout).toContain(`out-${output}-2`);
    }
  });

  it('reads stdin in the CLI and names it <stdin> in errors', async () => {
    const bad = manifest('Bad_Name');
    const here = await boulder(['apply', '-f', '-', '--no-daemon'], bad);
    const there = await boulder(['apply', '-f', '-'], bad);
    expect({ ...there, ms: 0, loaded: [] }).toEqual({ ...here, ms: 0, loaded: [] });
    expect(there.stderr).toMatch(/^error: <stdin>:4:\d+: metadata\.name: /);
  });

  it('an invalid document: file:line:col for each problem, exit 3, nothing written', async () => {
    const text = `${manifest('valid-one')}---\n${manifest('valid-two', '  labels:\n    x: [1]\n')}`;
    const name = await file('invalid', text);
    const here = await boulder(['apply', '-f', name, '--no-daemon']);
    const there = await boulder(['apply', '-f', name]);
    expect({ ...there, ms: 0, loaded: [] }).toEqual({ ...here, ms: 0, loaded: [] });
    expect(there.code).toBe(3);
    expect(there.stdout).toBe('');
    expect(there.stderr).toMatch(/^error: invalid\.yaml:14:\d+ \(document 2\): metadata\.labels\.x: .+\nerror: nothing was applied: 1 problem found\n$/);
    expect(opensStore(there)).toBe(false);
    expect((await runBoulder(['--state-dir', stateDir, 'get', 'ws', 'valid-one'])).code).toBe(4);
  });

  it('--wait: the progress lines and the Ready line', async () => {
    const { here, there } = await both('wait', manifest('NAME'), ['--wait', '--timeout', '30s']);
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toBe(here.stdout);
    const shape = (text: string): string[] => [...new Set(text.replace(/\d+\.\ds/g, 'N.Ns').trimEnd().split('\n'))].sort();
    expect(shape(there.stderr)).toEqual(shape(here.stderr));
    expect(there.stderr).toMatch(/\nworkspace\/wait: Ready \(\d+\.\ds\)\n$/);
  });

  it('--wait that times out: the same lines, exit 6', async () => {
    // The kubernetes backend with no cluster to reach (KUBECONFIG names no file): never Ready.
    const { here, there } = await both('late', manifest('NAME').replace('backend: mock', 'backend: kubernetes'), ['--wait', '--timeout', '2s']);
    expect([here.code, there.code]).toEqual([6, 6]);
    expect(there.stdout).toBe(here.stdout);
    const shape = (text: string): string[] => [...new Set(text.replace(/\d+\.\ds/g, 'N.Ns').trimEnd().split('\n'))].sort();
    expect(shape(there.stderr)).toEqual(shape(here.stderr));
    expect(there.stderr).toMatch(/\nworkspace\/late: not Ready after \d+\.\ds: .+\nerror: timed out waiting for condition=Ready on workspaces\/late\n$/);
  });

  it('Ctrl-C during --wait: the objects not Ready said as timed out, exit 6, as its own path does', async () => {
    const interrupted = async (name: string, extra: string[]): Promise<{ code: number | null; stderr: string }> => {
      const run = startBoulder(['--state-dir', stateDir, 'apply', '-f', await file(name, manifest('NAME').replace('backend: mock', 'backend: kubernetes')), '--wait', '--timeout', '60s', ...extra], { cwd: stateDir, env: { KUBECONFIG: join(stateDir, 'no-kubeconfig') } });
      await run.until((_, stderr) => stderr.includes(`workspace/${name}: `));
      run.child.kill('SIGINT');
      const code = await run.exited;
      return { code, stderr: run.stderr().replaceAll(name, 'NAME').replace(/\d+\.\ds/g, 'N.Ns') };
    };
    const here = await interrupted('int-here', ['--no-daemon']);
    const there = await interrupted('int-there', []);
    expect([here.code, there.code]).toEqual([6, 6]);
    expect(there.stderr.split('\n').slice(-3)).toEqual(here.stderr.split('\n').slice(-3));
    expect(there.stderr).toMatch(/error: timed out waiting for condition=Ready on workspaces\/NAME\n$/);
  });
});
