/**
 * Harness of the black-box CLI tests: builds dist/ (tsc's modules and the CLI's bundle) once when
 * it is missing or older than the sources (a lock keeps parallel test files from building at the
 * same time), then runs the real `bin/boulder.js` in child processes against temporary state dirs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Repository root (with a trailing slash). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The executable under test. */
export const BIN = join(ROOT, 'bin', 'boulder.js');
/** Directory of this suite's own manifests. */
export const FIXTURES = join(ROOT, 'test', 'cli', 'fixtures');

/** The entry bin/boulder.js runs: the CLI's bundle (cmd/build/bundle.ts), written last by the build. */
const BUILT_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsFresh(): boolean {
  if (!existsSync(BUILT_MAIN)) return false;
  const built = statSync(BUILT_MAIN).mtimeMs;
  return ['apis', 'controllers', 'cmd', 'server'].every((dir) => newestSourceMtime(join(ROOT, dir)) <= built);
}

function compile(): Promise<void> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = (args: string[]): Promise<void> => new Promise((resolve) => execFile(process.execPath, args, { cwd: ROOT }, () => resolve()));
  // tsc emits even when some file has a type error; typechecking is `npm run typecheck`'s job.
  return run([tsc, '-p', 'tsconfig.build.json']).then(() => run([join(ROOT, 'cmd', 'build', 'bundle.ts')]));
}

/** Runs `npm run build`'s compile once when dist/ is missing or stale. */
export async function ensureBuilt(): Promise<void> {
  if (buildIsFresh()) return;
  const lock = join(tmpdir(), `boulder-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (buildIsFresh()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await sleep(200);
    }
  }
  try {
    if (!buildIsFresh()) await compile();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  if (!existsSync(BUILT_MAIN)) throw new Error('npm run build produced no dist/cli/main.js');
}

/** Result of one CLI run. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of a CLI run. */
export interface RunOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
  /** Extra node flags placed before the script. */
  nodeArgs?: string[];
}

/** Runs `node bin/boulder.js ...args` to completion. */
export function runBoulder(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    // A CLI that stops reading early (input over its size bound) closes the pipe: not the test's error.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** A long-running CLI process (daemon, get --watch, wait) with its output so far. */
export interface RunningBoulder {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Polls until `predicate(stdout, stderr)` holds (or fails after `timeoutMs`). */
  until(predicate: (stdout: string, stderr: string) => boolean, timeoutMs?: number): Promise<void>;
}

/** Starts `node bin/boulder.js ...args` without waiting for it. */
export function startBoulder(args: readonly string[], options: RunOptions = {}): RunningBoulder {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async until(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(stdout, stderr)) {
        if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await sleep(25);
      }
    },
  };
}

/** A fresh temporary state dir (short path: it holds the daemon's unix socket). */
export function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bcli-'));
}

/** True when a process with `pid` exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
