/**
 * `boulder delete`: deletes objects named on the command line, selected by label, or listed in
 * manifests (`-f`); starts the daemon when finalizers are pending and none runs (like apply);
 * `--wait` blocks until they are gone (finalizers done), see cmd/deletion.ts.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo, notFoundError } from '../../apis/kinds.ts';

import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type CliDeps, type OptionValues } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { defaultNamespaceOf, namespaceOf, parseResourceArgs, singularResource } from '../resources.ts';
import { reportError } from '../report-error.ts';
import { DELETE_WAIT_TIMEOUT_MS, type MarkedObject } from '../deletion.ts';

/** One object to delete. */
interface Target {
  kind: KindInfo;
  namespace: string;
  name: string;
}

/** The objects named by `-f` manifests (validated like apply does). */
async function targetsFromFiles(deps: CliDeps, sources: string[], recursive: boolean, namespaceFlag: string | undefined): Promise<Target[]> {
  const { loadManifests } = await import('../../apis/validation/load.ts');
  const loaded = await loadManifests(sources, { recursive, stdin: deps.stdin, cwd: deps.cwd });
  return loaded.flatMap(({ object }) => {
    const kind = kindByName(object.kind);
    if (kind === undefined) return [];
    const own = object.metadata.namespace;
    const namespace = namespaceFlag !== undefined && (own === undefined || own === 'default') ? namespaceFlag : (own ?? 'default');
    return [{ kind, namespace, name: object.metadata.name }];
  });
}

/** The objects named on the command line (`KIND NAME...`, `KIND/NAME...`), or selected by `-l` or `--all`. */
async function targetsFromArgs(deps: CliDeps, client: ResourceClient, positionals: string[], values: OptionValues<typeof DELETE_OPTIONS>): Promise<Target[]> {
  const selector = values.selector;
  const all = values.all === true;
  const { kind, refs } = parseResourceArgs(positionals, 'delete');
  const namespace = namespaceOf(values);
  if (refs.length > 0 && (selector !== undefined || all)) throw new UsageError('names cannot be combined with -l or --all', 'delete');
  if (refs.length === 0 && selector === undefined && !all) throw new UsageError('name the objects to delete, or use -l SELECTOR or --all', 'delete');
  if (refs.length > 0) return refs.map((r) => ({ kind: r.kind, namespace, name: r.name }));
  const list = await client.list(kind.kind, { namespace, labelSelector: selector });
  if (list.items.length === 0) deps.stderr.write(`No resources found in ${namespace} namespace.\n`);
  return list.items.map((o) => ({ kind, namespace, name: o.metadata.name }));
}

/** Deletes each target (marking workspaces with `--force` first), printing each; the exit code of the first failure. */
async function deleteEach(
  deps: CliDeps,
  client: ResourceClient,
  targets: readonly Target[],
  options: { force: boolean; ignoreNotFound: boolean },
): Promise<{ deleted: MarkedObject[]; failed: ExitCodeValue | undefined }> {
  const deleted: MarkedObject[] = [];
  let failed: ExitCodeValue | undefined;
  const markForceDelete = options.force ? (await import('../workspace/force-delete.ts')).markForceDelete : undefined;
  for (const t of targets) {
    try {
      if (markForceDelete !== undefined && t.kind.kind === 'Workspace') await markForceDelete(client, t.namespace, t.name);
      const remaining = await client.delete(t.kind.kind, t.namespace, t.name);
      deleted.push({ ...t, ...(remaining !== undefined ? { remaining } : {}) });
      deps.stdout.write(`${singularResource(t.kind)} "${t.name}" deleted\n`);
    } catch (err) {
      if (!isErrorCode(err, 'NotFound')) failed ??= reportError(err, deps.stderr);
      else if (!options.ignoreNotFound) failed ??= reportError(notFoundError(t.kind, t.name, err), deps.stderr);
    }
  }
  return { deleted, failed };
}

/** The flags of `boulder delete`. */
const DELETE_OPTIONS = defineOptions({
  filename: { type: 'string', short: 'f', multiple: true, valueName: 'FILE', description: 'Delete the objects of these manifests (file, directory, or -)' },
  recursive: { type: 'boolean', short: 'R', description: 'Process directories given with -f recursively' },
  selector: { type: 'string', short: 'l', valueName: 'SELECTOR', description: 'Delete the objects matching this label selector' },
  all: { type: 'boolean', description: 'Delete every object of the kind in the namespace' },
  wait: { type: 'boolean', description: 'Wait until the objects are gone' },
  timeout: { type: 'string', valueName: 'DURATION', description: 'How long --wait waits (default 60s)' },
  'ignore-not-found': { type: 'boolean', description: 'Treat objects that do not exist as deleted' },
  force: { type: 'boolean', description: 'Workspaces: remove the worktree even when it has uncommitted changes' },
  'no-daemon': { type: 'boolean', description: 'Do not start a background daemon to clean up' },
});

const command = defineCommand({
  name: 'delete',
  summary: 'Delete objects by name, by label selector, or from manifests',
  usage: [
    'delete KIND NAME... [--wait [--timeout DURATION]]',
    'delete KIND/NAME...',
    'delete KIND -l SELECTOR | --all',
    'delete -f FILE|DIR|- [-R]',
    '[--no-daemon]',
  ],
  description: [
    'Objects with finalizers are marked for deletion and disappear once their controller has',
    'cleaned up: unless --no-daemon is given, a daemon is started in the background when none runs',
    'for the state dir (as apply does). --wait blocks until then, printing cleanup failures as they',
    'are reported. --force marks workspaces so that their worktree is removed even when it has',
    'uncommitted changes (other kinds ignore it).',
  ].join('\n'),
  options: DELETE_OPTIONS,
  async run(deps, { values, positionals }) {
    const files = values.filename ?? [];
    const timeoutMs = durationFlag(values.timeout, DELETE_WAIT_TIMEOUT_MS, 'timeout', 'delete');
    if (files.length > 0 && positionals.length > 0) throw new UsageError('give either -f or KIND NAME, not both', 'delete');
    if (files.length === 0 && positionals.length === 0) throw new UsageError('you must specify the type of resource to delete, or -f FILE', 'delete');

    const client = await deps.openClient();
    try {
      const targets =
        files.length > 0 ? await targetsFromFiles(deps, files, values.recursive === true, defaultNamespaceOf(values)) : await targetsFromArgs(deps, client, positionals, values);
      const { deleted, failed } = await deleteEach(deps, client, targets, { force: values.force === true, ignoreNotFound: values['ignore-not-found'] === true });
      if (deleted.length === 0) return failed ?? ExitCode.Ok;
      const { finishDeletion } = await import('../deletion.ts');
      const options = { noDaemon: values['no-daemon'] === true, wait: values.wait === true, timeoutMs };
      return failed ?? (await finishDeletion(deps, client, deleted, options)) ?? ExitCode.Ok;
    } finally {
      await client.close();
    }
  },
});

export default command;
