/**
 * `boulder init [--force] [--editor cursor]`: writes a commented starter `<repo>/.nexus/config.yaml`
 * whose first line is a yaml-language-server `$schema` modeline pointing at the installed project
 * schema. The image (or build) is taken from the repository's devcontainer.json when it has one.
 * `--editor` also writes the editor's MCP configuration naming `boulder mcp` (init-editor.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { choiceOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { projectSchemaPath } from '../../apis/package-root.ts';
import type { StarterInputs } from './init-template.ts';
import { EDITORS, EDITOR_CONFIG_FILE, mergedMcpConfig } from './init-editor.ts';

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

const command = defineCommand({
  name: 'init',
  summary: 'Write a commented starter .nexus/config.yaml for this repository',
  usage: ['init [--force] [--editor cursor]'],
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
    '--editor cursor also writes .cursor/mcp.json with a "boulder" MCP server (boulder mcp), kept',
    'beside the servers already there; with --editor an existing config.yaml is kept, not an error.',
    '',
    'Examples:',
    '  boulder init && boulder up --dry-run',
    '  boulder init --editor cursor',
  ].join('\n'),
  options: {
    force: { type: 'boolean', description: 'Overwrite an existing .nexus/config.yaml (and an editor file\'s boulder entry)' },
    editor: { type: 'string', valueName: 'EDITOR', description: "Also write the editor's MCP configuration (cursor: .cursor/mcp.json)", choices: EDITORS },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'init');
    const [{ findRepoRoot, defaultWorkspaceName }, { starterConfig }] = await Promise.all([import('../../apis/config/index.ts'), import('./init-template.ts')]);
    const repoRoot = findRepoRoot(deps.cwd);
    if (repoRoot === undefined) throw new CliError(`not in a repository (no .git at or above ${deps.cwd}): run boulder init in your repository (git init first)`, ExitCode.NotFound);
    const force = values.force === true;
    const editor = choiceOption(values, 'editor', EDITORS, 'init');
    const file = join(repoRoot, '.nexus', 'config.yaml');
    const shown = relative(deps.cwd, file) || file;
    const keepConfig = existsSync(file) && !force;
    if (keepConfig && editor === undefined) throw new CliError(`${shown} already exists; pass --force to overwrite it`, ExitCode.Conflict);
    // Everything is read and checked before anything is written.
    const editorFile = editor === undefined ? undefined : join(repoRoot, EDITOR_CONFIG_FILE[editor]);
    const editorShown = editorFile === undefined ? '' : relative(deps.cwd, editorFile) || editorFile;
    const editorConfig = editorFile === undefined ? undefined : mergedMcpConfig(existsSync(editorFile) ? await readFile(editorFile, 'utf8') : undefined, editorShown, force);
    if (keepConfig) {
      deps.stderr.write(`kept ${shown}\n`);
    } else {
      const text = starterConfig({ schemaPath: projectSchemaPath(), defaultName: defaultWorkspaceName(repoRoot), ...(await devcontainerImage(deps, repoRoot)) });
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      deps.stdout.write(`wrote ${shown}\n`);
    }
    if (editorFile !== undefined && editorConfig !== undefined) {
      if (!editorConfig.changed) {
        deps.stderr.write(`kept ${editorShown}: it already names a boulder MCP server (--force replaces that entry)\n`);
      } else {
        await mkdir(dirname(editorFile), { recursive: true });
        await writeFile(editorFile, editorConfig.text);
        deps.stdout.write(`wrote ${editorShown}\n`);
      }
    }
    return ExitCode.Ok;
  },
});

export default command;
