/**
 * `<repo>/.nexus/current`: the name of the repository's active workspace (what `boulder switch`
 * changes). Written atomically; kept out of `git status` by the patterns `ensureWorktree` adds to
 * the repository's `info/exclude`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { assertValidNames, CURRENT_FILE } from './names.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

// The writers (node:crypto for the temp name) and the run-as helpers (node:child_process) are
// loaded on use: `boulder switch` reads the file before its write and writes it after, so loading
// them stays off the path to its first write.

/**
 * The active workspace's name, or undefined when none was recorded. With `as` (a multi-user
 * node's workspace owner) the file is read as that user, never with the daemon's rights.
 */
export async function readCurrentWorkspace(repoPath: string, as?: UnixOwner): Promise<string | undefined> {
  try {
    const file = resolve(repoPath, CURRENT_FILE);
    const name = (as === undefined ? await readFile(file, 'utf8') : await (await import('../multi-user/files-as.ts')).readFileAs(as, file)).trim();
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
  if (as !== undefined) return (await import('../multi-user/files-as.ts')).writeFileAs(as, dirname(file), file, `${name}\n`);
  const [{ writeFileAtomic }] = await Promise.all([import('../fs/atomic-write.ts'), mkdir(dirname(file), { recursive: true })]);
  await writeFileAtomic(file, `${name}\n`);
}
