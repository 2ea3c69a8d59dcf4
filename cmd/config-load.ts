/**
 * What `boulder config view` and `boulder config explain` share: the flags that form the flag
 * layer, and loading the effective configuration from the CLI's dependencies.
 */
import { homedir } from 'node:os';
import type { EffectiveConfig } from '../apis/config/effective.ts';
import { formatFieldIssue } from '../apis/errors.ts';
import { CONFIG_FLAG_MAPPINGS, SET_OPTION } from '../apis/config/flag-mappings.ts';
import type { CliDeps, CommandInput, OptionSpec } from './command.ts';

/** Options that set configuration keys (the flag layer); `--state-dir` and `--store` are global options. */
export const CONFIG_LAYER_OPTIONS: Record<string, OptionSpec> = {
  ...Object.fromEntries(
    CONFIG_FLAG_MAPPINGS.filter((m) => m.outranksEnv !== true).map((m): [string, OptionSpec] => [
      m.option,
      { type: 'string', valueName: m.valueName, description: m.description },
    ]),
  ),
  [SET_OPTION]: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'Set any configuration key, e.g. --set sync.mode=two-way-safe (repeatable)' },
};

/** The home directory: $HOME of the command's environment, else the system's. */
export function homeOf(deps: CliDeps): string {
  const home = deps.env['HOME'];
  return home !== undefined && home !== '' ? home : homedir();
}

/** Loads the effective configuration for a command, with its flags as the flag layer; warnings go to stderr. */
export async function loadForCommand(deps: CliDeps, input: CommandInput): Promise<EffectiveConfig> {
  const [{ loadEffectiveConfig }, { flagSettings }] = await Promise.all([import('../apis/config/load.ts'), import('../apis/config/flag-layer.ts')]);
  const config = await loadEffectiveConfig({ cwd: deps.cwd, home: homeOf(deps), env: deps.env, flags: flagSettings(input.values) });
  for (const warning of config.warnings) deps.stderr.write(`warning: ${formatFieldIssue(warning)}\n`);
  return config;
}
