/**
 * An `Endpoint` on a local directory: the host side of every session and both sides in tests.
 */
import { resolve } from 'node:path';
import type { Endpoint, ScanRequest, ScanResult } from '../endpoint.ts';
import { applyLocal } from './apply.ts';
import { DigestCache } from './digest-cache.ts';
import { loadDigests, saveDigests } from './digest-store.ts';
import { readLocalFiles } from './read.ts';
import { LocalScanner } from './scanner.ts';
import { watchLocalDirectory } from './watch.ts';

/** A local endpoint, plus what tests and the engine's owner may want to inspect. */
export interface LocalEndpoint extends Endpoint {
  /** Absolute path of the root. */
  readonly root: string;
}

/** Options of `createLocalEndpoint`. */
export interface LocalEndpointOptions {
  /**
   * Where the digest cache is persisted (digest-store.ts): loaded before the first scan, saved
   * after a scan that changed it (at most every `DIGEST_SAVE_INTERVAL_MS`) and on close.
   */
  digestCachePath?: string;
}

/** Shortest interval between two saves of a changed digest cache. */
const DIGEST_SAVE_INTERVAL_MS = 30_000;

/** Creates an endpoint on the directory `root` (which may not exist yet). */
export function createLocalEndpoint(root: string, options: LocalEndpointOptions = {}): LocalEndpoint {
  const absoluteRoot = resolve(root);
  const cache = new DigestCache();
  const scanner = new LocalScanner(absoluteRoot, cache);
  const cachePath = options.digestCachePath;
  let loaded: Promise<void> | undefined;
  let lastSave = -Infinity;
  let saving: Promise<void> | undefined;
  const save = (): Promise<void> => {
    if (saving !== undefined) return saving;
    if (cachePath === undefined || !cache.changed) return Promise.resolve();
    lastSave = performance.now();
    // A cache that cannot be written (or misses what changed while it was written) costs hashing
    // after a restart, nothing else.
    saving = saveDigests(cachePath, absoluteRoot, cache.snapshot())
      .then(() => cache.markSaved(), () => undefined)
      .finally(() => (saving = undefined));
    return saving;
  };
  const scan = async (request: ScanRequest): Promise<ScanResult> => {
    if (cachePath !== undefined) {
      loaded ??= loadDigests(cachePath, absoluteRoot).then((entries) => cache.restore(entries));
      await loaded;
    }
    const result = await scanner.scan(request);
    // In the background: a slow disk must not delay the cycle.
    if (performance.now() - lastSave >= DIGEST_SAVE_INTERVAL_MS) void save();
    return result;
  };
  const absolute = (path: string): string => scanner.absolute(path);
  const controllers = new Set<AbortController>();
  return {
    name: `local:${absoluteRoot}`,
    root: absoluteRoot,
    scan,
    readFiles: (files) => readLocalFiles(absolute, files),
    apply: (ops, contents) => applyLocal({ root: absoluteRoot, absolute, cache, touched: (path) => scanner.markDirty(path) }, ops, contents),
    watch(signal) {
      const controller = new AbortController();
      controllers.add(controller);
      const combined = AbortSignal.any([signal, controller.signal]);
      const hints = watchLocalDirectory(absoluteRoot, combined);
      return {
        async *[Symbol.asyncIterator]() {
          try {
            yield* hints;
          } finally {
            controllers.delete(controller);
          }
        },
      };
    },
    async close() {
      for (const controller of controllers) controller.abort();
      controllers.clear();
      await save();
    },
  };
}
