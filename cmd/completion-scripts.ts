/**
 * Shell completion scripts for bash, zsh and fish, generated from the command modules, so every
 * command, flag and flag value is offered, plus kinds (with short names) and the names of existing
 * objects (through `boulder get KIND -o name`).
 */
import { GLOBAL_OPTIONS } from './args.ts';
import type { Command, OptionSpec } from './command.ts';

/** Facts the scripts are generated from. */
export interface CompletionModel {
  commands: readonly Command[];
  /** Every spelling of every kind (plural, singular, short names). */
  kinds: readonly string[];
}

/** Commands whose first argument is a kind and later ones object names. */
const OBJECT_COMMANDS = ['get', 'describe', 'delete', 'wait'];
/** Sub-arguments of commands that take a fixed word. */
const FIXED_ARGS: Record<string, string[]> = { completion: ['bash', 'zsh', 'fish'], daemon: ['status', 'stop'] };

function optionsOf(command: Command): [string, OptionSpec][] {
  return Object.entries({ ...command.options, ...GLOBAL_OPTIONS });
}

function flagWords(command: Command): string[] {
  return optionsOf(command).flatMap(([name, spec]) => [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])]);
}

/** Every flag, of any command, that takes a value (the scripts skip their values when counting words). */
function valuedFlags(model: CompletionModel): string[] {
  const flags = new Set<string>();
  for (const command of model.commands) {
    for (const [name, spec] of optionsOf(command)) {
      if (spec.type !== 'string') continue;
      flags.add(`--${name}`);
      if (spec.short !== undefined) flags.add(`-${spec.short}`);
    }
  }
  return [...flags].sort();
}

const FILE_VALUES = new Set(['FILE', 'DIR']);

/** The bash script (`source <(boulder completion bash)`). */
export function bashCompletion(model: CompletionModel): string {
  const commands = model.commands.map((c) => c.name).join(' ');
  const flagCases = model.commands.map((c) => `    ${c.name}) echo "${flagWords(c).join(' ')}" ;;`).join('\n');
  const valueCases: string[] = [];
  for (const command of model.commands) {
    for (const [name, spec] of optionsOf(command)) {
      if (spec.type !== 'string') continue;
      const patterns = [`${command.name}:--${name}`, ...(spec.short === undefined ? [] : [`${command.name}:-${spec.short}`])].join('|');
      if (spec.choices !== undefined) valueCases.push(`    ${patterns}) COMPREPLY=($(compgen -W "${spec.choices.join(' ')}" -- "$cur")); return 0 ;;`);
      else if (FILE_VALUES.has(spec.valueName ?? '')) valueCases.push(`    ${patterns}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`);
      else valueCases.push(`    ${patterns}) return 0 ;;`);
    }
  }
  const fixedCases = Object.entries(FIXED_ARGS).map(([cmd, words]) => `    ${cmd}) [[ -z $arg1 ]] && COMPREPLY=($(compgen -W "${words.join(' ')}" -- "$cur")) ;;`).join('\n');
  return `# bash completion for boulder. Load with:  source <(boulder completion bash)
_boulder_flags() {
  case "$1" in
${flagCases}
  esac
}

_boulder_names() {
  boulder get "$@" -o name 2>/dev/null | sed 's|.*/||'
}

_boulder() {
  local cur prev cmd="" arg1="" i w
  local -a scope=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --state-dir|-n|--namespace) scope+=("$w" "\${COMP_WORDS[i+1]}"); i=$((i + 1)); continue ;;
      -A|--all-namespaces) scope+=("$w"); continue ;;
      ${valuedFlags(model).join('|')}) i=$((i + 1)); continue ;;
      -*) continue ;;
    esac
    if [[ -z $cmd ]]; then cmd="$w"; elif [[ -z $arg1 ]]; then arg1="$w"; fi
  done
  COMPREPLY=()
  if [[ -z $cmd ]]; then
    case "$prev" in
      --state-dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
      -n|--namespace) return 0 ;;
    esac
    COMPREPLY=($(compgen -W "${commands} help --help --version" -- "$cur"))
    return 0
  fi
  case "$cmd:$prev" in
${valueCases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_boulder_flags "$cmd")" -- "$cur"))
    return 0
  fi
  case "$cmd" in
    ${OBJECT_COMMANDS.join('|')})
      if [[ -z $arg1 ]]; then
        COMPREPLY=($(compgen -W "${model.kinds.join(' ')}" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_boulder_names "$arg1" "\${scope[@]}")" -- "$cur"))
      fi ;;
    explain) [[ -z $arg1 ]] && COMPREPLY=($(compgen -W "${model.kinds.join(' ')}" -- "$cur")) ;;
    help) [[ -z $arg1 ]] && COMPREPLY=($(compgen -W "${commands}" -- "$cur")) ;;
${fixedCases}
  esac
  return 0
}

complete -F _boulder boulder
`;
}

/** The zsh script: zsh's bash-completion emulation running the bash script. */
export function zshCompletion(model: CompletionModel): string {
  return `#compdef boulder
# zsh completion for boulder. Load with:  source <(boulder completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(model).split('\n').slice(1).join('\n')}`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The fish script (`boulder completion fish | source`). */
export function fishCompletion(model: CompletionModel): string {
  const lines = [
    '# fish completion for boulder. Load with:  boulder completion fish | source',
    'function __boulder_args',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l skip 0',
    '    for w in $words',
    '        if test $skip -eq 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $w',
    `            case ${valuedFlags(model).join(' ')}`,
    '                set skip 1',
    "            case '-*'",
    "            case '*'",
    '                echo $w',
    '        end',
    '    end',
    'end',
    'function __boulder_no_command',
    '    test (count (__boulder_args)) -eq 0',
    'end',
    'function __boulder_arg_count --argument-names n',
    '    test (count (__boulder_args)) -eq $n',
    'end',
    'function __boulder_command_is',
    '    set -l args (__boulder_args)',
    '    test (count $args) -ge 1; and contains -- $args[1] $argv',
    'end',
    'function __boulder_names',
    '    set -l args (__boulder_args)',
    '    set -l words (commandline -opc)',
    '    set -l scope',
    '    for i in (seq (count $words))',
    '        switch $words[$i]',
    '            case --state-dir -n --namespace',
    '                set -l j (math $i + 1)',
    '                set scope $scope $words[$i] $words[$j]',
    '            case -A --all-namespaces',
    '                set scope $scope $words[$i]',
    '        end',
    '    end',
    "    boulder get $args[2] -o name $scope 2>/dev/null | string replace -r '.*/' ''",
    'end',
    'complete -c boulder -f',
    "complete -c boulder -n __boulder_no_command -l version -d 'Print the version'",
  ];
  for (const command of model.commands) {
    lines.push(`complete -c boulder -n __boulder_no_command -a ${command.name} -d ${fishQuote(command.summary)}`);
    for (const [name, spec] of optionsOf(command)) {
      const parts = [`complete -c boulder -n '__boulder_command_is ${command.name}'`, `-l ${name}`];
      if (spec.short !== undefined) parts.push(`-s ${spec.short}`);
      if (spec.type === 'string') parts.push(FILE_VALUES.has(spec.valueName ?? '') ? '-r -F' : '-x');
      if (spec.choices !== undefined) parts.push(`-a ${fishQuote(spec.choices.join(' '))}`);
      parts.push(`-d ${fishQuote(spec.description)}`);
      lines.push(parts.join(' '));
    }
  }
  const objectCommands = OBJECT_COMMANDS.join(' ');
  lines.push(
    `complete -c boulder -n '__boulder_command_is ${objectCommands} explain; and __boulder_arg_count 1' -a ${fishQuote(model.kinds.join(' '))}`,
    `complete -c boulder -n '__boulder_command_is ${objectCommands}; and not __boulder_arg_count 1' -a '(__boulder_names)'`,
  );
  for (const [cmd, words] of Object.entries(FIXED_ARGS)) {
    lines.push(`complete -c boulder -n '__boulder_command_is ${cmd}; and __boulder_arg_count 1' -a ${fishQuote(words.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
