/**
 * `boulder completion bash|zsh|fish`: prints a shell completion script.
 */
import { KINDS } from '../../apis/kinds.ts';
import { UsageError } from '../cli-error.ts';
import type { Command } from '../command.ts';
import { bashCompletion, fishCompletion, zshCompletion, type CompletionModel } from '../completion-scripts.ts';
import { ExitCode } from '../exit-codes.ts';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

const command: Command = {
  name: 'completion',
  summary: 'Print a shell completion script (bash, zsh or fish)',
  usage: ['completion bash|zsh|fish'],
  description: [
    'Load it into the current shell:',
    '  bash:  source <(boulder completion bash)',
    '  zsh:   source <(boulder completion zsh)',
    '  fish:  boulder completion fish | source',
  ].join('\n'),
  options: {},
  async run(deps, { positionals }) {
    const [shell, ...extra] = positionals;
    if (shell === undefined || !(shell in SHELLS) || extra.length > 0) {
      throw new UsageError(`name one shell: ${Object.keys(SHELLS).join(', ')}`, 'completion');
    }
    const { loadAllCommands } = await import('../registry.ts');
    const model: CompletionModel = {
      commands: await loadAllCommands(),
      kinds: KINDS.flatMap((k) => [k.plural, k.singular, ...k.shortNames]),
    };
    deps.stdout.write(SHELLS[shell as keyof typeof SHELLS](model));
    return ExitCode.Ok;
  },
};

export default command;
