/**
 * A throw-away "world" for the hostile cases that run the real `boulder` binary (categories
 * manifest, config, devcontainer, cli): a temp directory with a git repository (`repo/`), a home
 * (`home/`), the case's own files (its `world/` folder, copied as is), generated inputs and
 * symbolic links the case asks for, and a state dir outside it that does not exist yet.
 * `expectRefused` checks the run: exit code, the expected message, no stack trace, no hang,
 * nothing in the world changed, and the store (if one was even created) holds no object.
 *
 * case.yaml fields read here (besides description/expect):
 * - `args`: the CLI arguments (tokens below are expanded); each runner has its default.
 * - `cwd`: working directory relative to the world (default: the runner's).
 * - `stdin`: text on standard input (tokens expanded).
 * - `generate`: `[{ path, text }]` files written into the world before the run (tokens expanded),
 *   for inputs too big or too odd to commit.
 * - `symlinks`: `{ path: target }` links created in the world (target tokens expanded).
 * - `stream`: where the expected message appears, `stderr` (default) or `stdout`.
 * Tokens: `{{world}}` (the world's absolute path), `{{repeat:TEXT:N}}` (TEXT N times),
 * `{{nl}}` (a line break).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import { ensureBuilt, runBoulder, type RunResult } from '../cli/harness.ts';
import type { HostileCase } from './corpus.ts';
import { diffSnapshots, snapshotTree, type TreeSnapshot } from './tree-snapshot.ts';

/** The temp directories of one case run. */
export interface World {
  /** Root of everything the case may not change. */
  root: string;
  /** A git repository (initialised, no commit). */
  repo: string;
  home: string;
  /** The state dir the CLI is pointed at; not created beforehand. */
  stateDir: string;
  /** Removes the world and the state dir. */
  dispose(): void;
}

let built: Promise<void> | undefined;

/** Builds dist/ once per process (the black-box runs use the compiled CLI). */
export function ensureCliBuilt(): Promise<void> {
  built ??= ensureBuilt();
  return built;
}

/** Expands the tokens described in the module comment. */
export function expandTokens(text: string, world: string): string {
  return text
    .replaceAll('{{world}}', world)
    .replaceAll('{{nl}}', '\n')
    .replace(/\{\{repeat:([^:}]*):(\d+)\}\}/g, (_m, unit: string, n: string) => unit.repeat(Number(n)));
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`case.yaml: ${field} must be a list of strings`);
  return value;
}

/** Lays out the world of `c` (see the module comment). */
export function makeWorld(c: HostileCase): World {
  const root = mkdtempSync(join(tmpdir(), 'bhostile-'));
  const stateParent = mkdtempSync(join(tmpdir(), 'bhstate-'));
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(home);
  const own = join(c.dir, 'world');
  if (existsSync(own)) cpSync(own, root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo], { stdio: 'ignore' });
  const generate = (c.spec['generate'] ?? []) as { path: string; text: string }[];
  for (const file of generate) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, expandTokens(file.text, root));
  }
  const links = (c.spec['symlinks'] ?? {}) as Record<string, string>;
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(expandTokens(target, root), join(root, path));
  }
  return {
    root,
    repo,
    home,
    stateDir: join(stateParent, 'state'),
    dispose: () => {
      rmSync(root, { recursive: true, force: true });
      rmSync(stateParent, { recursive: true, force: true });
    },
  };
}

/** The environment of a run: the world's state dir and home, no configuration but the world's, no NEXUS_* of the caller. */
function worldEnv(world: World): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('NEXUS_') || key === 'KUBECONFIG') env[key] = '';
  const userConfig = join(world.home, '.nexus', 'config.yaml');
  const nodeConfig = join(world.root, 'node.yaml');
  return {
    ...env,
    HOME: world.home,
    NEXUS_STATE_DIR: world.stateDir,
    NEXUS_USER_CONFIG: existsSync(userConfig) ? userConfig : '',
    NEXUS_NODE_CONFIG: existsSync(nodeConfig) ? nodeConfig : '',
  };
}

/** What one case run did. */
export interface CaseRun {
  result: RunResult;
  before: TreeSnapshot;
  after: TreeSnapshot;
}

/** Runs the CLI for `c` in `world` with `defaultArgs` unless the case gives `args`. */
export async function runInWorld(c: HostileCase, world: World, defaultArgs: string[], defaultCwd = '.'): Promise<CaseRun> {
  await ensureCliBuilt();
  const args = (c.spec['args'] === undefined ? defaultArgs : strings(c.spec['args'], 'args')).map((a) => expandTokens(a, world.root));
  const cwd = join(world.root, typeof c.spec['cwd'] === 'string' ? c.spec['cwd'] : defaultCwd);
  const stdin = typeof c.spec['stdin'] === 'string' ? expandTokens(c.spec['stdin'], world.root) : '';
  const before = snapshotTree(world.root);
  const result = await runBoulder(args, { cwd, env: worldEnv(world), stdin, timeoutMs: 20_000 });
  return { result, before, after: snapshotTree(world.root) };
}

/** Objects in the store of `stateDir` (0 when no store was created). */
export function storedObjectCount(stateDir: string): number {
  const file = join(stateDir, 'boulder.db');
  if (!existsSync(file)) return 0;
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const row = db.prepare('SELECT COUNT(*) AS n FROM objects').get() as { n: number } | undefined;
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}

/**
 * Asserts that the run refused the input as the case expects: exit code (`expect.exitCode`, else
 * any non-zero), the message on its stream, one `error:` line and no stack trace, well within the
 * time limit, the world unchanged and no object stored.
 */
export function expectRefused(c: HostileCase, world: World, run: CaseRun): void {
  const { result } = run;
  const output = `exit ${result.code}\nstdout:\n${result.stdout.slice(0, 4000)}\nstderr:\n${result.stderr.slice(0, 4000)}`;
  if (c.expect.exitCode !== undefined) expect(result.code, output).toBe(c.expect.exitCode);
  else expect(result.code, output).not.toBe(0);
  expect(result.code, `the CLI was killed (hang?)\n${output}`).not.toBeNull();
  const stream = c.spec['stream'] === 'stdout' ? result.stdout : result.stderr;
  if (c.expect.error !== undefined) expect(stream, output).toContain(c.expect.error);
  if (c.expect.code !== undefined) expect(`${result.stdout}\n${result.stderr}`, output).toContain(c.expect.code);
  if (result.code !== 0) expect(result.stderr, output).toMatch(/^(error: |Error from server \(\w+\): )/m);
  expect(result.stderr, `a stack trace was printed\n${output}`).not.toMatch(/^\s+at .+[:(]\d+:\d+\)?$|node:internal/m);
  expect(result.stderr, `a process warning was printed\n${output}`).not.toMatch(/\(node:\d+\) \w*Warning/);
  expect(result.ms, output).toBeLessThan(10_000);
  expect(diffSnapshots(run.before, run.after), 'files changed in the world').toEqual([]);
  expect(storedObjectCount(world.stateDir), 'objects in the store').toBe(0);
}
