/**
 * `<repo>/.nexus/current`: the name of the repository's active workspace (what `boulder switch`
 * changes). Written atomically; kept out of `git status` by the patterns `ensureWorktree` adds to
 * the repository's `info/exclude`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { assertValidNames, CURRENT_FILE } from './names.ts';

/** The active workspace's name, or undefined when none was recorded. */
export async function readCurrentWorkspace(repoPath: string): Promise<string | undefined> {
  try {
    const name = (await readFile(resolve(repoPath, CURRENT_FILE), 'utf8')).trim();
    return name === '' ? undefined : name;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Records `name` as the active workspace (temp file + rename; creates `.nexus/` when needed). */
export async function writeCurrentWorkspace(repoPath: string, name: string): Promise<void> {
  assertValidNames(name);
  const file = resolve(repoPath, CURRENT_FILE);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${name}\n`);
}
