/**
 * Where `boulder up` / `boulder down` get the workspace from: the effective configuration of the
 * repository the command runs in — or of a workspace configured in the user's file
 * (`workspaces.NAME.repository`) when NAME is one — with the project layer taken from
 * `.nexus/config.yaml`, else imported from the repository's devcontainer.json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { EffectiveConfig } from '../../apis/config/effective.ts';
import type { FlagSetting } from '../../apis/config/flag-layer.ts';
import { ValidationError, formatFieldIssue, type FieldIssue } from '../../apis/errors.ts';
import { CliError } from '../cli-error.ts';
import type { CliDeps, CommandInput } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { homeOf } from '../config-load.ts';

/** Path of the project file below the repository root, as `nexus.dev/rendered-from` names it. */
const PROJECT_FILE = '.nexus/config.yaml';

/** The configuration a workspace is rendered from, and facts rendering needs beside it. */
export interface UpSource {
  config: EffectiveConfig;
  /** The file the project layer came from, relative to the repository. */
  renderedFrom: string;
  /** Branch of a configured workspace (`workspaces.NAME.branch`). */
  branch?: string;
  /** The configuration's warnings (already printed to stderr), placed in the files they concern. */
  warnings: readonly FieldIssue[];
}

/** Options of loadUpSource. */
export interface UpSourceOptions {
  /** The NAME argument: a configured workspace's name picks its repository. */
  name?: string;
  /** Whether a repository without a project file may use its devcontainer.json (`up`), or just its defaults (`down`). */
  devcontainer: boolean;
}

async function load(deps: CliDeps, input: CommandInput, extra: { repoRoot?: string; projectFile?: string; flags?: FlagSetting[] }): Promise<EffectiveConfig> {
  const [{ loadEffectiveConfig }, { flagSettings }] = await Promise.all([import('../../apis/config/load.ts'), import('../../apis/config/flag-layer.ts')]);
  return loadEffectiveConfig({
    cwd: deps.cwd,
    home: homeOf(deps),
    env: deps.env,
    flags: [...(extra.flags ?? []), ...flagSettings(input.values)],
    ...(extra.repoRoot === undefined ? {} : { repoRoot: extra.repoRoot }),
    ...(extra.projectFile === undefined ? {} : { projectFile: extra.projectFile }),
  });
}

/** The error for a repository without any configuration. */
function noConfiguration(repoRoot: string): CliError {
  return new CliError(
    `no ${PROJECT_FILE} or .devcontainer/devcontainer.json in ${repoRoot}: run boulder init to create a starter ${PROJECT_FILE} (or boulder import devcontainer PATH)`,
    ExitCode.NotFound,
  );
}

/** An issue placed in the generated project file, re-placed in the devcontainer.json it came from (no line: the file differs). */
function fromDevcontainer(issue: FieldIssue, generatedDir: string, shown: string): FieldIssue {
  if (issue.file === undefined || !issue.file.includes(basename(generatedDir))) return issue;
  const { line: _line, column: _column, ...rest } = issue;
  return { ...rest, file: shown };
}

/** Loads the configuration with the project layer imported from the devcontainer.json at `file`. */
async function loadFromDevcontainer(deps: CliDeps, input: CommandInput, repoRoot: string, file: string, flags: FlagSetting[]): Promise<UpSource> {
  const { readDevcontainer, formatImportedConfig } = await import('../../apis/devcontainer/index.ts');
  const shown = relative(repoRoot, file);
  const imported = await readDevcontainer(file, repoRoot, shown);
  const unmapped = imported.unmapped.map((item) => item.key.replace(/[ .[].*$/, ''));
  const keys = [...new Set(unmapped)];
  deps.stderr.write(`using ${shown}${keys.length === 0 ? '' : ` (not mapped: ${keys.join(', ')}; boulder import devcontainer lists why)`}\n`);
  // A build that was refused (outside the repository, a link out of it) says why right here: what follows is "no image".
  for (const item of imported.unmapped.filter((u) => /^(build|dockerFile)\b/.test(u.key))) deps.stderr.write(`not mapped: ${item.key}: ${item.reason}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'boulder-devcontainer-'));
  try {
    const projectFile = join(dir, 'config.yaml');
    await writeFile(projectFile, formatImportedConfig(imported, { source: shown }));
    const config = await load(deps, input, { repoRoot, projectFile, flags });
    return { config, renderedFrom: shown, warnings: config.warnings.map((w) => fromDevcontainer(w, dir, shown)) };
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(err.issues.map((issue) => fromDevcontainer(issue, dir, shown)));
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Loads the configuration `up` renders (see the module comment); warnings go to stderr. Throws a
 * ValidationError for a broken configuration (exit 3), a CliError when there is no repository or,
 * for `up`, no configuration in it.
 */
export async function loadUpSource(deps: CliDeps, input: CommandInput, options: UpSourceOptions): Promise<UpSource> {
  let config = await load(deps, input, {});
  let repoRoot = config.context.repoRoot;
  const configured = options.name === undefined ? undefined : config.values.workspaces?.[options.name];
  const flags: FlagSetting[] = [];
  if (configured !== undefined) {
    // The configured workspace's backend sits below the command's own flags, which come later.
    if (configured.backend !== undefined) flags.push({ flag: `workspaces.${options.name as string}.backend`, key: 'backend', text: configured.backend, kind: 'text' });
    repoRoot = configured.repository;
  }
  if (repoRoot === undefined) {
    throw new CliError(`not in a repository (no .git or ${PROJECT_FILE} at or above ${deps.cwd}): run boulder up in your repository, or name a workspace of your ~/.nexus/config.yaml`, ExitCode.NotFound);
  }
  const hasProjectFile = existsSync(join(repoRoot, PROJECT_FILE));
  let source: UpSource | undefined;
  if (!hasProjectFile && options.devcontainer) {
    const { findDevcontainer } = await import('../../apis/devcontainer/locate.ts');
    const file = findDevcontainer(repoRoot);
    if (file === undefined) throw noConfiguration(repoRoot);
    source = await loadFromDevcontainer(deps, input, repoRoot, file, flags);
  } else {
    if (configured !== undefined) config = await load(deps, input, { repoRoot, flags });
    source = { config, renderedFrom: PROJECT_FILE, warnings: config.warnings };
  }
  for (const warning of source.warnings) deps.stderr.write(`warning: ${formatFieldIssue(warning)}\n`);
  return configured?.branch === undefined ? source : { ...source, branch: configured.branch };
}
