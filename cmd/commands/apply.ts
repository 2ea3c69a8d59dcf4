/**
 * `boulder apply -f FILE|DIR|-`: validates every document of every source first (writing nothing
 * when any is invalid), then creates or updates each object, prints what happened, and makes sure
 * a daemon runs to converge them.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { ValidationError } from '../../apis/errors.ts';
import { kindByName } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { choiceOption, CONTEXT_NAMESPACE } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { reportError } from '../report-error.ts';
import { applyObjects } from '../apply-objects.ts';
import { startDaemon } from '../daemon/start.ts';

/** Default `--timeout` of `apply --wait`: creating a workspace may pull an image. */
export const APPLY_WAIT_TIMEOUT_MS = 300_000;

const OUTPUTS = ['name', 'yaml', 'json'] as const;

/**
 * Puts objects into the namespace of `-n`. Manifests without a namespace are defaulted to
 * `default` by the loader, so `default` counts as unset here; any other namespace that differs
 * from the flag is an error (kubectl's rule), reported before anything is written. Without `-n`,
 * `fallback` (the kubeconfig context's namespace) takes the place of `default` and objects with
 * a namespace of their own keep it.
 */
export function placeInNamespace(objects: KubeObject[], namespace: string | undefined, fallback?: string): KubeObject[] {
  if (namespace === undefined) {
    if (fallback === undefined) return objects;
    return objects.map((obj) => {
      const own = obj.metadata.namespace;
      return own === undefined || own === 'default' ? { ...obj, metadata: { ...obj.metadata, namespace: fallback } } : obj;
    });
  }
  return objects.map((obj) => {
    const own = obj.metadata.namespace;
    if (own !== undefined && own !== 'default' && own !== namespace) {
      throw new UsageError(
        `the namespace from the provided object "${own}" does not match the namespace "${namespace}"; pass --namespace=${own} or remove it from the manifest`,
        'apply',
      );
    }
    return { ...obj, metadata: { ...obj.metadata, namespace } };
  });
}

/**
 * `--wait`: waits, within one deadline, until every applied object is Ready for its generation,
 * showing each condition as it turns (live on a terminal, plain lines otherwise) on stderr.
 */
async function waitUntilReady(deps: CliDeps, client: ResourceClient, applied: readonly KubeObject[], timeoutMs: number): Promise<ExitCodeValue | undefined> {
  const { waitWithProgress } = await import('../progress/wait.ts');
  const targets = applied.flatMap((obj) => {
    const kind = kindByName(obj.kind);
    return kind === undefined ? [] : [{ kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name }];
  });
  return waitWithProgress(deps, client, targets, { timeoutMs });
}

const command = defineCommand({
  name: 'apply',
  summary: 'Create or update objects from YAML or JSON manifests',
  usage: ['apply -f FILE|DIR|- [-f ...] [-R] [--dry-run] [-o name|yaml|json] [--no-daemon] [--wait [--timeout DURATION]]'],
  description: [
    'Every document of every source is validated first; when any is invalid, each problem is',
    'printed as file:line:col: field.path: message and nothing is written.',
    'Unless --no-daemon (or --dry-run) is given, a daemon is started in the background when none',
    'runs for the state dir, so the objects get converged.',
    '',
    'Examples:',
    '  boulder apply -f workspace.yaml',
    '  boulder apply -R -f manifests/ --wait',
    '  cat ws.yaml | boulder apply -f -',
  ].join('\n'),
  options: {
    filename: { type: 'string', short: 'f', multiple: true, valueName: 'FILE', description: 'Manifest file, directory, or - for stdin (repeatable)' },
    recursive: { type: 'boolean', short: 'R', description: 'Process directories given with -f recursively' },
    'dry-run': { type: 'boolean', description: 'Validate and show what would happen without writing' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: name, yaml or json', choices: OUTPUTS },
    'no-daemon': { type: 'boolean', description: 'Do not start a background daemon' },
    wait: { type: 'boolean', description: 'Wait until every applied object is Ready' },
    timeout: { type: 'string', valueName: 'DURATION', description: 'How long --wait waits (default 5m)' },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; pass files with -f`, 'apply');
    const sources = values.filename ?? [];
    if (sources.length === 0) throw new UsageError('must specify -f FILE (a file, a directory, or - for stdin)', 'apply');
    const output = choiceOption(values, 'output', OUTPUTS, 'apply');
    const dryRun = values['dry-run'] === true;
    const wait = values.wait === true;
    const timeoutMs = durationFlag(values.timeout, APPLY_WAIT_TIMEOUT_MS, 'timeout', 'apply');

    const { loadManifests } = await import('../../apis/validation/load.ts');
    let objects: KubeObject[];
    try {
      const loaded = await loadManifests(sources, { recursive: values.recursive === true, stdin: deps.stdin, cwd: deps.cwd });
      objects = placeInNamespace(
        loaded.map((m) => m.object),
        values.namespace,
        values[CONTEXT_NAMESPACE],
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const code = reportError(err, deps.stderr);
      deps.stderr.write(`error: nothing was applied: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} found\n`);
      return code;
    }

    const client = await deps.openClient();
    try {
      // On a multi-user node the daemon stamps the owner and enforces the limits itself.
      if (deps.nodeApi === undefined) objects = await (await import('../../apis/config/limits.ts')).enforceNodeLimits(client, objects, { env: deps.env, cwd: deps.cwd });
      const { applied, failed: applyFailed } = await applyObjects(deps, client, objects, { dryRun, output });
      let failed = applyFailed;
      if (!dryRun && values['no-daemon'] !== true && applied.length > 0) failed ??= await startDaemon(deps);
      if (wait && !dryRun && failed === undefined) failed = await waitUntilReady(deps, client, applied, timeoutMs);
      return failed ?? ExitCode.Ok;
    } finally {
      await client.close();
    }
  },
});

export default command;
