/**
 * `boulder ports [WORKSPACE] [-o json|env] [-n NS|-A]`: the host ports of workspaces, from their
 * PortBindings — a table (WORKSPACE NAME PROTOCOL CONTAINER HOST URL PHASE), compact JSON, or
 * `WEB_PORT=32801` lines for one workspace (`eval "$(boulder ports app -o env)"`).
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type OptionValues } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { NONE } from '../print/columns.ts';
import { toJson } from '../print/objects.ts';
import { formatTable } from '../print/table.ts';
import { namespaceOf, notFoundError } from '../resources.ts';
import { defaulted } from '../../apis/defaulted.ts';

const OUTPUTS = ['json', 'env'] as const;

/** A parsed `ports` invocation. */
export interface PortsRequest {
  workspace?: string;
  /** Undefined with -A. */
  namespace?: string;
  output?: (typeof OUTPUTS)[number];
}

/** One port of a workspace, as printed. */
export interface PortEntry {
  namespace: string;
  workspace: string;
  /** Port name (`web`, `postgres-5432`). */
  name: string;
  /** The service the port belongs to, when not the main container. */
  service?: string;
  protocol: string;
  containerPort: number;
  /** Host port forwarded now (or allocated / fixed, while not yet forwarded). */
  hostPort?: number;
  url?: string;
  phase: string;
  /** The PortBinding's name. */
  binding: string;
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

/** The entry of one binding (pure). `portName` is its resolved port name. */
export function portEntry(pb: PortBinding, portName: string): PortEntry {
  const entry: PortEntry = {
    namespace: pb.metadata.namespace ?? DEFAULT_NAMESPACE,
    workspace: pb.spec.workspace,
    name: portName,
    protocol: defaulted(pb).spec.protocol,
    containerPort: pb.spec.containerPort,
    phase: pb.status?.phase ?? 'Pending',
    binding: pb.metadata.name,
  };
  if (pb.spec.service !== undefined) entry.service = pb.spec.service;
  const hostPort = pb.status?.hostPort ?? pb.spec.hostPort;
  if (hostPort !== undefined) entry.hostPort = hostPort;
  if (pb.status?.url !== undefined) entry.url = pb.status.url;
  return entry;
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

/** Reads the bindings of the request, in workspace declaration order (also the API's `workspaces.ports`). */
export async function readPortEntries(client: ResourceClient, request: PortsRequest): Promise<PortEntry[]> {
  const [{ bindingPortName }, { workspacePortNames }] = await Promise.all([
    import('../../controllers/portbinding/binding.ts'),
    import('../../controllers/portbinding/allocation.ts'),
  ]);
  const listOptions = request.namespace === undefined ? {} : { namespace: request.namespace };
  const [bindings, workspaces] = await Promise.all([client.list<PortBinding>('PortBinding', listOptions), client.list<Workspace>('Workspace', listOptions)]);
  const selected = bindings.items.filter((pb) => request.workspace === undefined || pb.spec.workspace === request.workspace);
  if (request.workspace !== undefined && selected.length === 0 && !workspaces.items.some((ws) => ws.metadata.name === request.workspace)) {
    const { kindByName } = await import('../../apis/kinds.ts');
    throw notFoundError(kindByName('Workspace')!, request.workspace);
  }
  const order = new Map<string, string[]>();
  for (const ws of workspaces.items) order.set(`${ws.metadata.namespace ?? DEFAULT_NAMESPACE}/${ws.metadata.name}`, workspacePortNames(ws, bindings.items));
  const entries = selected.map((pb) => portEntry(pb, bindingPortName(pb.spec)));
  const rank = (e: PortEntry): number => {
    const index = order.get(`${e.namespace}/${e.workspace}`)?.indexOf(e.name) ?? -1;
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  return entries.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.workspace.localeCompare(b.workspace) || rank(a) - rank(b) || a.name.localeCompare(b.name));
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
