/**
 * Command-line parsing: finds the command name among global flags, then parses the rest with
 * node:util parseArgs against the command's options plus the global ones.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cli-error.ts';
import type { CommandInput, OptionSpec } from './command.ts';

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
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
};

/**
 * Where main.ts puts the kubeconfig context's namespace with a Kubernetes store (not an option a
 * user can type): the default for commands when `--namespace` is not given (kubectl's rule), never
 * an explicit `-n` — a manifest's own namespace still wins over it.
 */
export const CONTEXT_NAMESPACE = 'context-namespace';

/** Where the command name sits in argv: the command and every other argument, in order. */
export interface SplitArgs {
  command: string | undefined;
  rest: string[];
}

const globalsWithValue = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) =>
    spec.type === 'string' ? [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])] : [],
  ),
);

/**
 * Finds the command: the first argument that is neither a flag nor the value of a global flag
 * taking one (`boulder --state-dir /x get ws` → `get`).
 */
export function splitCommand(argv: readonly string[]): SplitArgs {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (globalsWithValue.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

/** Converts option specs to the shape node:util parseArgs accepts. */
function toParseArgsOptions(specs: Record<string, OptionSpec>): NonNullable<Parameters<typeof parseArgs>[0]>['options'] {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] | boolean[] }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = { type: spec.type };
    if (spec.short !== undefined) out[name].short = spec.short;
    if (spec.multiple === true) out[name].multiple = true;
    if (spec.default !== undefined) out[name].default = spec.default;
  }
  return out;
}

/** Parses a command's arguments (everything but the command name); throws UsageError on bad input. */
export function parseCommandArgs(commandName: string, options: Record<string, OptionSpec>, args: readonly string[]): CommandInput {
  const all = { ...GLOBAL_OPTIONS, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: toParseArgsOptions(all),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as CommandInput['values'], positionals };
  } catch (err) {
    throw new UsageError(usageMessage(err), commandName);
  }
}

/** Rewrites parseArgs' messages into kubectl-like ones. */
function usageMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag: ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `flag needs an argument: ${missing[1]}`;
  const bad = /^Option '(?:-\w, )?(--[\w-]+)[^']*' (does not take an argument)/.exec(message);
  if (bad) return `flag ${bad[1]} ${bad[2]}`;
  return message.split('\n')[0] ?? message;
}

/** Reads a string option; undefined when not given. */
export function stringOption(values: CommandInput['values'], name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) {
    const last = value[value.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

/** Reads a repeatable string option as a list (empty when not given). */
export function stringListOption(values: CommandInput['values'], name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Reads a boolean option; false when not given. */
export function booleanOption(values: CommandInput['values'], name: string): boolean {
  return values[name] === true;
}

/** Checks that a string option, when given, is one of `choices`. */
export function choiceOption<T extends string>(
  values: CommandInput['values'],
  name: string,
  choices: readonly T[],
  commandName: string,
): T | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`invalid value "${value}" for --${name}: must be one of ${choices.join(', ')}`, commandName);
  }
  return value as T;
}
