/**
 * Turns valid configuration files into layers in the effective shape: `defaults.idle_timeout` of the
 * node and user files becomes `workspace.idle_timeout`, the user's `secrets` become `user_secrets`,
 * and so on (see FILE_KEY_MAPPINGS). Values are normalized on the way: numbers meant as text become
 * text, secret sources become canonical, and paths become absolute.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { FieldIssue } from '../errors.ts';
import { isRecord, type PathSegment } from '../validation/field-path.ts';
import type { ConfigLevel } from './effective-schema.ts';
import { formatKey, isPathPrefix } from './key-path.ts';
import { expandHome } from './paths.ts';
import type { ConfigFile } from './read-file.ts';
import { normalizeSecretSource } from './secret-source.ts';
import { REQUESTED_SECRET, type ConfigLayer, type LayerName } from './types.ts';

/** Where a key of a file goes in the effective configuration. */
export interface KeyMapping {
  file: readonly string[];
  effective: readonly string[];
}

const DEFAULTS_MAPPINGS: readonly KeyMapping[] = [
  { file: ['defaults', 'backend'], effective: ['backend'] },
  { file: ['defaults', 'idle_timeout'], effective: ['workspace', 'idle_timeout'] },
  { file: ['defaults', 'resources'], effective: ['resources'] },
  { file: ['defaults', 'port_range'], effective: ['port_range'] },
];

const PROJECT_KEYS = ['workspace', 'backend', 'ports', 'services', 'env', 'env_files', 'scripts', 'hooks', 'resources', 'secrets', 'sync'];

const same = (key: string): KeyMapping => ({ file: [key], effective: [key] });

/** How the keys of each file map to effective keys. Keys not listed (user project_overrides) are not values. */
export const FILE_KEY_MAPPINGS: Record<ConfigLevel, readonly KeyMapping[]> = {
  node: [same('daemon'), same('limits'), same('backends'), same('store'), same('multi_user'), same('network'), ...DEFAULTS_MAPPINGS],
  user: [
    { file: ['preferences', 'default_backend'], effective: ['backend'] },
    { file: ['preferences', 'editor'], effective: ['preferences', 'editor'] },
    { file: ['preferences', 'output'], effective: ['preferences', 'output'] },
    { file: ['preferences', 'telemetry'], effective: ['preferences', 'telemetry'] },
    ...DEFAULTS_MAPPINGS,
    same('backends'),
    same('store'),
    same('workspaces'),
    { file: ['secrets'], effective: ['user_secrets'] },
    same('sync'),
  ],
  project: PROJECT_KEYS.map(same),
};

/** The value at `path` of `data`. */
export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) node = isRecord(node) ? node[String(segment)] : undefined;
  return node;
}

function setAt(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  path.forEach((segment, i) => {
    if (i === path.length - 1) node[segment] = value;
    else node = (node[segment] = isRecord(node[segment]) ? node[segment] : {}) as Record<string, unknown>;
  });
}

/** Paths resolved against the directory of the file naming them, `~/` against the home directory. */
const PATH_KEYS = ['daemon.state_dir', 'daemon.socket', 'daemon.tls.cert', 'daemon.tls.key', 'multi_user.state_dir', 'multi_user.users_dir', 'backends.kubernetes.kubeconfig'];

/**
 * Normalizes values in the effective shape, in place: cpu quantities and env values to text, secret
 * sources to canonical text (file paths absolute against `baseDir`), paths of node and user settings
 * and workspace repositories absolute, and a secrets list to names marked as requested.
 */
export function normalizeEffectiveValues(values: Record<string, unknown>, baseDir: string, home: string): Record<string, unknown> {
  const absolute = (path: unknown): unknown => (typeof path === 'string' ? resolve(baseDir, expandHome(path, home)) : path);
  const text = (value: unknown): unknown => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value);
  const mapValues = (map: unknown, fn: (value: unknown) => unknown): void => {
    if (isRecord(map)) for (const key of Object.keys(map)) map[key] = fn(map[key]);
  };
  const at = (path: string): Record<string, unknown> | undefined => {
    const parent = valueAt(values, path.split('.').slice(0, -1));
    return isRecord(parent) ? parent : undefined;
  };
  for (const path of ['resources.cpu', 'limits.max_cpu']) {
    const parent = at(path);
    const key = path.split('.').at(-1) as string;
    if (parent !== undefined && parent[key] !== undefined) parent[key] = text(parent[key]);
  }
  for (const path of PATH_KEYS) {
    const parent = at(path);
    const key = path.split('.').at(-1) as string;
    if (parent !== undefined && parent[key] !== undefined) parent[key] = absolute(parent[key]);
  }
  mapValues(values.env, text);
  if (isRecord(values.services)) for (const service of Object.values(values.services)) if (isRecord(service)) mapValues(service.env, text);
  if (Array.isArray(values.secrets)) {
    values.secrets = Object.fromEntries(values.secrets.map((name) => [String(name), REQUESTED_SECRET]));
  } else {
    mapValues(values.secrets, (source) => normalizeSecretSource(source, baseDir, home));
  }
  mapValues(values.user_secrets, (source) => normalizeSecretSource(source, baseDir, home));
  const sprite = valueAt(values, ['backends', 'sprite']);
  if (isRecord(sprite) && sprite.api_key !== undefined) sprite.api_key = normalizeSecretSource(sprite.api_key, baseDir, home);
  if (isRecord(values.workspaces)) {
    for (const workspace of Object.values(values.workspaces)) if (isRecord(workspace)) workspace.repository = absolute(workspace.repository);
  }
  return values;
}

/** Options of the layer builders. */
export interface LayerContext {
  home: string;
}

/**
 * Builds a layer from settings in a file's shape (`data`, found at `prefix` of `file`, e.g. one
 * entry of project_overrides), mapped with `mappings`.
 */
function buildLayer(layer: LayerName, file: ConfigFile, data: unknown, prefix: readonly string[], mappings: readonly KeyMapping[], context: LayerContext): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const mapping of mappings) {
    const value = valueAt(data, mapping.file);
    if (value !== undefined && valueAt(values, mapping.effective) === undefined) setAt(values, mapping.effective, structuredClone(value));
  }
  normalizeEffectiveValues(values, dirname(file.path), context.home);
  const secretList = valueAt(data, ['secrets']);
  const toFilePath = (path: readonly PathSegment[]): PathSegment[] => {
    if (Array.isArray(secretList) && path[0] === 'secrets' && path.length === 2) return [...prefix, 'secrets', secretList.indexOf(path[1])];
    const candidates = mappings.filter((m) => isPathPrefix(m.effective, path) && valueAt(data, m.file) !== undefined);
    const mapping = candidates.sort((a, b) => b.effective.length - a.effective.length)[0];
    return mapping === undefined ? [...prefix, ...path] : [...prefix, ...mapping.file, ...path.slice(mapping.effective.length)];
  };
  return {
    layer,
    source: file.shown,
    values,
    locate(path) {
      const filePath = toFilePath(path);
      const sourceKey = formatKey(filePath);
      return { source: file.shown, ...file.locate(filePath), ...(sourceKey === formatKey(path) ? {} : { sourceKey }) };
    },
  };
}

/** The layer of a valid node, user or project file. The user's preferences.default_backend and defaults.backend must agree. */
export function fileLayer(file: ConfigFile, context: LayerContext): { layer: ConfigLayer; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (file.level === 'user') {
    const preferred = valueAt(file.data, ['preferences', 'default_backend']);
    const defaulted = valueAt(file.data, ['defaults', 'backend']);
    if (preferred !== undefined && defaulted !== undefined && preferred !== defaulted) {
      issues.push({
        path: 'defaults.backend',
        message: `conflicts with preferences.default_backend (${String(preferred)}); set only one of them`,
        file: file.shown,
        ...file.locate(['defaults', 'backend']),
      });
    }
  }
  return { layer: buildLayer(file.level, file, file.data, [], FILE_KEY_MAPPINGS[file.level], context), issues };
}

/** A glob of project_overrides as a regular expression: `*` and `?` stay within one path segment, `**` crosses them. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether a key of project_overrides matches the repository at `repoRoot`: a key with a slash is a
 * path or glob (`~/` is the home directory, relative keys are relative to it); a key without one
 * matches the repository directory's name.
 */
export function overrideMatches(key: string, repoRoot: string, home: string): boolean {
  const trimmed = key.length > 1 ? key.replace(/\/+$/, '') : key;
  if (!trimmed.includes('/')) return globToRegExp(trimmed).test(basename(repoRoot));
  const expanded = expandHome(trimmed, home);
  const pattern = isAbsolute(expanded) ? expanded : join(home, expanded);
  return globToRegExp(pattern).test(repoRoot);
}

/** One layer per entry of the user's project_overrides that matches `repoRoot`, in the order written. */
export function projectOverrideLayers(user: ConfigFile, repoRoot: string, context: LayerContext): { layers: ConfigLayer[]; keys: string[] } {
  const overrides = valueAt(user.data, ['project_overrides']);
  if (!isRecord(overrides)) return { layers: [], keys: [] };
  const keys = Object.keys(overrides).filter((key) => overrideMatches(key, repoRoot, context.home));
  const layers = keys.map((key) => buildLayer('project_override', user, overrides[key], ['project_overrides', key], FILE_KEY_MAPPINGS.project, context));
  return { layers, keys };
}
