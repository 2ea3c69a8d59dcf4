/**
 * `boulder import devcontainer [PATH] [--write [--force]] [-o yaml|json]`: maps a devcontainer.json
 * to a project configuration, prints it (or writes `.nexus/config.yaml`), and lists on stderr what
 * could not be mapped, with the reason for each.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { choiceOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { toJson } from '../print/objects.ts';

const OUTPUTS = ['yaml', 'json'] as const;
const USAGE_NAME = 'import';

/** The devcontainer.json a PATH argument names: the file, or a folder holding one (a repository or .devcontainer). */
async function locate(deps: CliDeps, path: string | undefined): Promise<{ file: string; repoRoot: string }> {
  const [{ findDevcontainer, devcontainerVariants, DEVCONTAINER_PATHS }, { findRepoRoot }] = await Promise.all([
    import('../../apis/devcontainer/locate.ts'),
    import('../../apis/config/paths.ts'),
  ]);
  const target = resolve(deps.cwd, path ?? '.');
  if (!existsSync(target)) throw new CliError(`${path ?? target}: no such file or directory`, ExitCode.NotFound);
  let file: string | undefined;
  if (statSync(target).isFile()) file = target;
  else if (existsSync(join(target, 'devcontainer.json'))) file = join(target, 'devcontainer.json');
  else {
    const root = path === undefined ? (findRepoRoot(target) ?? target) : target;
    file = findDevcontainer(root);
    if (file === undefined) {
      const variants = devcontainerVariants(root);
      const hint = variants.length > 0 ? `; pass one of ${variants.join(', ')}` : '';
      throw new CliError(`no devcontainer.json in ${root} (looked for ${DEVCONTAINER_PATHS.join(', ')})${hint}`, ExitCode.NotFound);
    }
  }
  // The repository is the one holding the file: build paths become relative to it.
  return { file, repoRoot: findRepoRoot(dirname(file)) ?? dirname(file) };
}

const command = defineCommand({
  name: 'import',
  summary: 'Make a .nexus/config.yaml from a devcontainer.json (import devcontainer)',
  usage: [`${USAGE_NAME} devcontainer [PATH] [--write [--force]] [-o yaml|json]`],
  description: [
    'PATH is a devcontainer.json, or a folder holding one (default: this repository, which is searched',
    'for .devcontainer/devcontainer.json, then .devcontainer.json). Comments and trailing commas are fine.',
    '',
    'Mapped: image; build.dockerfile/context/args/target (paths become relative to the repository);',
    'forwardPorts and appPort (→ ports, named after portsAttributes labels; requireLocalPort pins the host',
    'port); containerEnv, remoteEnv and runArgs -e (→ env; a value that is exactly ${localEnv:NAME} → the',
    'secret env:NAME); onCreateCommand, updateContentCommand, postCreateCommand (→ scripts.pre_start) and',
    'postStartCommand (→ scripts.post_start), as string, array or object; runArgs --cpus/--memory and',
    'hostRequirements (→ resources); the worktree mount at /workspace. Everything else (features,',
    'customizations, remoteUser, Docker Compose, other mounts and runArgs, initializeCommand, …) is',
    'listed on stderr as "not mapped: KEY: REASON" and as comments in the output.',
    '',
    'The configuration is printed (YAML with a schema modeline, or JSON); --write writes it to',
    '<repository>/.nexus/config.yaml instead (an existing file is kept unless --force).',
    'boulder up in a repository with a devcontainer.json and no .nexus/config.yaml uses the same mapping.',
    '',
    'Examples:',
    '  boulder import devcontainer',
    '  boulder import devcontainer .devcontainer/python/devcontainer.json --write',
  ].join('\n'),
  options: {
    write: { type: 'boolean', description: 'Write <repository>/.nexus/config.yaml instead of printing' },
    force: { type: 'boolean', description: 'With --write: overwrite an existing .nexus/config.yaml' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: yaml (default) or json', choices: OUTPUTS },
  },
  async run(deps, { values, positionals }) {
    const [what, path, extra] = positionals;
    if (what !== 'devcontainer') throw new UsageError(what === undefined ? 'name what to import: devcontainer' : `cannot import "${what}"; only devcontainer`, USAGE_NAME);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, USAGE_NAME);
    const output = choiceOption(values, 'output', OUTPUTS, USAGE_NAME) ?? 'yaml';
    const write = values.write === true;
    if (write && output === 'json') throw new UsageError('--write writes YAML; drop -o json', USAGE_NAME);
    if (values.force === true && !write) throw new UsageError('--force goes with --write', USAGE_NAME);

    const { file, repoRoot } = await locate(deps, path);
    const { readDevcontainer, formatImportedConfig } = await import('../../apis/devcontainer/index.ts');
    const source = relative(repoRoot, file) || file;
    const imported = await readDevcontainer(file, repoRoot, relative(deps.cwd, file) || file);
    for (const item of imported.unmapped) deps.stderr.write(`not mapped: ${item.key}: ${item.reason}\n`);
    if (output === 'json') {
      deps.stdout.write(toJson(imported.config));
      return ExitCode.Ok;
    }
    const { projectSchemaPath } = await import('../../apis/package-root.ts');
    const text = formatImportedConfig(imported, { source, schemaPath: projectSchemaPath() });
    if (!write) {
      deps.stdout.write(text);
      return ExitCode.Ok;
    }
    const target = join(repoRoot, '.nexus', 'config.yaml');
    const shown = relative(deps.cwd, target) || target;
    if (existsSync(target) && values.force !== true) throw new CliError(`${shown} already exists; pass --force to overwrite it`, ExitCode.Conflict);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
    deps.stdout.write(`wrote ${shown}\n`);
    return ExitCode.Ok;
  },
});

export default command;
