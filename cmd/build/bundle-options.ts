/**
 * What the CLI's bundle (bundle.ts, run by `npm run build`) holds and how it is split, as data and
 * pure functions. The bundle is rolldown's output from `cmd/main.ts` into `dist/cli/`, split at the
 * CLI's dynamic imports (every command and every heavy part loads on use).
 */
import { join } from 'node:path';
import type { BuildOptions } from 'rolldown';

/** Packages bundled into the CLI instead of loaded from node_modules: pure code, one file instead of 72. */
export const BUNDLED_PACKAGES: readonly string[] = ['yaml'];

/**
 * The modules nearly every command loads (arguments, the command list, errors and help, the
 * settings that find the state dir and its daemon, the daemon's control client), merged into one
 * chunk with their static imports: one file read and compiled instead of about thirty.
 */
export const CORE_MODULES: readonly string[] = [
  'cmd/args.ts',
  'cmd/registry.ts',
  'cmd/report-error.ts',
  'cmd/help.ts',
  'cmd/deps.ts',
  'cmd/resources.ts',
  'cmd/duration.ts',
  'cmd/daemon/paths.ts',
  'cmd/daemon/protocol.ts',
];

/** The bundle's directory under the package root. */
export const BUNDLE_DIR = 'dist/cli';

/**
 * True when an import of `id` stays a runtime import: a Node builtin, or a package other than the
 * bundled ones (Node loads them from node_modules as before: dockerode's lazy BuildKit session and
 * ajv's runtime are `require`d by path, and native or heavy packages load only where used).
 */
export function isExternal(id: string): boolean {
  if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
  if (id.startsWith('node:')) return true;
  const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : (id.split('/')[0] as string);
  return !BUNDLED_PACKAGES.includes(name);
}

/** rolldown's options for the bundle of the package at `root`. */
export function bundleOptions(root: string): BuildOptions {
  const core = new Set(CORE_MODULES.map((path) => join(root, path)));
  return {
    input: { main: join(root, 'cmd', 'main.ts') },
    platform: 'node',
    external: isExternal,
    logLevel: 'warn',
    output: {
      dir: join(root, BUNDLE_DIR),
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      sourcemap: true,
      codeSplitting: { groups: [{ name: 'cli-core', test: (id: string) => core.has(id) }] },
    },
  };
}
