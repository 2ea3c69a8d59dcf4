/**
 * Help text for `boulder --help` and `boulder COMMAND --help`, rendered from the command modules.
 */
import { GLOBAL_OPTIONS } from './args.ts';
import type { Command, OptionSpec } from './command.ts';

/** Renders `-o, --output FORMAT` style labels for an option. */
function optionLabel(name: string, spec: OptionSpec): string {
  const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
  const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
  return `${short}--${name}${value}`;
}

/** Width of the widest option label among `groups`. */
function labelWidth(...groups: Record<string, OptionSpec>[]): number {
  return Math.max(0, ...groups.flatMap((g) => Object.entries(g).map(([name, spec]) => optionLabel(name, spec).length)));
}

/** Renders an option list with labels padded to `width`. */
function renderOptions(options: Record<string, OptionSpec>, width = labelWidth(options)): string[] {
  return Object.entries(options).map(([name, spec]) => `  ${optionLabel(name, spec).padEnd(width)}   ${spec.description}`);
}

/** Help for one command. */
export function renderCommandHelp(command: Command): string {
  const lines = [command.summary, '', 'Usage:'];
  for (const usage of command.usage) lines.push(`  boulder ${usage}`);
  if (command.description !== undefined) lines.push('', command.description.trimEnd());
  const width = labelWidth(command.options, GLOBAL_OPTIONS);
  if (Object.keys(command.options).length > 0) lines.push('', 'Options:', ...renderOptions(command.options, width));
  lines.push('', 'Global options:', ...renderOptions(GLOBAL_OPTIONS, width));
  return `${lines.join('\n')}\n`;
}

/** Help for `boulder` itself: the command list. */
export function renderMainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    'boulder: developer workspaces declared as Kubernetes-style resources, kept converged by controllers.',
    '',
    'Usage:',
    '  boulder COMMAND [ARGS] [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    '',
    'Global options:',
    ...renderOptions({ ...GLOBAL_OPTIONS, version: { type: 'boolean', description: 'Print the version and exit' } }),
    '',
    'Run "boulder COMMAND --help" for more about a command.',
  ];
  return `${lines.join('\n')}\n`;
}
