/**
 * `boulder ports [WORKSPACE] [-o json|env] [-n NS|-A]`: the host ports of workspaces, from their
 * PortBindings — a table (WORKSPACE NAME PROTOCOL CONTAINER HOST URL PHASE), compact JSON, or
 * `WEB_PORT=32801` lines for one workspace (`eval "$(boulder ports app -o env)"`).
 */
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type OptionValues } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { NONE } from '../print/columns.ts';
import { toJson } from '../print/objects.ts';
import { formatTable } from '../print/table.ts';
import { namespaceOf } from '../resources.ts';
import { readPortEntries, type PortEntry, type PortSelection } from '../../controllers/portbinding/ports.ts';

const OUTPUTS = ['json', 'env'] as const;

/** A parsed `ports` invocation. */
export interface PortsRequest extends PortSelection {
  output?: (typeof OUTPUTS)[number];
}

/** Parses flags and positionals. */
export function parsePortsRequest(values: OptionValues<typeof PORTS_OPTIONS>, positionals: readonly string[]): PortsRequest {
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}": ports takes at most one workspace`, 'ports');
  const request: PortsRequest = {};
  if (positionals[0] !== undefined) request.workspace = positionals[0];
  if (values['all-namespaces'] !== true) request.namespace = namespaceOf(values);
  const output = choiceOption(values, 'output', OUTPUTS, 'ports');
  if (output !== undefined) request.output = output;
  if (output === 'env' && request.workspace === undefined) throw new UsageError('-o env prints the ports of one workspace: boulder ports WORKSPACE -o env', 'ports');
  return request;
}

/** `WEB_PORT`, `POSTGRES_5432_PORT`: the upper-snake port name + `_PORT` (a leading digit gets `PORT_`). */
export function envVariableName(portName: string): string {
  const snake = portName.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `${/^[0-9]/.test(snake) ? 'PORT_' : ''}${snake}_PORT`;
}

/** `NAME=PORT` lines of the entries that have a host port. */
export function formatEnv(entries: readonly PortEntry[]): string {
  return entries
    .filter((e) => e.hostPort !== undefined)
    .map((e) => `${envVariableName(e.name)}=${e.hostPort}\n`)
    .join('');
}

/** The table; with a NAMESPACE column when listing every namespace. */
export function formatPortsTable(entries: readonly PortEntry[], withNamespace: boolean): string {
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'WORKSPACE', 'NAME', 'PROTOCOL', 'CONTAINER', 'HOST', 'URL', 'PHASE'];
  const rows = entries.map((e) => [
    ...(withNamespace ? [e.namespace] : []),
    e.workspace,
    e.name,
    e.protocol,
    e.service === undefined ? String(e.containerPort) : `${e.service}:${e.containerPort}`,
    e.hostPort === undefined ? NONE : String(e.hostPort),
    e.url ?? NONE,
    e.phase,
  ]);
  return formatTable(headers, rows);
}

/** The flags of `boulder ports`. */
const PORTS_OPTIONS = defineOptions({
  output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: json or env', choices: OUTPUTS },
});

const command = defineCommand({
  name: 'ports',
  summary: 'Print the host ports of workspaces (table, JSON, or NAME_PORT=PORT lines)',
  usage: ['ports [WORKSPACE] [-o json|env] [-n NS | -A]'],
  description: [
    'Host ports are allocated per workspace and port name, persisted, and never changed behind',
    'your back; the daemon forwards each to its container port. -o env prints one line per port',
    'of one workspace, e.g. WEB_PORT=32801 or POSTGRES_5432_PORT=32803, for apps and scripts.',
    '',
    'Examples:',
    '  boulder ports',
    '  boulder ports feature-a -o json',
    '  eval "$(boulder ports feature-a -o env)"',
  ].join('\n'),
  options: PORTS_OPTIONS,
  async run(deps, { values, positionals }) {
    const request = parsePortsRequest(values, positionals);
    const client = await deps.openClient();
    let entries: PortEntry[];
    try {
      entries = await readPortEntries(client, request);
    } finally {
      await client.close();
    }
    if (request.output === 'json') {
      deps.stdout.write(toJson(entries));
    } else if (request.output === 'env') {
      deps.stdout.write(formatEnv(entries));
      for (const e of entries.filter((x) => x.hostPort === undefined)) deps.stderr.write(`warning: port ${e.name} of ${e.workspace} has no host port yet (${e.phase})\n`);
    } else if (entries.length === 0) {
      deps.stderr.write(request.namespace === undefined ? 'No resources found\n' : `No resources found in ${request.namespace} namespace.\n`);
    } else {
      deps.stdout.write(formatPortsTable(entries, request.namespace === undefined));
    }
    return ExitCode.Ok;
  },
});

export default command;
