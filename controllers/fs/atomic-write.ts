/**
 * Replaces a file's content atomically: readers see the old or the new content, never a part.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** Mode of a newly created file (default 0o666 before the umask). */
  mode?: number;
  /** fsync the content before the rename, so a crash leaves the old or the new file whole. */
  durable?: boolean;
}

/** Writes `content` to a temp file `<path>.<pid>.<random>.tmp` beside `path`, then renames it over `path`. */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', options.mode ?? 0o666);
    try {
      await handle.writeFile(content, typeof content === 'string' ? 'utf8' : undefined);
      if (options.durable === true) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
