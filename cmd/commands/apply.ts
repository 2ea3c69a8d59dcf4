/**
 * `boulder apply -f FILE|DIR|-`: validates every document of every source first (writing nothing
 * when any is invalid), then creates or updates each object, prints what happened, and makes sure
 * a daemon runs to converge them (the steps: ../apply/steps.ts).
 *
 * The CLI reads the sources itself. When a daemon answers for the embedded store, it sends their
 * texts to the daemon (control op `apply`, ../apply/via-daemon.ts), whose validation, store and
 * controllers are warm: the CLI then loads neither the store nor validation, and prints what the
 * daemon streams back — the same text and exit code as its own path, which it takes when no daemon
 * answers (or an older one does not know the op), with `--no-daemon`, a node configuration file
 * (its limits are read as the invoking user), the Kubernetes store or a multi-user node's API.
 */
import { choiceOption, CONTEXT_NAMESPACE } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { durationFlag } from '../duration.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { ManifestSource } from '../../apis/validation/sources.ts';
import type { ApplyPlan } from '../apply/steps.ts';

export { placeInNamespace } from '../apply/namespace.ts';

/** Default `--timeout` of `apply --wait`: creating a workspace may pull an image. */
export const APPLY_WAIT_TIMEOUT_MS = 300_000;

const OUTPUTS = ['name', 'yaml', 'json'] as const;

/** The CLI's own apply: validates, opens the store, writes, starts a daemon, waits. */
async function applyHere(deps: CliDeps, sources: readonly ManifestSource[], plan: ApplyPlan, startsDaemon: boolean): Promise<ExitCodeValue> {
  const { validatedObjects, writeAndWait } = await import('../apply/steps.ts');
  const objects = await validatedObjects(deps, sources, deps.cwd, plan);
  if (typeof objects === 'number') return objects;
  const client = await deps.openClient();
  try {
    return await writeAndWait(deps, client, objects, plan, {
      // On a multi-user node the daemon stamps the owner and enforces the limits itself.
      limits: async (valid) => (deps.nodeApi === undefined ? (await import('../../apis/config/limits.ts')).enforceNodeLimits(client, valid, { env: deps.env, cwd: deps.cwd }) : valid),
      ...(startsDaemon ? { afterWrites: async () => (await import('../daemon/start.ts')).startDaemon(deps) } : {}),
      wait: async (targets, timeoutMs) => (await import('../progress/wait.ts')).waitWithProgress(deps, client, targets, { timeoutMs }),
    });
  } finally {
    await client.close();
  }
}

const command = defineCommand({
  name: 'apply',
  summary: 'Create or update objects from YAML or JSON manifests',
  usage: ['apply -f FILE|DIR|- [-f ...] [-R] [--dry-run] [-o name|yaml|json] [--no-daemon] [--wait [--timeout DURATION]]'],
  description: [
    'Every document of every source is validated first; when any is invalid, each problem is',
    'printed as file:line:col: field.path: message and nothing is written.',
    'Unless --no-daemon (or --dry-run) is given, a daemon is started in the background when none',
    'runs for the state dir, so the objects get converged. When one runs, the manifests (read by',
    'this command) are handed to it to validate and write; --no-daemon does it all here.',
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

    const plan: ApplyPlan = { namespace: values.namespace, contextNamespace: values[CONTEXT_NAMESPACE], dryRun, output, waitTimeoutMs: wait ? timeoutMs : undefined };
    const { readManifestSources } = await import('../../apis/validation/sources.ts');
    const read = await readManifestSources(sources, { recursive: values.recursive === true, stdin: deps.stdin, cwd: deps.cwd });
    if (values['no-daemon'] !== true && deps.storeKind === 'embedded' && deps.nodeApi === undefined) {
      const viaDaemon = await (await import('../apply/via-daemon.ts')).applyThroughDaemon(deps, read, plan);
      if (viaDaemon !== undefined) return viaDaemon;
    }
    return applyHere(deps, read, plan, !dryRun && values['no-daemon'] !== true);
  },
});

export default command;
