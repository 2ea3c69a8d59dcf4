/**
 * Where configuration files live: the node file (/etc/nexus/config.yaml, else
 * /opt/nexus/etc/config.yaml, or NEXUS_NODE_CONFIG), the user file (~/.nexus/config.yaml, or
 * NEXUS_USER_CONFIG) and the project file (<repository root>/.nexus/config.yaml), and how paths are
 * shown in messages.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Node configuration files, in the order they are looked for; the first that exists is used. */
export const NODE_CONFIG_CANDIDATES: readonly string[] = ['/etc/nexus/config.yaml', '/opt/nexus/etc/config.yaml'];

/** Path of the user file below the home directory. */
export const USER_CONFIG_RELATIVE = join('.nexus', 'config.yaml');

/** Path of the project file below the repository root. */
export const PROJECT_CONFIG_RELATIVE = join('.nexus', 'config.yaml');

/** Environment variable naming the node file (empty: no node configuration). */
export const NODE_CONFIG_VARIABLE = 'NEXUS_NODE_CONFIG';

/** Environment variable naming the user file (empty: no user configuration). */
export const USER_CONFIG_VARIABLE = 'NEXUS_USER_CONFIG';

/** A configuration file to read: where it is, and whether it must exist (named explicitly). */
export interface ConfigFileLocation {
  path: string;
  /** True when an environment variable named it: a missing file is then an error. */
  required: boolean;
  /** The variable that named it, if any. */
  namedBy?: string;
}

/** `~/x` → `<home>/x`; other paths unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/**
 * The node file: `NEXUS_NODE_CONFIG` when set (empty disables the node level), else the first of
 * `candidates` that exists. Undefined when there is none.
 */
export function locateNodeConfig(env: NodeJS.ProcessEnv, cwd: string, candidates: readonly string[] = NODE_CONFIG_CANDIDATES): ConfigFileLocation | undefined {
  const named = env[NODE_CONFIG_VARIABLE];
  if (named !== undefined) return named === '' ? undefined : { path: resolve(cwd, named), required: true, namedBy: NODE_CONFIG_VARIABLE };
  const found = candidates.find((path) => existsSync(path));
  return found === undefined ? undefined : { path: found, required: false };
}

/** The user file: `NEXUS_USER_CONFIG` when set (empty disables the user level), else `<home>/.nexus/config.yaml` when it exists. */
export function locateUserConfig(env: NodeJS.ProcessEnv, cwd: string, home: string): ConfigFileLocation | undefined {
  const named = env[USER_CONFIG_VARIABLE];
  if (named !== undefined) return named === '' ? undefined : { path: resolve(cwd, expandHome(named, home)), required: true, namedBy: USER_CONFIG_VARIABLE };
  const path = join(home, USER_CONFIG_RELATIVE);
  return existsSync(path) ? { path, required: false } : undefined;
}

/**
 * The repository root for `start`: the nearest directory at or above it holding `.git` (a
 * directory, or the file of a worktree) or `.nexus/config.yaml`. Undefined outside any repository.
 */
export function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git')) || isFile(join(dir, PROJECT_CONFIG_RELATIVE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * How a path is shown in messages: the shorter of relative to `cwd` (`.nexus/config.yaml`) and
 * with `~` for `home` (`~/.nexus/config.yaml`), when it is below them; else absolute.
 */
export function displayPath(path: string, cwd: string, home: string): string {
  const below = (dir: string): string | undefined => {
    const rel = relative(dir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
  };
  const fromCwd = below(cwd);
  const fromHome = below(home);
  const candidates = [fromCwd, fromHome === undefined ? undefined : `~${sep}${fromHome}`].filter((c) => c !== undefined);
  return candidates.sort((a, b) => a.length - b.length)[0] ?? path;
}
