/**
 * `boulder get KIND [NAME...]`: lists or shows objects as a kubectl-style table, YAML, JSON or
 * names; `--watch` keeps printing changes until interrupted.
 */
import { WORKSPACE_LABEL } from '../../apis/names/index.ts';
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { GET_OUTPUTS, runGet } from '../get-objects.ts';
import { namespaceOf, parseResourceArgs } from '../resources.ts';

const command = defineCommand({
  name: 'get',
  summary: 'Display one or many objects',
  usage: ['get KIND [NAME...] [-o wide|yaml|json|name] [-l SELECTOR] [-n NS | -A] [-w]', 'get KIND/NAME... [flags]'],
  description: [
    'KIND is workspaces (ws), portbindings (pb) or syncsessions (ss), singular or plural.',
    '',
    'Examples:',
    '  boulder get ws',
    '  boulder get workspace my-feature -o yaml',
    `  boulder get pb -l ${WORKSPACE_LABEL}=my-feature -A`,
    '  boulder get ws -w',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: wide, yaml, json or name', choices: GET_OUTPUTS },
    selector: { type: 'string', short: 'l', valueName: 'SELECTOR', description: 'Label selector, e.g. app=web,tier!=db' },
    watch: { type: 'boolean', short: 'w', description: 'After listing, keep printing changes until interrupted' },
    'ignore-not-found': { type: 'boolean', description: 'Treat a named object that does not exist as success' },
  },
  async run(deps, { values, positionals }) {
    const { kind, refs } = parseResourceArgs(positionals, 'get');
    if (refs.some((r) => r.kind !== kind)) throw new UsageError('objects of different kinds cannot be listed together', 'get');
    const allNamespaces = values['all-namespaces'] === true;
    if (allNamespaces && refs.length > 0) throw new UsageError('a resource cannot be retrieved by name across all namespaces', 'get');
    return runGet(deps, {
      kind,
      names: refs.map((r) => r.name),
      output: choiceOption(values, 'output', GET_OUTPUTS, 'get'),
      namespace: allNamespaces ? undefined : namespaceOf(values),
      labelSelector: values.selector,
      watch: values.watch === true,
      ignoreNotFound: values['ignore-not-found'] === true,
    });
  },
});

export default command;
