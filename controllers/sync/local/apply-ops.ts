/**
 * The single operations of apply.ts other than writes and directories: symlinks, mode changes and
 * removals (a file is renamed aside, verified, and put back when it is not the expected content).
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import type { Entry, FileEntry, OperationResult, SymlinkEntry } from '../endpoint.ts';
import { RACY_WINDOW_MS } from './digest-cache.ts';
import { withExecutable } from './hash.ts';
import { errorCode, linkNoReplace, tempNameBeside, unsafeParent, verify, type ApplyContext } from './apply-checks.ts';

/** Creates (or replaces, when it still holds `expected`) the symlink at `path`. */
export async function makeSymlink(ctx: ApplyContext, path: string, target: string, expected: FileEntry | SymlinkEntry | undefined): Promise<OperationResult> {
  const absolute = ctx.absolute(path);
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  if (expected === undefined) {
    try {
      await symlink(target, absolute);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') return { status: 'changed', message: 'something appeared at the path' };
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'parent directory is missing' };
      throw err;
    }
  } else {
    const temp = tempNameBeside(absolute, 'lnk');
    try {
      await symlink(target, temp);
      const verdict = await verify(ctx, path, expected);
      if (!verdict.matches) return { status: 'changed', message: verdict.message };
      const late = unsafeParent(ctx, path);
      if (late !== undefined) return late;
      await rename(temp, absolute);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
  ctx.touched(path);
  ctx.cache.delete(path);
  return { status: 'ok', entry: { kind: 'symlink', target } };
}

/** Sets or clears the executable bits of the file at `path`, when it still holds `expected`. */
export async function changeMode(ctx: ApplyContext, path: string, executable: boolean, expected: FileEntry): Promise<OperationResult> {
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  const verdict = await verify(ctx, path, expected);
  if (!verdict.matches) return { status: 'changed', message: verdict.message };
  const absolute = ctx.absolute(path);
  // Through a descriptor opened without following a link: chmod(2) would follow one put there meanwhile.
  let handle: FileHandle;
  try {
    handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENXIO') return { status: 'changed', message: 'no longer a regular file' };
    throw err;
  }
  try {
    const now = await handle.stat();
    if (!now.isFile() || now.ino !== (verdict.stats as Stats).ino) return { status: 'changed', message: 'no longer the same file' };
    await handle.chmod(withExecutable((verdict.stats as Stats).mode, executable));
  } finally {
    await handle.close();
  }
  ctx.touched(path);
  return { status: 'ok', entry: { kind: 'file', digest: expected.digest, size: expected.size, executable } };
}

/** Removes the entry at `path` when it still holds `expected` (a file is renamed aside and verified first). */
export async function removeEntry(ctx: ApplyContext, path: string, expected: Entry): Promise<OperationResult> {
  const absolute = ctx.absolute(path);
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  if (expected.kind === 'directory') {
    const verdict = await verify(ctx, path, expected);
    if (!verdict.matches) return { status: 'changed', message: verdict.message };
    const late = unsafeParent(ctx, path);
    if (late !== undefined) return late;
    try {
      await rmdir(absolute);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { status: 'changed', message: 'the directory holds content the engine did not expect' };
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'no longer a directory' };
      throw err;
    }
    ctx.touched(path);
    return { status: 'ok' };
  }
  // Check via the cache first (cheap), then move the entry aside so nobody can write to it through
  // its name, verify what was moved, and only then delete it.
  const first = await verify(ctx, path, expected);
  if (!first.matches) return { status: 'changed', message: first.message };
  const aside = tempNameBeside(absolute, 'del');
  const late = unsafeParent(ctx, path);
  if (late !== undefined) return late;
  try {
    await rename(absolute, aside);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'the path no longer exists' };
    throw err;
  }
  const shortcut = first.stats !== undefined && Date.now() - first.stats.mtimeMs > RACY_WINDOW_MS && (await unchangedInode(aside, first.stats));
  const moved = shortcut ? { matches: true as const, stats: undefined } : await verify(ctx, path, expected, aside);
  if (!moved.matches) {
    if (await linkNoReplace(aside, absolute)) {
      await unlink(aside).catch(() => undefined);
      return { status: 'changed', message: moved.message };
    }
    // Something new appeared at the path meanwhile: keep the moved content visible beside it.
    const keep = `${absolute}.boulder-conflict-${Date.now()}`;
    await rename(aside, keep);
    return { status: 'changed', message: `${moved.message}; the previous content was kept as ${keep.slice(keep.lastIndexOf('/') + 1)}` };
  }
  await unlink(aside);
  ctx.touched(path);
  ctx.cache.delete(path);
  return { status: 'ok' };
}

/** True when the moved file still has the state seen before the move (rename only bumps ctime). */
export async function unchangedInode(aside: string, before: Stats): Promise<boolean> {
  try {
    const now = await lstat(aside);
    return now.ino === before.ino && now.size === before.size && now.mtimeMs === before.mtimeMs && now.mode === before.mode;
  } catch {
    return false;
  }
}
