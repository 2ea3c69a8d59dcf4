/**
 * `npm run build` (after tsc): bundles the CLI from `cmd/main.ts` into `dist/cli/` with rolldown, so
 * a command loads a few dozen chunks instead of hundreds of modules. Node's module loader (resolve,
 * read, compile, link per file) was most of the CLI's own start (issue 19): `boulder apply` loaded
 * 148 modules, 72 of them the `yaml` package's CommonJS files. The split follows the CLI's dynamic
 * imports (every command and every heavy part loads on use), so a command still pays only for
 * what it runs. Packages stay external (Node loads them from node_modules as before: dockerode's
 * lazy BuildKit session and ajv's runtime are `require`d by path) except `yaml`, pure code whose
 * one file replaces 72. bin/boulder.js runs `dist/cli/main.js` when it exists.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';
import { packageRoot } from '../package-root.ts';

/** Packages bundled into the CLI instead of loaded from node_modules. */
export const BUNDLED_PACKAGES: readonly string[] = ['yaml'];

/**
 * The modules nearly every command loads (arguments, the command list, errors and help, the
 * settings that find the state dir and its daemon), merged into one chunk with their static
 * imports: one file read and compiled instead of about thirty.
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

/** True when an import of `id` stays a runtime import: a Node builtin or a package not bundled. */
export function isExternal(id: string): boolean {
  if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
  if (id.startsWith('node:')) return true;
  const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : (id.split('/')[0] as string);
  return !BUNDLED_PACKAGES.includes(name);
}

const root = packageRoot();
const outDir = join(root, BUNDLE_DIR);
rmSync(outDir, { recursive: true, force: true });
await build({
  input: { main: join(root, 'cmd', 'main.ts') },
  platform: 'node',
  external: isExternal,
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: { groups: [{ name: 'cli-core', test: (id: string) => CORE_MODULES.some((path) => id === join(root, path)) }] },
    sourcemap: true,
  },
});
