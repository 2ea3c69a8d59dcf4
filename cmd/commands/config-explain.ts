/**
 * `boulder config explain KEY`: the effective value of a key, which layer set it (file:line:col,
 * flag or variable), what it overrode, how to override it, and what it means.
 */
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { CONFIG_LAYER_OPTIONS, loadForCommand } from '../config-load.ts';

/** The `config explain` subcommand. */
export const explainCommand = defineCommand({
  name: 'explain',
  summary: 'Explain one key: its value, the layer that set it, and what it overrode',
  usage: ['config explain KEY [-o json] [--backend B] [--image I] [--idle-timeout D] [--port-range S-E] [--set KEY=VALUE]...'],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'explain: json instead of text', choices: ['json'] },
    ...CONFIG_LAYER_OPTIONS,
  },
  async run(deps, input) {
    const [key, ...extra] = input.positionals;
    if (key === undefined) throw new UsageError('name a key, e.g. boulder config explain workspace.idle_timeout', 'config');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'config');
    const json = choiceOption(input.values, 'output', ['json'] as const, 'config') === 'json';
    const config = await loadForCommand(deps, input);
    const explanation = config.explain(key);
    const { formatExplanation } = await import('../../apis/config/explain.ts');
    deps.stdout.write(json ? `${JSON.stringify(explanation, null, 4)}\n` : `${formatExplanation(explanation).join('\n')}\n`);
    return ExitCode.Ok;
  },
});
