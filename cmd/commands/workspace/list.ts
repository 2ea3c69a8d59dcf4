/**
 * `boulder workspace list`: the same table (and -o formats) as `boulder get workspaces`.
 */
import { kindByName, type KindInfo } from '../../../apis/kinds.ts';
import { booleanOption, choiceOption, stringOption } from '../../args.ts';
import { UsageError } from '../../cli-error.ts';
import type { Command } from '../../command.ts';
import { namespaceOf } from '../../resources.ts';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'] as const;

/** `workspace list`. */
export const listCommand: Command = {
  name: 'list',
  summary: 'List workspaces (like `boulder get workspaces`)',
  usage: ['workspace list [NAME...] [-o wide|yaml|json|name] [-l SELECTOR] [-n NS | -A] [-w]'],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: wide, yaml, json or name', choices: OUTPUTS },
    selector: { type: 'string', short: 'l', valueName: 'SELECTOR', description: 'Label selector, e.g. team=web' },
    watch: { type: 'boolean', short: 'w', description: 'After listing, keep printing changes until interrupted' },
  },
  async run(deps, { values, positionals }) {
    const { runGet } = await import('../get.ts');
    const allNamespaces = booleanOption(values, 'all-namespaces');
    if (allNamespaces && positionals.length > 0) throw new UsageError('a workspace cannot be retrieved by name across all namespaces', 'workspace list');
    return runGet(deps, {
      kind: kindByName('Workspace') as KindInfo,
      names: positionals,
      output: choiceOption(values, 'output', OUTPUTS, 'workspace list'),
      namespace: allNamespaces ? undefined : namespaceOf(values),
      labelSelector: stringOption(values, 'selector'),
      watch: booleanOption(values, 'watch'),
      ignoreNotFound: false,
    });
  },
};
