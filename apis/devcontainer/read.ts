/**
 * Reading a devcontainer.json from disk and importing it (the I/O edge of this module).
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BoulderError, ValidationError } from '../errors.ts';
import { InputTooLargeError, MAX_INPUT_BYTES } from '../validation/bounded-read.ts';
import { buildEscapeOnDisk } from '../validation/build-on-disk.ts';
import { OutsideRootError, readTextInside } from '../validation/opened-path.ts';
import { importDevcontainer } from './import.ts';
import { parseJsonc } from './jsonc.ts';
import type { DevcontainerImport } from './types.ts';

/**
 * Reads and imports the devcontainer.json at `file` (absolute) of the repository `repoRoot`;
 * `shown` names the file in errors. Throws a ValidationError (file:line:col) for invalid JSONC and
 * for a document that is not an object, a BoulderError (BadRequest) for a file over the input bound
 * or one that is not a regular file inside the repository.
 */
export async function readDevcontainer(file: string, repoRoot: string, shown: string = file): Promise<DevcontainerImport> {
  const text = await readInsideRepository(file, repoRoot, shown);
  const document = parseJsonc(text, shown);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const what = Array.isArray(document) ? 'a list' : document === null ? 'null' : `a ${typeof document}`;
    throw new ValidationError([{ file: shown, path: '', message: `must be a JSON object of devcontainer properties, not ${what}` }]);
  }
  return withBuildContainedOnDisk(importDevcontainer(document, { file, repoRoot }), repoRoot);
}

/**
 * The text of `file`, read only if the descriptor opened for it is a regular file inside the
 * repository (a devcontainer.json that is a link out of it, or reached through a directory swapped
 * for one, is refused and nothing of it is read), and at most MAX_INPUT_BYTES.
 */
async function readInsideRepository(file: string, repoRoot: string, shown: string): Promise<string> {
  try {
    return await readTextInside(file, await realpath(repoRoot), MAX_INPUT_BYTES);
  } catch (err) {
    if (err instanceof InputTooLargeError) throw new BoulderError('BadRequest', `${shown}: ${err.message}`, { cause: err });
    if (err instanceof OutsideRootError) throw new BoulderError('BadRequest', `${shown} must be a regular file inside the repository: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The import checked paths lexically; a build whose context or Dockerfile is a symbolic link out of
 * the repository (or its context) is dropped here like any other build outside it, with the reason.
 */
async function withBuildContainedOnDisk(imported: DevcontainerImport, repoRoot: string): Promise<DevcontainerImport> {
  const build = imported.config.workspace?.build;
  if (build === undefined) return imported;
  const problem = await buildEscapeOnDisk(repoRoot, resolve(repoRoot, build.context ?? '.'), build.dockerfile ?? 'Dockerfile');
  if (problem === undefined) return imported;
  const { build: _dropped, ...workspace } = imported.config.workspace ?? {};
  const { workspace: _workspace, ...rest } = imported.config;
  const config: DevcontainerImport['config'] = Object.keys(workspace).length === 0 ? rest : { ...rest, workspace };
  return { config, unmapped: [...imported.unmapped, { key: `build.${problem.field}`, reason: problem.message }] };
}
