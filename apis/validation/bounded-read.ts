/**
 * Reading input files (manifests, configuration files, devcontainer.json) with a size bound: a
 * hostile or mistaken input (a 2 GB file, `-f /dev/zero`, a runaway stdin) is refused with a clear
 * error instead of exhausting memory. The bound is checked while reading, so files whose size the
 * file system does not report (devices, pipes) are bounded too.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The largest input file boulder reads: 4 MiB (a Kubernetes object is at most about 1.5 MiB). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** Thrown when an input is larger than its bound. */
export class InputTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`is larger than ${formatBytes(limit)}, the most boulder reads from one input`);
    this.name = 'InputTooLargeError';
    this.limit = limit;
  }
}

/** `4 MiB`, `512 KiB`, `100 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Reads `path` as UTF-8, or throws InputTooLargeError past `limit` bytes (fs errors as they are). */
export async function readTextBounded(path: string, limit = MAX_INPUT_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    return await readHandleBounded(handle, limit);
  } finally {
    await handle.close();
  }
}

/** Reads an open file from its current position to the end as UTF-8, or throws InputTooLargeError past `limit` bytes. */
export async function readHandleBounded(handle: FileHandle, limit = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, limit + 1 - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    if (total > limit) throw new InputTooLargeError(limit);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a stream to its end as UTF-8, or throws InputTooLargeError past `limit` bytes. */
export async function readStreamBounded(stream: Readable, limit = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > limit) {
      stream.destroy();
      throw new InputTooLargeError(limit);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
