/**
 * The HEAD commit of a git worktree, read from its files (no git process: recording stays cheap).
 * `.git` is a directory (a clone) or a file `gitdir: PATH` (a worktree); HEAD is a commit id or
 * `ref: refs/heads/…`, resolved through the ref file or `packed-refs` of the common dir. Only a
 * 40- or 64-hex id is returned; anything else (unborn branch, odd content) is undefined. Reads
 * only: nothing found through `.git` is ever written.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The git dir of `worktree` (undefined when there is none). */
function gitDirOf(worktree: string): string | undefined {
  const dotGit = join(worktree, '.git');
  const text = readText(dotGit);
  if (text === undefined) return readText(join(dotGit, 'HEAD')) === undefined ? undefined : dotGit;
  const match = /^gitdir: (.+)$/m.exec(text);
  if (match === null) return undefined;
  const target = (match[1] as string).trim();
  return isAbsolute(target) ? target : resolve(worktree, target);
}

/** Last answer per worktree, reused while HEAD, the ref file and packed-refs keep their change times. */
const cache = new Map<string, { stamp: string; files: string[]; value: string | undefined }>();

function stampOf(files: readonly string[]): string {
  return files.map((f) => {
    try {
      const s = statSync(f, { bigint: true });
      return `${s.ino}:${s.ctimeNs}:${s.size}`;
    } catch {
      return '-';
    }
  }).join('|');
}

/** HEAD's commit id of the worktree at `worktree`, or undefined (cached while its files are unchanged). */
export function worktreeHead(worktree: string): string | undefined {
  const cached = cache.get(worktree);
  if (cached !== undefined && stampOf(cached.files) === cached.stamp) return cached.value;
  const files: string[] = [join(worktree, '.git')];
  const value = readHead(worktree, files);
  if (cache.size > 1000) cache.clear();
  cache.set(worktree, { stamp: stampOf(files), files, value });
  return value;
}

function readHead(worktree: string, files: string[]): string | undefined {
  const gitDir = gitDirOf(worktree);
  if (gitDir === undefined) return undefined;
  files.push(join(gitDir, 'HEAD'));
  const head = readText(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  if (COMMIT_ID.test(head)) return head;
  const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
  if (ref === undefined || ref.split('/').includes('..')) return undefined;
  const common = readText(join(gitDir, 'commondir'))?.trim();
  const commonDir = common === undefined ? gitDir : resolve(gitDir, common);
  files.push(join(gitDir, ref), join(commonDir, ref), join(commonDir, 'packed-refs'));
  for (const dir of [gitDir, commonDir]) {
    const id = readText(join(dir, ref))?.trim();
    if (id !== undefined && COMMIT_ID.test(id)) return id;
  }
  const packed = readText(join(commonDir, 'packed-refs'));
  for (const line of packed?.split('\n') ?? []) {
    const [id, name] = line.split(' ');
    if (name === ref && id !== undefined && COMMIT_ID.test(id)) return id;
  }
  return undefined;
}
