/**
 * Streams local files for transfer, in request order. Small files are read ahead (a few at a
 * time) so the receiver is never starved by per-file latency; large files are streamed in chunks
 * and never held in memory whole. Files are opened without following symlinks; a file that is
 * gone or no longer regular yields `data: null`. The receiver verifies the digest.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { FileContent, FileRequest } from '../endpoint.ts';
import { CHUNK_SIZE, READ_FLAGS } from './hash.ts';

/** Files up to this size are read ahead whole. */
const READ_AHEAD_LIMIT = 256 * 1024;

/** How many small files are read ahead. */
const READ_AHEAD = 16;

type Prefetched = Promise<Uint8Array | null> | undefined;

/** Reads `files` below `absolute('')` in order (see the module comment). */
export async function* readLocalFiles(absolute: (path: string) => string, files: readonly FileRequest[]): AsyncIterable<FileContent> {
  const ahead: Prefetched[] = [];
  const prefetch = (index: number): void => {
    const request = files[index];
    if (request === undefined || ahead[index] !== undefined) return;
    if (request.expected.size <= READ_AHEAD_LIMIT) ahead[index] = readWhole(absolute(request.path));
  };
  for (let i = 0; i < files.length; i++) {
    for (let j = i; j < Math.min(files.length, i + READ_AHEAD); j++) prefetch(j);
    const request = files[i] as FileRequest;
    const pending = ahead[i];
    ahead[i] = undefined;
    if (pending !== undefined) {
      const bytes = await pending;
      yield { path: request.path, expected: request.expected, data: bytes === null ? null : single(bytes) };
      continue;
    }
    let handle: FileHandle | undefined;
    try {
      handle = await openRegular(absolute(request.path));
      yield { path: request.path, expected: request.expected, data: handle === undefined ? null : chunks(handle) };
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

async function openRegular(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch {
    // treated as unreadable below
  }
  await handle.close().catch(() => undefined);
  return undefined;
}

async function readWhole(path: string): Promise<Uint8Array | null> {
  try {
    // Not following symlinks, not blocking on FIFOs; a directory fails with EISDIR. Anything else
    // that is not the expected file is caught by the receiver's digest check.
    return await readFile(path, { flag: READ_FLAGS });
  } catch {
    return null;
  }
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function* chunks(handle: FileHandle): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}
