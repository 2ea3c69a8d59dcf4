/**
 * `<repo>/.nexus/current`: the name of the repository's active workspace (what `boulder switch`
 * changes). Written atomically; kept out of `git status` by the patterns `ensureWorktree` adds to
 * the repository's `info/exclude`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { assertValidNames, CURRENT_FILE } from './names.ts';
import { readFileAs, writeFileAs } from '../multi-user/files-as.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/**
 * The active workspace's name, or undefined when none was recorded. With `as` (a multi-user
 * node's workspace owner) the file is read as that user, never with the daemon's rights.
 */
export async function readCurrentWorkspace(repoPath: string, as?: UnixOwner): Promise<string | undefined> {
  try {
    const file = resolve(repoPath, CURRENT_FILE);
    const name = (as === undefined ? await readFile(file, 'utf8') : await readFileAs(as, file)).trim();
    return name === '' ? undefined : name;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Records `name` as the active workspace (temp file + rename; creates `.nexus/` when needed). With
 * `as` (a multi-user node's workspace owner) it is written as that user: a `.nexus` the user made a
 * link leads only where the user may write.
 */
export async function writeCurrentWorkspace(repoPath: string, name: string, as?: UnixOwner): Promise<void> {
  assertValidNames(name);
  const file = resolve(repoPath, CURRENT_FILE);
  if (as !== undefined) return writeFileAs(as, dirname(file), file, `${name}\n`);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${name}\n`);
}
