/**
 * The contract every `boulder` command module implements, and the dependencies handed to it.
 * Handlers get everything from `deps` (no direct process access) so tests can run them in-process.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import type { DaemonSettings } from '../apis/config/daemon-settings.ts';
import type { ExitCodeValue } from './exit-codes.ts';
import type { NodeApiAccess } from './node/access.ts';

/** A text sink: process.stdout/stderr or a test buffer. */
export interface TextOut {
  write(text: string): unknown;
  /** True when output goes to a terminal. */
  isTTY?: boolean;
}

/** Wall clock the CLI reads (ages, timeouts); tests pass a fixed one. Same shape as the runtime's Clock.now. */
export interface CliClock {
  now(): Date;
}

/** What a command handler may use. */
export interface CliDeps {
  stdout: TextOut;
  stderr: TextOut;
  /** Reads all of standard input as text (for `-f -`). */
  stdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** State dir: `--state-dir`, NEXUS_STATE_DIR, the user or node file's `daemon.state_dir`, multi-user's, else ~/.nexus/state. */
  stateDir: string;
  /**
   * The daemon's resolved settings (socket, log level, where each came from; `stateDir` equals the
   * one above). Absent for commands that do not use the state dir, and in tests that build deps by
   * hand: then the socket is `<stateDir>/daemon.sock` and the level `info`.
   */
  daemon?: DaemonSettings;
  /** Where objects live: the embedded store of stateDir (default) or a Kubernetes cluster (`--kubeconfig`/`--context`). */
  storeKind?: 'embedded' | 'kubernetes';
  /**
   * A user of a multi-user node: the node daemon's API socket and the user's token file.
   * openClient then returns a ResourceClient over the API; exec and logs go through the API too,
   * and no command starts or checks a daemon of its own.
   */
  nodeApi?: NodeApiAccess;
  /** Opens the store of `stateDir`; the caller closes it. */
  openClient(): Promise<ResourceClient>;
  clock: CliClock;
  /**
   * A signal aborted on SIGINT/SIGTERM. Calling this installs the handlers (so Ctrl-C then ends
   * the command gracefully instead of killing it); only long-running commands call it.
   */
  interruptSignal(): AbortSignal;
}

/** Overrides of the process-backed dependencies (tests): `runCli(argv, overrides)`. */
export type CliOverrides = Partial<Omit<CliDeps, 'stateDir' | 'daemon'>>;

/** One option of a command: a node:util parseArgs option plus help text. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
  /** One-line help text. */
  description: string;
  /** Placeholder shown in help for string options, e.g. `FILE`. */
  valueName?: string;
  /** Values offered by shell completion. */
  choices?: readonly string[];
}

/** Option values after parsing. */
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** Parsed invocation handed to a handler. */
export interface CommandInput {
  /** Option values, global ones included (`state-dir`, `namespace`, `all-namespaces`). */
  values: OptionValues;
  /** Positional arguments after the command name. */
  positionals: string[];
}

/** A `boulder` command module's default export. */
export interface Command {
  name: string;
  /** One line for `boulder --help`. */
  summary: string;
  /** Usage lines after `boulder `, e.g. `get KIND [NAME...] [flags]`. */
  usage: string[];
  /** Longer help: examples and notes. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** Runs the command; returns the exit code (throwing a BoulderError maps to its code). */
  run(deps: CliDeps, input: CommandInput): Promise<ExitCodeValue>;
}
