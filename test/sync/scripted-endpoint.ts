/**
 * Test support: an endpoint whose scans report exactly the listing it was given — hostile paths
 * included (`../x`, absolute paths, NUL or newline names, entries below a symlink) — the way a
 * compromised container's `find`/`stat` could. It serves the listed files' bytes and records every
 * batch the engine asks it to apply (a safe engine never asks anything of either side).
 */
import { createHash } from 'node:crypto';
import type { Endpoint, Entry, FileContent, Operation, OperationResult, ScanProblem, ScanResult, Snapshot } from '../../controllers/sync/endpoint.ts';

/** One entry of a scripted listing. */
export interface ScriptedEntry {
  path: string;
  kind: Entry['kind'];
  /** File content (default empty). */
  content?: string;
  executable?: boolean;
  /** Symlink target. */
  target?: string;
}

/** What a scripted endpoint's scans report. */
export interface ScriptedListing {
  entries: readonly ScriptedEntry[];
  problems?: readonly ScanProblem[];
  ignored?: readonly string[];
}

/** A scripted endpoint and what was asked of it. */
export interface ScriptedEndpoint extends Endpoint {
  /** Every `apply` batch received. */
  readonly applied: Operation[][];
  /** Every file read requested. */
  readonly reads: string[];
}

/** Creates an endpoint reporting `listing` on every scan (see the module comment). */
export function createScriptedEndpoint(name: string, listing: ScriptedListing): ScriptedEndpoint {
  const contents = new Map<string, Buffer>();
  const snapshot = (): Snapshot => {
    const entries: Snapshot = new Map();
    for (const e of listing.entries) {
      if (e.kind === 'directory') entries.set(e.path, { kind: 'directory' });
      else if (e.kind === 'symlink') entries.set(e.path, { kind: 'symlink', target: e.target ?? '' });
      else {
        const bytes = Buffer.from(e.content ?? '');
        contents.set(e.path, bytes);
        entries.set(e.path, { kind: 'file', digest: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, executable: e.executable === true });
      }
    }
    return entries;
  };
  const applied: Operation[][] = [];
  const reads: string[] = [];
  return {
    name: `scripted:${name}`,
    applied,
    reads,
    scan: async (): Promise<ScanResult> => ({
      root: 'directory',
      entries: snapshot(),
      ignored: [...(listing.ignored ?? [])],
      problems: [...(listing.problems ?? [])],
      limitExceeded: false,
    }),
    async *readFiles(files): AsyncIterable<FileContent> {
      for (const file of files) {
        reads.push(file.path);
        const bytes = contents.get(file.path);
        yield { path: file.path, expected: file.expected, data: bytes === undefined ? null : (async function* () { yield bytes; })() };
      }
    },
    async apply(ops, stream): Promise<OperationResult[]> {
      applied.push([...ops]);
      for await (const item of stream) if (item.data !== null) for await (const _chunk of item.data) { /* drain */ }
      return ops.map(() => ({ status: 'failed', message: 'scripted endpoint: read-only' }));
    },
    async *watch() {
      // no hints
    },
    close: async () => undefined,
  };
}
