/**
 * Parser of `git status --porcelain -z` (pure): the paths with uncommitted changes.
 */

/** One changed path: the two-letter status (`XY`, `??` for untracked) and the path. */
export interface ChangedPath {
  status: string;
  path: string;
}

/**
 * Parses NUL-separated porcelain v1 entries (`XY path`); a rename or copy entry is followed by
 * its original path, which is skipped.
 */
export function parseStatusPorcelainZ(output: string): ChangedPath[] {
  const entries = output.split('\0');
  const changes: ChangedPath[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? '';
    if (entry.length < 4) continue;
    const status = entry.slice(0, 2);
    changes.push({ status, path: entry.slice(3) });
    if (status.startsWith('R') || status.startsWith('C')) i++;
  }
  return changes;
}
