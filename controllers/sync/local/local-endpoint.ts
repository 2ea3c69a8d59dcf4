/**
 * An `Endpoint` on a local directory: the host side of every session and both sides in tests.
 */
import { resolve } from 'node:path';
import type { Endpoint } from '../endpoint.ts';
import { applyLocal } from './apply.ts';
import { DigestCache } from './digest-cache.ts';
import { readLocalFiles } from './read.ts';
import { LocalScanner } from './scanner.ts';
import { watchLocalDirectory } from './watch.ts';

/** A local endpoint, plus what tests and the engine's owner may want to inspect. */
export interface LocalEndpoint extends Endpoint {
  /** Absolute path of the root. */
  readonly root: string;
}

/** Creates an endpoint on the directory `root` (which may not exist yet). */
export function createLocalEndpoint(root: string): LocalEndpoint {
  const absoluteRoot = resolve(root);
  const cache = new DigestCache();
  const scanner = new LocalScanner(absoluteRoot, cache);
  const absolute = (path: string): string => scanner.absolute(path);
  const controllers = new Set<AbortController>();
  return {
    name: `local:${absoluteRoot}`,
    root: absoluteRoot,
    scan: (request) => scanner.scan(request),
    readFiles: (files) => readLocalFiles(absolute, files),
    apply: (ops, contents) => applyLocal({ absolute, cache, touched: (path) => scanner.markDirty(path) }, ops, contents),
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
    close() {
      for (const controller of controllers) controller.abort();
      controllers.clear();
      return Promise.resolve();
    },
  };
}
