// Minimal types of tar-fs (a dependency of dockerode, which ships no types): only `pack`.
declare module 'tar-fs' {
  import type { Readable } from 'node:stream';

  /** Options of `pack`. */
  export interface PackOptions {
    /** Paths (relative to `cwd`) to pack instead of the whole directory. */
    entries?: string[];
    /** Return true to leave a path out. */
    ignore?: (name: string) => boolean;
    /** Rewrite each tar header. */
    map?: (header: { name: string; mode: number; mtime: Date; uid: number; gid: number }) => unknown;
    dereference?: boolean;
  }

  /** A tar stream of `cwd` (or of `entries` in it). */
  export function pack(cwd: string, options?: PackOptions): Readable;
}
