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
  default?: string | boolean | readonly string[] | readonly boolean[];
  /** One-line help text. */
  description: string;
  /** Placeholder shown in help for string options, e.g. `FILE`. */
  valueName?: string;
  /** Values offered by shell completion. */
  choices?: readonly string[];
}

/** A command's option definitions: flag name (without `--`) → spec. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/**
 * The parsed value of one option, derived from its spec: string or boolean, a list when `multiple`
 * (any of those for a spec whose type is not known, as in a dispatcher's union of options).
 */
export type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S extends { multiple: true } ? boolean[] : boolean
  : S['type'] extends 'string'
    ? S extends { multiple: true } ? string[] : string
    : string | boolean | string[] | boolean[];

/**
 * The parsed values of an option table, derived from its definitions: `values.filename` is
 * `string[] | undefined` when `filename` is a repeatable string option, and a misspelt option is a
 * type error. An option is absent when not given, unless its spec has a `default`.
 */
export type OptionValuesOf<O extends OptionTable> = {
  -readonly [K in keyof O as O[K] extends { default: unknown } ? never : K]?: OptionValue<Exclude<O[K], undefined>>;
} & {
  -readonly [K in keyof O as O[K] extends { default: unknown } ? K : never]: OptionValue<O[K]>;
};

/**
 * Flags every command accepts. Defined here, beside the contract, so every command's parsed values
 * include them by type (`parseCommandArgs` adds them to each command's own options).
 */
export const GLOBAL_OPTIONS = {
  'state-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'State directory holding the store and the daemon (default: $NEXUS_STATE_DIR, else ~/.nexus/state)',
  },
  store: {
    type: 'string',
    valueName: 'KIND',
    description: 'Store for this command: embedded (the state dir) or kubernetes (default: $NEXUS_STORE, else config key store, else embedded)',
  },
  kubeconfig: {
    type: 'string',
    valueName: 'PATH',
    description: 'Use the Kubernetes cluster of this kubeconfig as the store instead of the state dir',
  },
  context: {
    type: 'string',
    valueName: 'NAME',
    description: 'kubeconfig context to use (implies the Kubernetes store; default kubeconfig: $KUBECONFIG, ~/.kube/config)',
  },
  namespace: { type: 'string', short: 'n', valueName: 'NS', description: "Namespace to use (default: `default`; with a Kubernetes store, the kubeconfig context's namespace)" },
  'all-namespaces': { type: 'boolean', short: 'A', description: 'Act on all namespaces' },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command' },
} as const satisfies OptionTable;

/** The global flags' definitions. */
export type GlobalOptions = typeof GLOBAL_OPTIONS;

/**
 * Where main.ts puts the kubeconfig context's namespace with a Kubernetes store (not an option a
 * user can type): the default for commands when `--namespace` is not given (kubectl's rule), never
 * an explicit `-n` — a manifest's own namespace still wins over it.
 */
export const CONTEXT_NAMESPACE = 'context-namespace';

/** What main.ts adds to the parsed values (see CONTEXT_NAMESPACE). */
interface ContextValues {
  [CONTEXT_NAMESPACE]?: string;
}

/** A command's options plus the global ones (a command's own definition of a global flag wins, as in parseCommandArgs). */
export type WithGlobalOptions<O extends OptionTable> = string extends keyof O ? GlobalOptions & O : Omit<GlobalOptions, keyof O> & O;

/** Option values after parsing, typed from the command's options plus the global ones. */
export type OptionValues<O extends OptionTable = OptionTable> = OptionValuesOf<WithGlobalOptions<O>> & ContextValues;

/** Parsed invocation handed to a handler. */
export interface CommandInput<O extends OptionTable = OptionTable> {
  /** Option values, global ones included (`state-dir`, `namespace`, `all-namespaces`). */
  values: OptionValues<O>;
  /** Positional arguments after the command name. */
  positionals: string[];
}

/**
 * A `boulder` command module's default export. `O` is its option table; with the default (any
 * table) a command's values are untyped, which is what registries and dispatchers hold.
 */
export interface Command<O extends OptionTable = OptionTable> {
  name: string;
  /** One line for `boulder --help`. */
  summary: string;
  /** Usage lines after `boulder `, e.g. `get KIND [NAME...] [flags]`. */
  usage: string[];
  /** Longer help: examples and notes. */
  description?: string;
  options: O;
  /** Runs the command; returns the exit code (throwing a BoulderError maps to its code). */
  run(deps: CliDeps, input: CommandInput<O>): Promise<ExitCodeValue>;
}

/**
 * Defines a command with its parsed values typed from its own `options` (a literal, kept exact by
 * the `const` type parameter): `values.filname` where the option is `filename` does not compile.
 */
export function defineCommand<const O extends OptionTable>(command: Command<O>): Command<O> {
  return command;
}

/** Defines an option table shared by several commands, keeping its literal types for OptionValuesOf. */
export function defineOptions<const O extends OptionTable>(options: O): O {
  return options;
}
