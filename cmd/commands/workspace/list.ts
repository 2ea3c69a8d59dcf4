/**
 * `boulder workspace list`: the same table (and -o formats) as `boulder get workspaces`; the table
 * also shows the workspaces configured in ~/.nexus/config.yaml (`workspaces:`) that are not created
 * yet, with phase NotCreated (`boulder ws up NAME` creates one). Machine formats (-o yaml|json|name)
 * and --watch list stored objects only.
 */
import { formatFieldIssue, ValidationError } from '../../../apis/errors.ts';
import { kindByName, type KindInfo, notFoundError } from '../../../apis/kinds.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../../../apis/meta.ts';
import type { EffectiveValues } from '../../../apis/config/types.ts';
import { choiceOption } from '../../args.ts';
import { UsageError } from '../../cli-error.ts';
import { defineCommand, type CliDeps } from '../../command.ts';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.ts';
import { NONE, tableRows } from '../../print/columns.ts';
import { formatTable } from '../../print/table.ts';
import { namespaceOf } from '../../resources.ts';
import { reportError } from '../../report-error.ts';
import { homeOf } from '../../config-load.ts';
import { isPlaceholder, notCreatedPlaceholders } from './configured.ts';
import { defaultBackend } from '../../../apis/defaulted.ts';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'] as const;

/**
 * The user's configured workspaces and the default backend. Without a user file nothing is loaded
 * (the plain list stays fast); a broken configuration is a warning (the list still works).
 */
async function configuredWorkspaces(deps: CliDeps): Promise<{ workspaces: EffectiveValues['workspaces']; backend: string }> {
  const { locateUserConfig } = await import('../../../apis/config/paths.ts');
  if (locateUserConfig(deps.env, deps.cwd, homeOf(deps)) === undefined) return { workspaces: undefined, backend: defaultBackend() };
  try {
    const { loadEffectiveConfig } = await import('../../../apis/config/load.ts');
    const config = await loadEffectiveConfig({ cwd: deps.cwd, home: homeOf(deps), env: deps.env, repoRoot: false });
    return { workspaces: config.values.workspaces, backend: config.values.backend ?? defaultBackend() };
  } catch (err) {
    const first = err instanceof ValidationError && err.issues[0] !== undefined ? formatFieldIssue(err.issues[0]) : (err as Error).message;
    deps.stderr.write(`warning: configured workspaces are not listed: ${first}\n`);
    return { workspaces: undefined, backend: defaultBackend() };
  }
}

/** Table of stored workspaces and configured ones not created yet (see the module comment). */
async function listWithConfigured(
  deps: CliDeps,
  req: { names: string[]; namespace: string | undefined; labelSelector: string | undefined; wide: boolean },
  configured: { workspaces: EffectiveValues['workspaces']; backend: string },
): Promise<ExitCodeValue> {
  const kind = kindByName('Workspace') as KindInfo;
  const client = await deps.openClient();
  let stored: KubeObject[];
  try {
    stored = (await client.list(kind.kind, { namespace: req.namespace, labelSelector: req.labelSelector })).items;
  } finally {
    await client.close();
  }
  // Placeholders carry no labels, so a label selector leaves them out.
  const placeholders = req.labelSelector === undefined ? notCreatedPlaceholders(configured.workspaces, stored, configured.backend) : [];
  let failed: ExitCodeValue | undefined;
  let objects = [...stored, ...placeholders];
  if (req.names.length > 0) {
    const byName = (name: string): KubeObject | undefined => objects.find((o) => o.metadata.name === name && (req.namespace === undefined || (o.metadata.namespace ?? DEFAULT_NAMESPACE) === req.namespace));
    for (const name of req.names.filter((n) => byName(n) === undefined)) failed ??= reportError(notFoundError(kind, name), deps.stderr);
    objects = req.names.map(byName).filter((o): o is KubeObject => o !== undefined);
  } else {
    const key = (o: KubeObject): string => `${o.metadata.namespace ?? DEFAULT_NAMESPACE}/${o.metadata.name}`;
    objects.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  if (objects.length === 0) {
    if (req.names.length === 0) deps.stderr.write(req.namespace === undefined ? 'No resources found\n' : `No resources found in ${req.namespace} namespace.\n`);
    return failed ?? ExitCode.Ok;
  }
  const { headers, rows } = tableRows(kind.kind, objects, { wide: req.wide, withNamespace: req.namespace === undefined, nowMs: deps.clock.now().getTime() });
  const age = headers.indexOf('AGE');
  objects.forEach((obj, i) => {
    if (isPlaceholder(obj) && age >= 0) (rows[i] as string[])[age] = NONE;
  });
  deps.stdout.write(formatTable(headers, rows));
  return failed ?? ExitCode.Ok;
}

/** `workspace list`. */
export const listCommand = defineCommand({
  name: 'list',
  summary: 'List workspaces (like `boulder get workspaces`), and configured ones not created yet',
  usage: ['workspace list [NAME...] [-o wide|yaml|json|name] [-l SELECTOR] [-n NS | -A] [-w]'],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: wide, yaml, json or name', choices: OUTPUTS },
    selector: { type: 'string', short: 'l', valueName: 'SELECTOR', description: 'Label selector, e.g. team=web' },
    watch: { type: 'boolean', short: 'w', description: 'After listing, keep printing changes until interrupted' },
  },
  async run(deps, { values, positionals }) {
    const allNamespaces = values['all-namespaces'] === true;
    if (allNamespaces && positionals.length > 0) throw new UsageError('a workspace cannot be retrieved by name across all namespaces', 'workspace list');
    const output = choiceOption(values, 'output', OUTPUTS, 'workspace list');
    const watch = values.watch === true;
    const namespace = allNamespaces ? undefined : namespaceOf(values);
    const labelSelector = values.selector;
    if ((output === undefined || output === 'wide') && !watch && (namespace === undefined || namespace === DEFAULT_NAMESPACE)) {
      const configured = await configuredWorkspaces(deps);
      if (Object.keys(configured.workspaces ?? {}).length > 0) {
        return listWithConfigured(deps, { names: positionals, namespace, labelSelector, wide: output === 'wide' }, configured);
      }
    }
    const { runGet } = await import('../../get-objects.ts');
    return runGet(deps, { kind: kindByName('Workspace') as KindInfo, names: positionals, output, namespace, labelSelector, watch, ignoreNotFound: false });
  },
});
