/**
 * Everything `npm run generate` produces (including the daemon API's OpenRPC document and SDK types,
 * see openrpc.ts), as a pure function from `schemas/` to file contents, and
 * the writer that puts it on disk.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KINDS } from '../kinds.ts';
import { loadSchemas } from '../schema/registry.ts';
import { CONFIG_VALIDATORS_DIRECTORY, generateConfigValidators } from './config-validators.ts';
import { crdFilePath, renderCrdYaml } from './crd.ts';
import { DEFAULTS_DECLARATIONS_PATH, DEFAULTS_MODULE_PATH, generateDefaultsDeclarations, generateDefaultsModule } from './defaults.ts';
import { SDK_GENERATED_DIRECTORY, generateApiFiles } from './openrpc.ts';
import { packageRoot } from '../package-root.ts';
import { generateTypeIndex, generateTypeModule, typeModuleName } from './types.ts';
import { VALIDATORS_DECLARATIONS_PATH, VALIDATORS_MODULE_PATH, generateValidatorsDeclarations, generateValidatorsModule } from './validators.ts';

/** Directories whose contents are entirely generated (relative to the package root). */
export const GENERATED_DIRECTORIES = [CONFIG_VALIDATORS_DIRECTORY, 'apis/types', 'apis/validation/generated', 'manifests/crds', SDK_GENERATED_DIRECTORY] as const;

/** Every generated file: relative path (with `/`) → content, sorted by path. */
export async function generateAll(): Promise<Map<string, string>> {
  const documents = loadSchemas();
  const files = new Map<string, string>();
  for (const doc of documents) {
    files.set(`apis/types/${typeModuleName(doc.fileName)}.ts`, await generateTypeModule(doc, documents));
  }
  files.set('apis/types/index.ts', generateTypeIndex(documents));
  for (const kind of KINDS) files.set(crdFilePath(kind), renderCrdYaml(kind));
  files.set(VALIDATORS_MODULE_PATH, generateValidatorsModule(documents));
  files.set(VALIDATORS_DECLARATIONS_PATH, generateValidatorsDeclarations());
  files.set(DEFAULTS_MODULE_PATH, generateDefaultsModule(documents));
  files.set(DEFAULTS_DECLARATIONS_PATH, generateDefaultsDeclarations());
  for (const [path, content] of generateConfigValidators(documents)) files.set(path, content);
  for (const [path, content] of await generateApiFiles(packageRoot())) files.set(path, content);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Files present in the generated directories under `root` (relative paths), whether or not they are generated. */
export function listGeneratedDirectoryFiles(root: string): string[] {
  const found: string[] = [];
  for (const dir of GENERATED_DIRECTORIES) {
    let names: string[];
    try {
      names = readdirSync(join(root, dir));
    } catch {
      continue;
    }
    for (const name of names) found.push(`${dir}/${name}`);
  }
  return found.sort();
}

/**
 * Writes `files` under `root`, and removes files of the generated directories that are no longer
 * produced. Returns the relative paths removed.
 */
export function writeGenerated(root: string, files: Map<string, string>): string[] {
  const removed = listGeneratedDirectoryFiles(root).filter((path) => !files.has(path));
  for (const path of removed) rmSync(join(root, path), { recursive: true, force: true });
  for (const [path, content] of files) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return removed;
}

/**
 * Relative paths under `root` that differ from `files`: missing or different generated files, and
 * leftover files in the generated directories. Empty when the committed output is fresh.
 */
export function findStaleFiles(root: string, files: Map<string, string>): string[] {
  const stale = new Set<string>();
  for (const [path, content] of files) {
    const target = join(root, path);
    if (!existsSync(target) || readFileSync(target, 'utf8') !== content) stale.add(path);
  }
  for (const path of listGeneratedDirectoryFiles(root)) if (!files.has(path)) stale.add(path);
  return [...stale].sort();
}
