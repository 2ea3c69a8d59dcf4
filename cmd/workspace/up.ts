/**
 * What `boulder up [NAME]` and `boulder workspace up` do: render the workspace of the repository
 * (from `.nexus/config.yaml` and every configuration layer, or from the repository's
 * devcontainer.json when it has no project file) and apply it like `boulder apply`; `--dry-run`
 * prints the manifests instead. `renderUp` is shared with `boulder mcp`'s create_workspace.
 */
import { BoulderError } from '../../apis/errors.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { choiceOption } from '../args.ts';
import { defaultNamespaceOf } from '../resources.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineOptions, type CliDeps, type CommandInput } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, exitCodeForErrorCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatObjects, toYaml } from '../print/objects.ts';
import { CONFIG_LAYER_OPTIONS } from '../config-load.ts';
import { LIFECYCLE_WAIT_TIMEOUT_MS, WAIT_OPTIONS } from './wait-options.ts';

const OUTPUTS = ['yaml', 'json', 'name'] as const;

/** The comment heading `boulder up --dry-run` YAML. */
export function dryRunHeader(renderedFrom: string): string {
  return `# Rendered by boulder up from ${renderedFrom}; commit this file to apply it with boulder apply -f\n`;
}

/** Objects as multi-document YAML under the dry-run header. */
export async function renderedYaml(objects: readonly KubeObject[], renderedFrom: string): Promise<string> {
  const documents = await Promise.all(objects.map((obj) => toYaml(obj)));
  return dryRunHeader(renderedFrom) + documents.join('---\n');
}

/**
 * The resources `boulder up [NAME]` applies for the repository of `deps.cwd` (secrets as
 * references; `up` materializes them when it applies). Shared with `boulder mcp`'s create_workspace.
 */
export async function renderUp(deps: CliDeps, input: CommandInput<typeof CONFIG_LAYER_OPTIONS>, name: string | undefined, namespace: string | undefined) {
  const [{ loadUpSource }, render] = await Promise.all([import('./up-source.ts'), import('../../apis/render/index.ts')]);
  const source = await loadUpSource(deps, input, { ...(name === undefined ? {} : { name }), devcontainer: true });
  const workspaceName = render.renderedName(source.config, name === undefined ? {} : { name });
  const inputs = await render.resolveRenderInputs(source.config, { mode: 'reference', env: deps.env, cwd: deps.cwd });
  const objects = render.renderResources(source.config, {
    name: workspaceName,
    env: inputs.env,
    secrets: inputs.secrets,
    renderedFrom: source.renderedFrom,
    ...(source.branch === undefined ? {} : { branch: source.branch }),
    ...(namespace === undefined ? {} : { namespace }),
  });
  return { render, source, workspaceName, inputs, objects };
}

/** Runs `up` (shared by `boulder up` and `boulder workspace up`); `usageName` names it in usage errors. */
export async function runUp(deps: CliDeps, input: CommandInput<typeof UP_OPTIONS>, usageName: string): Promise<ExitCodeValue> {
  const { values, positionals } = input;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usageName);
  if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; use -n NAMESPACE', usageName);
  const dryRun = values['dry-run'] === true;
  const output = choiceOption(values, 'output', OUTPUTS, usageName);
  const timeoutMs = durationFlag(values.timeout, LIFECYCLE_WAIT_TIMEOUT_MS, 'timeout', usageName);
  if (dryRun && values.wait === true) throw new UsageError('--wait cannot be combined with --dry-run', usageName);
  const name = positionals[0];
  const namespace = defaultNamespaceOf(values);
  const { render, source, workspaceName, inputs, objects } = await renderUp(deps, input, name, dryRun && namespace === undefined ? undefined : (namespace ?? 'default'));

  if (dryRun) {
    for (const warning of inputs.warnings) deps.stderr.write(`warning: ${warning}\n`);
    const format = output ?? 'yaml';
    deps.stdout.write(format === 'yaml' ? await renderedYaml(objects, source.renderedFrom) : await formatObjects(objects, format, objects.length === 1));
    return ExitCode.Ok;
  }
  const { applyRendered } = await import('./up-apply.ts');
  const secretNames = Object.keys(source.config.values.secrets ?? {});
  return applyRendered(deps, objects, {
    output,
    wait: values.wait === true,
    timeoutMs,
    noDaemon: values['no-daemon'] === true,
    async materializeSecrets() {
      const { existsSync } = await import('node:fs');
      // A user of a multi-user node keeps them in their own directory: the state dir is root's.
      const dir = render.secretsDirOf(deps.nodeApi?.dir ?? deps.stateDir, namespace ?? 'default', workspaceName);
      if (secretNames.length === 0 && !existsSync(dir)) return [];
      try {
        return (await render.resolveRenderInputs(source.config, { mode: 'materialize', secretsDir: dir, env: deps.env, cwd: deps.cwd })).secrets;
      } catch (err) {
        // A secret that does not resolve is the user's to fix, not a server's answer: one plain error line.
        if (err instanceof BoulderError && (err.code === 'NotFound' || err.code === 'Unavailable')) throw new CliError(err.message, exitCodeForErrorCode(err.code), { cause: err });
        throw err;
      }
    },
  });
}

/** The options of `up` (also `workspace up`). */
export const UP_OPTIONS = defineOptions({
  ...CONFIG_LAYER_OPTIONS,
  'dry-run': { type: 'boolean', description: 'Print the rendered manifests (to commit, or to apply with boulder apply -f) instead of applying them' },
  output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: yaml, json or name (--dry-run prints yaml by default)', choices: OUTPUTS },
  ...WAIT_OPTIONS,
});

/** Help shared by `up` and `workspace up`. */
export const UP_DESCRIPTION = [
  'Renders the workspace of the repository the command runs in from its configuration — node',
  '(/etc/nexus/config.yaml), user (~/.nexus/config.yaml), the project file .nexus/config.yaml, flags and',
  'NEXUS_* variables (see boulder config --help) — and applies it like boulder apply. A repository',
  'without .nexus/config.yaml but with .devcontainer/devcontainer.json (or .devcontainer.json) uses that',
  '(boulder import devcontainer shows the mapping). NAME defaults to workspace.name, which defaults to',
  "the repository directory's name; a NAME configured under workspaces: in ~/.nexus/config.yaml brings",
  'up that repository (with its backend and branch).',
  '',
  'With --dry-run the manifests are printed (YAML: one document per object, under a comment naming',
  'the source); secrets appear as references (fromEnv, fromFile), never values. Without it, secrets',
  'from env: and keychain: sources are read now and written to files of mode 0600 under',
  '<state dir>/secrets/<namespace>/<name>, which the workspace references (boulder down removes them).',
  '',
  'Examples:',
  '  boulder init && boulder up --wait',
  '  boulder up --dry-run > workspace.yaml',
  '  boulder up feature-x --backend mock --set workspace.idle_timeout=1h',
  '  NEXUS_IMAGE=node:24-bookworm boulder up',
].join('\n');
