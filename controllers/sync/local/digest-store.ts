/**
 * The local endpoint's digest cache on disk, so that a restarted daemon does not re-hash a whole
 * unchanged tree: JSON `{version, root, entries: [[path, statKey, digest], …]}` written
 * atomically (temp file + fsync + rename) next to the session's ancestor. A missing, unreadable or
 * foreign file (another root, another version) is an empty cache: it only ever saves work.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../fs/atomic-write.ts';
import { dirname } from 'node:path';
import type { CachedDigest } from './digest-cache.ts';

const VERSION = 1;

/** The digests persisted at `path` for `root` (empty when there are none usable). */
export async function loadDigests(path: string, root: string): Promise<CachedDigest[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return [];
  }
  const record = parsed as { version?: unknown; root?: unknown; entries?: unknown };
  if (record.version !== VERSION || record.root !== root || !Array.isArray(record.entries)) return [];
  return record.entries.filter(
    (e): e is CachedDigest => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && typeof e[1] === 'string' && typeof e[2] === 'string' && /^[0-9a-f]{64}$/.test(e[2]),
  );
}

/** Writes `entries` for `root` to `path` atomically (its directory is created). */
export async function saveDigests(path: string, root: string, entries: readonly CachedDigest[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify({ version: VERSION, root, entries }), { mode: 0o600, durable: true });
}
