/**
 * `boulder config view [--show-origin] [-o yaml|json]`: the effective configuration, every layer
 * merged. With --show-origin each value carries a `# layer source:line:col` comment (YAML) or an
 * origins map (JSON). Secrets show their source (env:NAME, file:/path, keychain:…), never a value.
 */
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { CONFIG_LAYER_OPTIONS, loadForCommand } from '../config-load.ts';

const OUTPUTS = ['yaml', 'json'] as const;

/** The `config view` subcommand. */
export const viewCommand = defineCommand({
  name: 'view',
  summary: 'Print the effective configuration (every layer merged)',
  usage: ['config view [--show-origin] [-o yaml|json] [--backend B] [--image I] [--idle-timeout D] [--port-range S-E] [--set KEY=VALUE]...'],
  options: {
    'show-origin': { type: 'boolean', description: 'Show where each value comes from (layer, file:line:col, flag or variable) and what it overrode' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: yaml (default) or json', choices: OUTPUTS },
    ...CONFIG_LAYER_OPTIONS,
  },
  async run(deps, input) {
    if (input.positionals.length > 0) throw new UsageError(`unexpected argument "${input.positionals[0]}"`, 'config');
    const output = choiceOption(input.values, 'output', OUTPUTS, 'config') ?? 'yaml';
    const showOrigin = input.values['show-origin'] === true;
    const config = await loadForCommand(deps, input);
    const { renderConfigJson, renderConfigYaml } = await import('./config-render.ts');
    deps.stdout.write(output === 'json' ? renderConfigJson(config, showOrigin) : renderConfigYaml(config, showOrigin));
    return ExitCode.Ok;
  },
});
