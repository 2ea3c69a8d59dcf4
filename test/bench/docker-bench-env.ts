/**
 * The environment of the Docker workspace benchmarks: a temporary state dir with a `boulder daemon`
 * running in the background, the real CLI run as a child process (wall time measured around it),
 * temporary git repositories, workspace manifests, and a cleanup that always stops the daemon and
 * leaves no labelled Docker object, worktree or temp dir behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';

/** The image every benchmark workspace runs (built by test/env/images.sh, no registry needed). */
export const BENCH_IMAGE = 'boulder-test/debian:bookworm';
/** The boulder executable under test. */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boulder.js');
/** Entry point of `@devcontainers/cli` (run with this Node, like the boulder CLI). */
export const DEVCONTAINER_CLI = join(import.meta.dirname, '..', '..', 'node_modules', '@devcontainers', 'cli', 'devcontainer.js');
/** Label on the floor containers the benchmark itself starts (`docker run`), for the sweep. */
export const FLOOR_LABEL = 'boulder-bench/floor';

/** Outcome of one command run to completion. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
}

/** Runs `file args` to completion; wall time measured from spawn to close. Never throws on exit code. */
export function runCommand(file: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Throws with the command's stderr unless it exited 0; returns the result otherwise. */
export function expectSuccess(what: string, result: CommandResult): CommandResult {
  if (result.code !== 0) throw new Error(`${what} exited ${String(result.code)}: ${(result.stderr || result.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return result;
}

/** Options of a benchmark workspace manifest. */
export interface WorkspaceManifestOptions {
  /** Host git repository: the workspace gets a worktree of it (removed on delete). */
  repository?: string;
  labels?: Record<string, string>;
}

/** A docker Workspace on the bench image, with no services. */
export function workspaceManifest(name: string, options: WorkspaceManifestOptions = {}): object {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, labels: { 'boulder-bench': 'true', ...options.labels } },
    spec: {
      backend: 'docker',
      image: BENCH_IMAGE,
      ...(options.repository === undefined ? {} : { repository: { path: options.repository, onDelete: 'Remove' } }),
    },
  };
}

/** Writes `docs` as one multi-document YAML file (JSON is valid YAML). */
export function writeManifests(path: string, docs: readonly object[]): string {
  writeFileSync(path, docs.map((d) => `---\n${JSON.stringify(d)}\n`).join(''));
  return path;
}

/** Creates a git repository with one commit at `dir`. */
export function createGitRepository(dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  writeFileSync(join(dir, 'README.md'), 'boulder bench\n');
  execFileSync('git', ['-C', dir, 'add', '.']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'init']);
  return dir;
}

/** Docker objects the final sweep found and removed: boulder's should be none. */
export interface Leftovers {
  /** Containers, networks and volumes of this run's workspaces that boulder did not remove. */
  boulder: string[];
  /** The benchmark's own floor and dev containers (normally removed by their section). */
  bench: string[];
}

/**
 * A temporary state dir with its own daemon. Every workspace name starts with `prefix` (random
 * per run), so that the sweep touches only this run's Docker objects even when other boulder
 * state dirs share the engine.
 */
export class DockerBenchEnv {
  /** Temp directory holding the state dir, repositories and manifests. */
  readonly root: string;
  readonly stateDir: string;
  /** Prefix of every workspace name of this run, e.g. `bn3fa2`. */
  readonly prefix: string;
  readonly docker = new Dockerode();
  /** The boulder executable this environment runs (BIN, or a baseline build's for an A/B run). */
  readonly bin: string;
  /**
   * Network the floor containers use instead of Docker's default bridge, when that one is
   * unusable on this engine (set by `useFloorNetwork`); undefined means the default bridge.
   */
  floorNetwork: string | undefined;
  #daemon: ChildProcess | undefined;

  private constructor(root: string, prefix: string, bin: string) {
    this.root = root;
    this.bin = bin;
    this.stateDir = join(root, 'state');
    this.prefix = prefix;
  }

  /**
   * Creates the temp dirs and starts `boulder daemon` in the background; waits until it answers.
   * `bin` is the boulder executable (default: this tree's).
   */
  static async open(bin: string = BIN): Promise<DockerBenchEnv> {
    const env = new DockerBenchEnv(mkdtempSync(join(tmpdir(), 'boulder-bench-docker-')), `bn${randomBytes(2).toString('hex')}`, bin);
    try {
      await env.#startDaemon();
    } catch (err) {
      await env.close();
      throw err;
    }
    return env;
  }

  /** `prefix-suffix`: a workspace name of this run. */
  name(suffix: string): string {
    return `${this.prefix}-${suffix}`;
  }

  /** Runs `boulder --state-dir DIR ...args` (the real CLI, compiled dist/). */
  boulder(...args: string[]): Promise<CommandResult> {
    return runCommand(process.execPath, [this.bin, '--state-dir', this.stateDir, ...args]);
  }

  /** Like `boulder`, but throws unless it exits 0. */
  async boulderOk(...args: string[]): Promise<CommandResult> {
    return expectSuccess(`boulder ${args.join(' ')}`, await this.boulder(...args));
  }

  /** `docker run` flags of the floor containers (`--network NAME` when not on the default bridge). */
  floorRunArgs(): string[] {
    return this.floorNetwork === undefined ? [] : ['--network', this.floorNetwork];
  }

  /** Creates a labelled bridge network for the floor containers and uses it from now on. */
  async useFloorNetwork(): Promise<string> {
    const name = `${this.prefix}-floor`;
    await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [FLOOR_LABEL]: this.prefix } });
    this.floorNetwork = name;
    return name;
  }

  /** Path of the daemon's JSON log. */
  get daemonLog(): string {
    return join(this.stateDir, 'logs', 'daemon.log');
  }

  async #startDaemon(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true });
    const child = spawn(process.execPath, [this.bin, 'daemon', '--state-dir', this.stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.#daemon = child;
    const deadline = Date.now() + 10_000;
    while ((await this.boulder('daemon', 'status')).code !== 0) {
      if (child.exitCode !== null) throw new Error(`boulder daemon exited with ${child.exitCode}: ${logTail(this.daemonLog)}`);
      if (Date.now() > deadline) throw new Error(`boulder daemon did not answer within 10 s; see ${this.daemonLog}`);
      await sleep(50);
    }
  }

  /**
   * Deletes every workspace (waiting for the finalizers), stops the daemon (killing it by pid if
   * it does not stop), removes this run's leftover Docker objects and the temp dirs. Returns what
   * had to be swept (empty when boulder cleaned up after itself).
   */
  async close(): Promise<Leftovers> {
    if (this.#daemon !== undefined && this.#daemon.exitCode === null) {
      await this.boulder('delete', 'workspaces', '--all', '--force', '--wait', '--timeout', '60s');
      await this.boulder('daemon', 'stop', '--timeout', '30s');
      if (this.#daemon.exitCode === null && this.#daemon.pid !== undefined) {
        const exited = new Promise((resolve) => this.#daemon?.once('exit', resolve));
        process.kill(this.#daemon.pid, 'SIGKILL');
        await exited;
      }
    }
    const leftovers = await this.#sweep();
    rmSync(this.root, { recursive: true, force: true });
    return leftovers;
  }

  /** Removes the Docker objects of this run's workspaces, floors and dev containers still present. */
  async #sweep(): Promise<Leftovers> {
    const ofWorkspace = (labels: Record<string, string> | null | undefined): boolean => (labels?.['nexus.dev/workspace'] ?? '').startsWith(`${this.prefix}-`);
    const ofBench = (labels: Record<string, string> | null | undefined): boolean =>
      labels?.[FLOOR_LABEL] === this.prefix || (labels?.['devcontainer.local_folder'] ?? '').startsWith(this.root);
    const mine = (labels: Record<string, string> | null | undefined): boolean => ofWorkspace(labels) || ofBench(labels);
    const containers = (await this.docker.listContainers({ all: true })).filter((c) => mine(c.Labels));
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true })));
    const networks = (await this.docker.listNetworks()).filter((n) => mine(n.Labels));
    await Promise.all(networks.map((n) => this.docker.getNetwork(n.Id).remove()));
    const volumes = ((await this.docker.listVolumes()).Volumes ?? []).filter((v) => mine(v.Labels));
    await Promise.all(volumes.map((v) => this.docker.getVolume(v.Name).remove()));
    const found = [
      ...containers.map((c) => ({ labels: c.Labels, what: `container ${c.Names[0] ?? c.Id}` })),
      ...networks.map((n) => ({ labels: n.Labels, what: `network ${n.Name}` })),
      ...volumes.map((v) => ({ labels: v.Labels, what: `volume ${v.Name}` })),
    ];
    return { boulder: found.filter((f) => ofWorkspace(f.labels)).map((f) => f.what), bench: found.filter((f) => !ofWorkspace(f.labels)).map((f) => f.what) };
  }
}

/** The last lines of a log (the temp dir holding it is removed on close). */
function logTail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ') : `no log at ${path}`;
}
