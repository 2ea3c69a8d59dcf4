/**
 * Reads and writes a file as a multi-user node's workspace owner (a child process with the user's
 * uid, groups and minimal environment: run-as.ts), never with the daemon's own rights: a path a
 * user names (a secret's `fromFile`, their repository's `info/exclude`) reaches only what that
 * user could reach, and a symbolic link the user planted leads only where the user could go.
 */
import type { UnixOwner } from './owner.ts';
import { runAs } from './run-as.ts';

/** Largest file read for a user (secrets, git's exclude file). */
export const MAX_READ_BYTES = 1024 * 1024;

/** An error carrying the errno-style code of what the user's read or write ran into. */
function failure(what: string, path: string, stderr: string): NodeJS.ErrnoException {
  const code = /Permission denied/i.test(stderr)
    ? 'EACCES'
    : /No such file or directory/i.test(stderr)
      ? 'ENOENT'
      : /Is a directory/i.test(stderr)
        ? 'EISDIR'
        : /Not a directory/i.test(stderr)
          ? 'ENOTDIR'
          : /maxBuffer/i.test(stderr)
            ? 'EFBIG'
            : 'EIO';
  const err: NodeJS.ErrnoException = new Error(`${what} ${path} as the owner failed (${code}): ${stderr.trim().split('\n')[0] ?? ''}`);
  err.code = code;
  return err;
}

/** The content of `path` (UTF-8) as `owner` reads it; rejects with an errno-style `code` (ENOENT, EACCES…). */
export async function readFileAs(owner: UnixOwner, path: string): Promise<string> {
  const result = await runAs(owner, 'cat', ['--', path], { maxBuffer: MAX_READ_BYTES, timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw failure('reading', path, result.stderr);
  return result.stdout;
}

/**
 * Writes `content` to `file` as `owner`, creating `dir` (its parent) when missing: a temp file
 * beside it, renamed over it, so readers never see half a file.
 */
export async function writeFileAs(owner: UnixOwner, dir: string, file: string, content: string): Promise<void> {
  const script = 'umask 022; mkdir -p -- "$1" && tmp="$2.boulder-$$.tmp" && cat > "$tmp" && mv -f -- "$tmp" "$2"';
  const result = await runAs(owner, 'sh', ['-c', script, 'sh', dir, file], { input: content, timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw failure('writing', file, result.stderr);
}
