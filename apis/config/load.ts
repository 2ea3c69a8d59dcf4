/**
 * Loading the effective configuration: find the node, user and project files, read and validate
 * each (every problem of every file at once; nothing is used half-loaded), add flags and NEXUS_*
 * variables, merge, check the result, and collect warnings.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ValidationError, type FieldIssue } from '../errors.ts';
import type { ConfigContext, EffectiveConfig, ShownFile } from './effective.ts';
import { envLayer } from './env-layer.ts';
import { fileLayer, projectOverrideLayers } from './file-layers.ts';
import { flagLayer, type FlagSetting } from './flag-layer.ts';
import { machineLayers, readLocated } from './machine-config.ts';
import { mergeLayers } from './merge.ts';
import { issueAtOrigin } from './origin.ts';
import { PROJECT_CONFIG_RELATIVE, displayPath, findRepoRoot, locateNodeConfig, locateUserConfig, type ConfigFileLocation } from './paths.ts';
import type { ConfigFile } from './read-file.ts';
import { parseSecretSource } from './secret-source.ts';
import { secretWarnings } from './secrets.ts';
import type { ConfigLayer } from './types.ts';
import { checkEffectiveConfig } from './validate.ts';

/** Options of loadEffectiveConfig; everything defaults to the real process. */
export interface LoadConfigOptions {
  /** Directory the project is searched from and relative paths resolve against. Default process.cwd(). */
  cwd?: string;
  /** Home directory (user file, `~/`). Default os.homedir(). */
  home?: string;
  /** Environment: NEXUS_* variables, NEXUS_NODE_CONFIG / NEXUS_USER_CONFIG, env: secrets. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Node files looked for when NEXUS_NODE_CONFIG is unset. Default /etc/nexus/config.yaml, /opt/nexus/etc/config.yaml. */
  nodeConfigCandidates?: readonly string[];
  /** Root of the project's repository; default: found from cwd (.git or .nexus/config.yaml); false: no project layer. */
  repoRoot?: string | false;
  /** Project file to read instead of <repoRoot>/.nexus/config.yaml (tools and tests); it must exist. */
  projectFile?: string;
  /** Command-line flags (see flagSettings). */
  flags?: readonly FlagSetting[];
  /** Platform whose keychain tool secret checks look for. Default process.platform. */
  platform?: NodeJS.Platform;
  /** Collect warnings (unknown variables, secrets and env files that do not resolve). Default true. */
  warnings?: boolean;
}

/** A DNS-1123 label made from a directory name: `My_App` → `my-app`; `workspace` when nothing is left. */
export function defaultWorkspaceName(repoRoot: string): string {
  const label = basename(repoRoot)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label === '' ? 'workspace' : label;
}

/** The built-in layer under every other: backend docker, and the workspace named after the repository. */
export function builtinLayer(repoRoot: string | undefined): ConfigLayer {
  const values: Record<string, unknown> = { backend: 'docker' };
  if (repoRoot !== undefined) values.workspace = { name: defaultWorkspaceName(repoRoot) };
  return {
    layer: 'default',
    source: 'built-in',
    values,
    locate: (path) => (path[0] === 'workspace' ? { source: 'built-in', note: `the repository directory's name (${basename(repoRoot ?? '')})` } : { source: 'built-in' }),
  };
}

/** NEXUS_* variables an `env:` source of the configuration reads: not unknown, whatever their name. */
function variablesReadBySecrets(config: EffectiveConfig): Set<string> {
  const names = new Set<string>();
  for (const entry of config.entries) {
    const parsed = typeof entry.value === 'string' ? parseSecretSource(entry.value) : undefined;
    if (parsed?.from === 'env') names.add(parsed.name);
  }
  return names;
}

/**
 * Loads, validates and merges every layer (see LoadConfigOptions). Throws one ValidationError
 * listing every problem (schema errors of every file, bad flags and variables, then the merged
 * configuration's own problems) with file:line:col and key paths. Warnings (unknown NEXUS_*
 * variables, secrets or env files that do not resolve…) are on the result.
 */
export async function loadEffectiveConfig(options: LoadConfigOptions = {}): Promise<EffectiveConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const home = options.home ?? homedir();
  const env = options.env ?? process.env;
  const show = (path: string): string => displayPath(path, cwd, home);
  const issues: FieldIssue[] = [];

  const repoRoot = options.repoRoot === false ? undefined : options.repoRoot === undefined ? findRepoRoot(cwd) : resolve(cwd, options.repoRoot);
  const projectLocation: ConfigFileLocation | undefined =
    options.projectFile !== undefined
      ? { path: resolve(cwd, options.projectFile), required: true }
      : repoRoot === undefined
        ? undefined
        : { path: join(repoRoot, PROJECT_CONFIG_RELATIVE), required: false };
  const node = await readLocated('node', locateNodeConfig(env, cwd, options.nodeConfigCandidates), show, issues);
  const user = await readLocated('user', locateUserConfig(env, cwd, home), show, issues);
  const project = await readLocated('project', projectLocation, show, issues);
  // Command flags rank below the NEXUS_* variables; global flags (--state-dir) above them.
  const flags = flagLayer((options.flags ?? []).filter((f) => f.outranksEnv !== true), cwd, home);
  const globalFlags = flagLayer((options.flags ?? []).filter((f) => f.outranksEnv === true), cwd, home);
  const fromEnv = envLayer(env, cwd);
  issues.push(...flags.issues, ...globalFlags.issues, ...fromEnv.issues);

  const layers: ConfigLayer[] = [builtinLayer(repoRoot)];
  let matchedOverrides: string[] = [];
  layers.push(...machineLayers(node, user, home, issues));
  if (user !== undefined && repoRoot !== undefined) {
    const overrides = projectOverrideLayers(user, repoRoot, { home });
    layers.push(...overrides.layers);
    matchedOverrides = overrides.keys;
  }
  if (project !== undefined) layers.push(fileLayer(project, { home }).layer);
  layers.push(flags.layer, fromEnv.layer, globalFlags.layer);
  if (issues.length > 0) throw new ValidationError(issues);

  const merged = mergeLayers(layers);
  const checked = checkEffectiveConfig(merged);
  if (checked.errors.length > 0) throw new ValidationError(checked.errors);

  const readBySecrets = variablesReadBySecrets(merged);
  const warnings: FieldIssue[] = options.warnings === false ? [] : [
    ...fromEnv.unknown.filter((name) => !readBySecrets.has(name)).map((name) => ({ path: name, message: 'unknown NEXUS_* variable, ignored (boulder config --help lists the known ones)' })),
    ...checked.warnings,
    ...(await secretWarnings(merged, { env, ...(options.platform === undefined ? {} : { platform: options.platform }) })),
    ...envFileWarnings(merged, repoRoot ?? cwd),
  ];
  const shownFile = (file: ConfigFile | undefined): ShownFile | undefined => (file === undefined ? undefined : { path: file.path, shown: file.shown });
  const files: ConfigContext['files'] = {};
  for (const [level, file] of [['node', node], ['user', user], ['project', project]] as const) {
    const shown = shownFile(file);
    if (shown !== undefined) files[level] = shown;
  }
  const context: ConfigContext = { files, ...(repoRoot === undefined ? {} : { repoRoot }), matchedOverrides };
  return merged.with({ warnings, context });
}

/** A warning for each env file that does not exist. */
function envFileWarnings(config: EffectiveConfig, base: string): FieldIssue[] {
  const entry = config.entry('env_files');
  if (entry === undefined || !Array.isArray(entry.value)) return [];
  return entry.value
    .map(String)
    .filter((file) => !existsSync(isAbsolute(file) ? file : resolve(base, file)))
    .map((file) => issueAtOrigin(entry.origin, `env file ${file} does not exist`));
}
