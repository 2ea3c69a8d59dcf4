// Sprite paths → host paths, confined to the Sprite's filesystem root. A Sprite path is absolute
// (`/home/sprite/x`) or relative to a working directory; `..` cannot climb above `/`, and a path whose
// existing part resolves (through symlinks) outside the root is refused.
import fs from 'node:fs/promises';
import path from 'node:path';

/** The Sprite user's home, also the default working directory (as on the real service). */
export const SPRITE_HOME = '/home/sprite';

/** A path error with the documented filesystem error shape `{error, code, path}`. */
export class SpritePathError extends Error {
  readonly code: string;
  readonly status: number;
  readonly spritePath: string;
  constructor(message: string, code: string, status: number, spritePath: string) {
    super(message);
    this.code = code;
    this.status = status;
    this.spritePath = spritePath;
  }
}

/** Normalise `p` (relative to `workingDir`, default HOME) to an absolute Sprite path. */
export function spritePath(p: string, workingDir?: string): string {
  if (p.includes('\0') || (workingDir ?? '').includes('\0')) {
    throw new SpritePathError('path contains a NUL byte', 'EINVAL', 400, p);
  }
  const wd = workingDir && workingDir.length > 0 ? workingDir : SPRITE_HOME;
  return path.posix.resolve('/', wd, p);
}

/** Host path of an absolute Sprite path under `fsRoot` (lexically confined). */
export function hostPath(fsRoot: string, absSpritePath: string): string {
  const rel = path.posix.relative('/', path.posix.resolve('/', absSpritePath));
  return rel === '' ? fsRoot : path.join(fsRoot, ...rel.split('/'));
}

/**
 * Resolve a Sprite path to a host path and check that the deepest existing ancestor (symlinks
 * followed) stays inside `fsRoot`. `follow` false checks the parent only (for lstat/delete/rename of
 * a symlink itself).
 */
export async function confined(fsRoot: string, p: string, workingDir?: string, follow = true): Promise<{ sprite: string; host: string }> {
  const sprite = spritePath(p, workingDir);
  const host = hostPath(fsRoot, sprite);
  const realRoot = await fs.realpath(fsRoot);
  let probe = follow ? host : path.dirname(host);
  for (;;) {
    try {
      const real = await fs.realpath(probe);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        throw new SpritePathError(`path escapes the sprite filesystem: ${sprite}`, 'EACCES', 403, sprite);
      }
      return { sprite, host };
    } catch (err) {
      if (err instanceof SpritePathError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      if (probe === fsRoot || probe.length <= fsRoot.length) return { sprite, host };
      probe = path.dirname(probe);
    }
  }
}
