/**
 * `boulder config view|explain`: the layered configuration (node, user, project overrides, project,
 * flags, NEXUS_* variables) as it takes effect, and where each value comes from.
 */
import { envMappingHelp } from '../../apis/config/env-mappings.ts';
import { UsageError } from '../cli-error.ts';
import { GLOBAL_OPTIONS } from '../args.ts';
import { defineCommand, type Command, type OptionSpec } from '../command.ts';
import { explainCommand } from './config-explain.ts';
import { viewCommand } from './config-view.ts';

/** Every flag of every subcommand (the first spec of a name wins). */
function unionOptions(commands: readonly Command[]): Record<string, OptionSpec> {
  const union: Record<string, OptionSpec> = {};
  for (const sub of commands) for (const [name, spec] of Object.entries(sub.options)) union[name] ??= spec;
  return union;
}

/** Throws a usage error naming the first flag given that the subcommand does not take. */
function checkFlags(sub: Command, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !(name in GLOBAL_OPTIONS) && !(name in sub.options)) {
      throw new UsageError(`unknown flag: --${name} (not a flag of "config ${sub.name}")`, 'config');
    }
  }
}

/** The subcommands, in the order help lists them. */
export const CONFIG_SUBCOMMANDS: readonly Command[] = [viewCommand, explainCommand];

const command = defineCommand({
  name: 'config',
  summary: 'Show the effective configuration and where each value comes from',
  usage: CONFIG_SUBCOMMANDS.flatMap((c) => c.usage),
  description: [
    'Subcommands:',
    ...CONFIG_SUBCOMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    'Layers, lowest first (a higher one overrides a lower one):',
    '  default           built-in: backend docker, workspace named after the repository',
    '  node              /etc/nexus/config.yaml, else /opt/nexus/etc/config.yaml ($NEXUS_NODE_CONFIG)',
    '  user              ~/.nexus/config.yaml ($NEXUS_USER_CONFIG)',
    "  project_override  the user's project_overrides entries matching this repository",
    '  project           <repository>/.nexus/config.yaml',
    '  flag              --backend, --image, --idle-timeout, --port-range, --state-dir, --set KEY=VALUE',
    '  env               NEXUS_* variables (below)',
    'Maps merge key by key; scalars and lists replace (a higher list replaces a lower one whole);',
    'port_range replaces as one value; workspace.image and workspace.build replace each other.',
    'Node and user defaults map onto effective keys: defaults.backend → backend,',
    'defaults.idle_timeout → workspace.idle_timeout, defaults.resources → resources,',
    "defaults.port_range → port_range; the user's secrets → user_secrets.",
    '',
    'NEXUS_* variables (an unknown NEXUS_* variable is a warning):',
    ...envMappingHelp(),
    '',
    'Secrets show where they come from (env:NAME, file:/path, keychain:service/account), never values.',
    '',
    'Examples:',
    '  boulder config view --show-origin',
    '  boulder config view -o json',
    '  boulder config explain idle_timeout',
    '  NEXUS_IDLE_TIMEOUT=5h boulder config explain workspace.idle_timeout',
  ].join('\n'),
  options: unionOptions(CONFIG_SUBCOMMANDS),
  async run(deps, { values, positionals }) {
    const [name, ...rest] = positionals;
    const names = CONFIG_SUBCOMMANDS.map((c) => c.name).join(', ');
    if (name === undefined) throw new UsageError(`name a subcommand: ${names}`, 'config');
    const sub = CONFIG_SUBCOMMANDS.find((c) => c.name === name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name}" for "boulder config"; use one of ${names}`, 'config');
    checkFlags(sub, values);
    return sub.run(deps, { values, positionals: rest });
  },
});

export default command;
