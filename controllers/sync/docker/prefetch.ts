/**
 * Hinted small files read in the scan's own request: an accelerated scan of the few files this
 * side's hints named (an edit) also sends their bytes as a tar, right after listing them, and the
 * host hashes those bytes itself — no `sha256sum` and no second round trip into the container for
 * the digest, none for the transfer either. The bytes stand for the file only when their length is
 * the size just listed; they are kept only until the next scan and served only to a read that
 * expects exactly their digest — what a read right after the scan would have returned. The
 * receiving side still verifies every byte against the digest.
 * One file (the usual edit) is read by a single `head -c` between two marks — one process in the
 * container; several go as a tar of the small regular files among them (`find`, `tar`, `head`).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileContent, FileRequest } from '../endpoint.ts';
import { shellQuote } from './shell-agent.ts';
import { readTar } from './tar.ts';

/** Most bytes of file content one scan prefetches (the tar is cut there; what is cut is read normally). */
export const PREFETCH_BYTES = 256 * 1024;

/** Files prefetched by the last scan: path → bytes and their sha256. */
export type Prefetched = Map<string, { digest: string; bytes: Buffer }>;

/**
 * Shell lines printing `mark`, then the bytes of the paths' small regular files: for one path its
 * bytes after an `f` when it is a regular file (at most PREFETCH_BYTES + 1, never through a
 * symlink) and `mark` again; for several a tar
 * of the regular files under 257 KB, capped.
 */
export function prefetchScript(paths: readonly string[], mark: string): string {
  if (paths.length === 1) {
    const q = shellQuote(`./${paths[0]}`);
    return [`printf '%s' ${shellQuote(mark)}`, `if [ -f ${q} ] && [ ! -L ${q} ]; then printf f; head -c ${PREFETCH_BYTES + 1} ${q} 2>/dev/null; fi`, `printf '%s' ${shellQuote(mark)}`].join('\n');
  }
  const quoted = paths.map((p) => shellQuote(`./${p}`)).join(' ');
  const cap = PREFETCH_BYTES + 1024 * (paths.length * 2 + 4);
  return [`printf '%s' ${shellQuote(mark)}`, `find ${quoted} -maxdepth 0 -type f -size -257k -exec tar -cf - --no-recursion {} + 2>/dev/null | head -c ${cap}`].join('\n');
}

/**
 * What `prefetchScript(paths, mark)` printed after its first mark, parsed: one path's bytes (up
 * to the last mark; not a regular file, more than PREFETCH_BYTES, or no closing mark: nothing) or
 * the tar's files.
 */
export async function parsePrefetchOutput(output: Buffer, paths: readonly string[], mark: string): Promise<Prefetched> {
  if (paths.length !== 1) return parsePrefetch(output);
  const end = output.lastIndexOf(mark);
  if (end < 1 || end > PREFETCH_BYTES + 1 || output[0] !== 0x66) return new Map();
  const bytes = Buffer.from(output.subarray(1, end));
  return new Map([[paths[0]!, { digest: createHash('sha256').update(bytes).digest('hex'), bytes }]]);
}

/** The regular files of a prefetch tar with their sha256; a tar cut by the size cap yields what was complete before the cut. */
export async function parsePrefetch(tar: Buffer): Promise<Prefetched> {
  const out: Prefetched = new Map();
  try {
    for await (const entry of readTar(Readable.from([tar]))) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.data) chunks.push(chunk);
      if (entry.type !== '0') continue;
      const bytes = Buffer.concat(chunks);
      out.set(entry.name, { digest: createHash('sha256').update(bytes).digest('hex'), bytes });
    }
  } catch {
    // A tar cut by the size cap: the complete entries before the cut are kept.
  }
  return out;
}

/** The contents of `files` from `prefetched` when every one is there with the expected digest, else undefined. */
export function servePrefetched(files: readonly FileRequest[], prefetched: Prefetched): FileContent[] | undefined {
  if (files.length === 0 || prefetched.size === 0) return undefined;
  const out: FileContent[] = [];
  for (const file of files) {
    const hit = prefetched.get(file.path);
    if (hit === undefined || hit.digest !== file.expected.digest) return undefined;
    out.push({ path: file.path, expected: file.expected, data: Readable.from([hit.bytes]) });
  }
  return out;
}
