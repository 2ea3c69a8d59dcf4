// Minimal types of tar-fs (a dependency of dockerode, which ships no types): only `pack`.
declare module 'tar-fs' {
  import type { Stats } from 'node:fs';
  import type { Readable } from 'node:stream';

  /** The file-system calls `pack` makes for listed `entries` (instead of node:fs). */
  export interface PackFs {
    lstat: (path: string, cb: (err: Error | null, stats?: Stats) => void) => void;
    stat: (path: string, cb: (err: Error | null, stats?: Stats) => void) => void;
    readlink: (path: string, cb: (err: Error | null, target?: string) => void) => void;
    readdir: (path: string, cb: (err: Error | null, names?: string[]) => void) => void;
    createReadStream: (path: string, options: { start: number; end: number }) => Readable;
  }

  /** Options of `pack`. */
  export interface PackOptions {
    /** Paths (relative to `cwd`) to pack instead of the whole directory. */
    entries?: string[];
    /** Return true to leave a path out. */
    ignore?: (name: string) => boolean;
    /** Rewrite each tar header. */
    map?: (header: { name: string; mode: number; mtime: Date; uid: number; gid: number }) => unknown;
    /** Follow symbolic links (default false: lstat, a link is packed as a link). */
    dereference?: boolean;
    /** The file-system calls to use (default node:fs). */
    fs?: PackFs;
  }

  /** A tar stream of `cwd` (or of `entries` in it). */
  export function pack(cwd: string, options?: PackOptions): Readable;
}
