/**
 * Reading a devcontainer.json from disk and importing it (the I/O edge of this module).
 */
import { readFile } from 'node:fs/promises';
import { importDevcontainer } from './import.ts';
import { parseJsonc } from './jsonc.ts';
import type { DevcontainerImport } from './types.ts';

/**
 * Reads and imports the devcontainer.json at `file` (absolute) of the repository `repoRoot`;
 * `shown` names the file in errors. Throws a ValidationError (file:line:col) for invalid JSONC.
 */
export async function readDevcontainer(file: string, repoRoot: string, shown: string = file): Promise<DevcontainerImport> {
  const text = await readFile(file, 'utf8');
  return importDevcontainer(parseJsonc(text, shown), { file, repoRoot });
}
