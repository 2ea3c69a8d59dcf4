/**
 * Command-line parsing: finds the command name among global flags, then parses the rest with
 * node:util parseArgs against the command's options plus the global ones.
 */
import { UsageError } from './cli-error.ts';
import { GLOBAL_OPTIONS, type CommandInput, type OptionTable } from './command.ts';

// node:util as the builtin object, not as an ES module: its ES module facade costs every command
// about 3 ms of start to build, for the one function used here.
const { parseArgs } = process.getBuiltinModule('node:util');

export { CONTEXT_NAMESPACE, GLOBAL_OPTIONS } from './command.ts';

/** Where the command name sits in argv: the command and every other argument, in order. */
export interface SplitArgs {
  command: string | undefined;
  rest: string[];
}

const globalsWithValue = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) =>
    spec.type === 'string' ? [`--${name}`, ...('short' in spec ? [`-${spec.short}`] : [])] : [],
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
function toParseArgsOptions(specs: OptionTable): NonNullable<Parameters<typeof parseArgs>[0]>['options'] {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] | boolean[] }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = { type: spec.type };
    if (spec.short !== undefined) out[name].short = spec.short;
    if (spec.multiple === true) out[name].multiple = true;
    if (spec.default !== undefined) out[name].default = Array.isArray(spec.default) ? [...(spec.default as readonly (string | boolean)[])] as string[] | boolean[] : spec.default as string | boolean;
  }
  return out;
}

/**
 * Parses a command's arguments (everything but the command name); throws UsageError on bad input.
 * The values are typed from `options` (see OptionValuesOf): node:util parseArgs produces exactly
 * the declared options, each of its declared type.
 */
export function parseCommandArgs<O extends OptionTable>(commandName: string, options: O, args: readonly string[]): CommandInput<O> {
  const all = { ...GLOBAL_OPTIONS, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: toParseArgsOptions(all),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as CommandInput<O>['values'], positionals };
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

/** The names of the options of `V` whose value is a single string. */
export type StringOptionName<V> = keyof { [P in keyof V as string extends P ? never : V[P] extends string | undefined ? P : never]: 0 } & string;

/**
 * Checks that a string option, when given, is one of `choices`. `name` must name a single-string
 * option of the command (a type error otherwise); it also names the flag in the error.
 */
export function choiceOption<V extends object, T extends string>(
  values: V,
  name: StringOptionName<V>,
  choices: readonly T[],
  commandName: string,
): T | undefined {
  const value = values[name] as string | undefined;
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`invalid value "${value}" for --${name}: must be one of ${choices.join(', ')}`, commandName);
  }
  return value as T;
}
