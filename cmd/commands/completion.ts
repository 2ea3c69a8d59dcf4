/**
 * `boulder completion bash|zsh|fish`: prints a shell completion script. The registry hands it the
 * list of every command (`completionCommand(loadAllCommands)`), so this module does not import the
 * registry that imports it (no import circle).
 */
import { KINDS } from '../../apis/kinds.ts';
import { UsageError } from '../cli-error.ts';
import type { Command } from '../command.ts';
import { bashCompletion, fishCompletion, zshCompletion, type CompletionModel } from '../completion-scripts.ts';
import { ExitCode } from '../exit-codes.ts';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

/** The command, completing the commands `loadAllCommands` lists. */
export function completionCommand(loadAllCommands: () => Promise<Command[]>): Command {
  return {
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
      const model: CompletionModel = {
        commands: await loadAllCommands(),
        kinds: KINDS.flatMap((k) => [k.plural, k.singular, ...k.shortNames]),
      };
      deps.stdout.write(SHELLS[shell as keyof typeof SHELLS](model));
      return ExitCode.Ok;
    },
  };
}
