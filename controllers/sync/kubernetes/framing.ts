/**
 * In-band framing for Pod exec, which cannot rely on the end of stdin: the exec protocol's
 * "close stdin" signal (v5.channel.k8s.io) is not delivered by every kubelet (kwok's never ends
 * the process's input, and older protocols can only drop the whole connection). So:
 * - uploads send the archive as length-prefixed frames (`<n>\n` + n bytes, `0\n` ends) that a
 *   POSIX shell loop unpacks with `dd … iflag=fullblock` (reads exactly n bytes from a pipe, in
 *   GNU coreutils and busybox alike — `head -c` over-reads in busybox) into `tar -x`;
 * - streamed commands run under a guard that stops them when the line `stop` arrives on stdin
 *   (or stdin ends) and exits as soon as they exit on their own.
 * Scripts and the frame encoder are pure; pod-transport.ts runs them.
 */

/** Largest frame payload: one `dd` per frame, so larger frames mean fewer processes. */
export const MAX_FRAME = 1 << 20;

/** The line that stops a guarded command. */
export const STOP_LINE = 'stop\n';

/**
 * Extracts framed tar bytes from stdin into the existing directory `$1`; exits with tar's status.
 * Run as `sh -c UPLOAD_SCRIPT nexus-sync-upload <dir>`.
 */
export const UPLOAD_SCRIPT = [
  // Never created here: a sync root that vanished must stay missing (the root-deleted halt sees it).
  '[ -d "$1" ] || exit 1',
  'while IFS= read -r n && [ "$n" != 0 ]; do',
  '  dd bs="$n" count=1 iflag=fullblock 2>/dev/null || exit 1',
  'done | tar -xf - -C "$1"',
].join('\n');

/**
 * Runs `"$@"` (stdin from /dev/null) and a reader of the real stdin that kills it on a `stop` line
 * or at the end of input; exits with the command's status as soon as it ends. Run as
 * `sh -c STREAM_GUARD nexus-sync-stream <argv…>`.
 */
export const STREAM_GUARD = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'c=$!',
  '( while IFS= read -r l; do [ "$l" = stop ] && break; done; kill "$c" 2>/dev/null ) <&3 &',
  'r=$!',
  'exec 3<&-',
  'wait "$c"; rc=$?',
  'kill "$r" 2>/dev/null',
  'exit "$rc"',
].join('\n');

/** The argv that runs `argv` under STREAM_GUARD. */
export function guarded(argv: readonly string[]): string[] {
  return ['sh', '-c', STREAM_GUARD, 'nexus-sync-stream', ...argv];
}

/** The argv that extracts a framed archive into `dir`. */
export function uploadCommand(dir: string): string[] {
  return ['sh', '-c', UPLOAD_SCRIPT, 'nexus-sync-upload', dir];
}

/** One frame: the decimal length, a newline, the bytes (`bytes` must not be empty). */
export function frame(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length}\n`), bytes]);
}

/** The frame that ends an upload. */
export const END_FRAME = Buffer.from('0\n');

/**
 * Frames of `source` (empty chunks dropped, chunks larger than `max` split), then END_FRAME.
 * Small chunks are not merged here: the staging archive arrives already coalesced.
 */
export async function* frames(source: AsyncIterable<Uint8Array>, max = MAX_FRAME): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += max) yield frame(chunk.subarray(at, Math.min(chunk.length, at + max)));
  }
  yield END_FRAME;
}
