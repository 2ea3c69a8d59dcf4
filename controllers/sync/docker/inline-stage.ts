/**
 * Staging a small apply batch without an upload: the bytes of its few `stream` writes are written
 * into the stage by the apply script itself (`printf` with octal escapes, a shell builtin), so a
 * one-file edit costs one shell-agent round trip instead of an extra exec for `tar -x` (about
 * 40 ms). The agent reads scripts at about 1 ms per KB, hence the small limit.
 */
import { createHash } from 'node:crypto';
import type { Operation } from '../endpoint.ts';
import { stageDirsScript } from './apply-script.ts';
import { shellQuote } from './shell-agent.ts';
import type { StageUpload } from './stage-upload.ts';

/** Batches streaming at most this many bytes … */
const INLINE_MAX_BYTES = 8 * 1024;

/** … in at most this many files are staged inline. */
const INLINE_MAX_FILES = 16;

/** True when `ops` are staged by `inlineScript` rather than uploaded. */
export function fitsInline(ops: readonly Operation[]): boolean {
  let files = 0;
  let bytes = 0;
  for (const op of ops) {
    if (op.op !== 'write' || op.source !== 'stream') continue;
    files++;
    bytes += op.size;
  }
  return files <= INLINE_MAX_FILES && bytes <= INLINE_MAX_BYTES;
}

/** `bytes` as a `printf` format in single quotes: printable ASCII as is (but a leading `-`), everything else `\ooo`. */
export function printfLiteral(bytes: Uint8Array): string {
  let out = "'";
  for (const [i, byte] of bytes.entries()) {
    // A leading `-` would make printf read the format as an option (dash, bash: "Illegal option").
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x5c && byte !== 0x25 && byte !== 0x27 && !(i === 0 && byte === 0x2d);
    out += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}'`;
}

/**
 * Consumes the batch's contents (one item per stream write) and returns the whole script: lines
 * creating the stage (`stagePath`, absolute) with every usable file where the layout puts it, then
 * the apply script. Bytes that do not hash to their digest are not staged and reported as
 * mismatched; a file the shell fails to write is removed again (its write then fails its check).
 */
export async function inlineScript(stage: StageUpload, stagePath: string): Promise<string> {
  const iterator = stage.contents[Symbol.asyncIterator]();
  const mismatched = new Set<number>();
  const writes: string[] = [];
  try {
    for (const [index, op] of stage.ops.entries()) {
      if (op.op !== 'write' || op.source !== 'stream') continue;
      const next = await iterator.next();
      if (next.done === true || next.value.data === null) {
        mismatched.add(index);
        continue;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of next.value.data) {
        size += chunk.length;
        if (size <= op.size) chunks.push(chunk);
      }
      const bytes = Buffer.concat(chunks);
      if (size !== op.size || createHash('sha256').update(bytes).digest('hex') !== op.digest) {
        mismatched.add(index);
        continue;
      }
      const target = `${stagePath}/${stage.layout.staged.get(index) ?? `s${index}`}`;
      const q = shellQuote(target);
      writes.push(`if printf ${printfLiteral(bytes)} > ${q}; then ${op.executable ? `chmod 755 ${q} || rm -f ${q}` : ':'}; else rm -f ${q}; fi`);
    }
  } finally {
    await iterator.return?.()?.catch(() => undefined);
  }
  // Staged with mode 0644 (0755 for executables) as from a tar header; the umask only applies
  // inside the subshell, not to the directories the apply script creates.
  return [`${stageDirsScript(stagePath, stage.layout)} || exit 3`, '(', 'umask 022', ...writes, ')', stage.script(mismatched)].join('\n');
}
