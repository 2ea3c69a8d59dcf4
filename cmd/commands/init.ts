/**
 * `boulder init [--force]`: writes a commented starter `<repo>/.nexus/config.yaml` whose first line
 * is a yaml-language-server `$schema` modeline pointing at the installed project schema. The image
 * (or build) is taken from the repository's devcontainer.json when it has one.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { booleanOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import type { CliDeps, Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { packageRoot } from '../package-root.ts';
import type { StarterInputs } from './init-template.ts';

/** Absolute path of the project configuration schema shipped in the package. */
export function projectSchemaPath(): string {
  return join(packageRoot(), 'schemas', 'config-project.schema.json');
}

/** The image or build of the repository's devcontainer.json, when it has one that maps. */
async function devcontainerImage(deps: CliDeps, repoRoot: string): Promise<Pick<StarterInputs, 'image' | 'build' | 'imageFrom'>> {
  const { findDevcontainer, readDevcontainer } = await import('../../apis/devcontainer/index.ts');
  const file = findDevcontainer(repoRoot);
  if (file === undefined) return {};
  const shown = relative(repoRoot, file);
  const { config } = await readDevcontainer(file, repoRoot, shown);
  const { image, build } = config.workspace ?? {};
  if (image === undefined && build === undefined) return {};
  deps.stderr.write(`took the workspace ${image === undefined ? 'build' : 'image'} from ${shown} (boulder import devcontainer maps the rest)\n`);
  return { ...(image === undefined ? {} : { image }), ...(build === undefined ? {} : { build }), imageFrom: shown };
}

const command: Command = {
  name: 'init',
  summary: 'Write a commented starter .nexus/config.yaml for this repository',
  usage: ['init [--force]'],
  description: [
    'Writes <repository>/.nexus/config.yaml: a valid, commented starter (image, a web port, env, a',
    'post_start script; services, secrets and sync commented out). The image comes from the',
    "repository's devcontainer.json when there is one. The first line is a modeline for editors",
    'using yaml-language-server (VS Code YAML, Neovim, Helix, …), so they complete and check the file:',
    '  # yaml-language-server: $schema=<boulder package>/schemas/config-project.schema.json',
    'written with the absolute path of this installation; in a project that installs boulder',
    'locally, the relative form works too:',
    '  # yaml-language-server: $schema=../node_modules/boulder/schemas/config-project.schema.json',
    'An existing file is kept unless --force.',
    '',
    'Examples:',
    '  boulder init && boulder up --dry-run',
  ].join('\n'),
  options: {
    force: { type: 'boolean', description: 'Overwrite an existing .nexus/config.yaml' },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'init');
    const [{ findRepoRoot, defaultWorkspaceName }, { starterConfig }] = await Promise.all([import('../../apis/config/index.ts'), import('./init-template.ts')]);
    const repoRoot = findRepoRoot(deps.cwd);
    if (repoRoot === undefined) throw new CliError(`not in a repository (no .git at or above ${deps.cwd}): run boulder init in your repository (git init first)`, ExitCode.NotFound);
    const file = join(repoRoot, '.nexus', 'config.yaml');
    const shown = relative(deps.cwd, file) || file;
    if (existsSync(file) && !booleanOption(values, 'force')) throw new CliError(`${shown} already exists; pass --force to overwrite it`, ExitCode.Conflict);
    const text = starterConfig({ schemaPath: projectSchemaPath(), defaultName: defaultWorkspaceName(repoRoot), ...(await devcontainerImage(deps, repoRoot)) });
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    deps.stdout.write(`wrote ${shown}\n`);
    return ExitCode.Ok;
  },
};

export default command;
