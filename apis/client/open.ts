/**
 * Opening a ResourceClient from a plain, JSON-serialisable description (`ClientSpec`), so that a
 * CLI flag, a config file or a child process can name a backend. Implementations are imported
 * lazily: a command that never touches the store pays nothing for SQLite or a Kubernetes client.
 */
import { stateFiles } from '../config/state-dir.ts';
import type { ResourceClient } from './types.ts';

/** The embedded store: one SQLite file. */
export interface EmbeddedClientSpec {
  type: 'embedded';
  /** Path of the SQLite file (`<state dir>/boulder.db`). */
  path: string;
}

/**
 * Which backend to open, discriminated by `type`. A `{ type: 'kubernetes', ... }` variant joins
 * this union when the Kubernetes-backed client lands.
 */
export type ClientSpec = EmbeddedClientSpec;

/** The spec of the embedded store kept in a state dir. */
export function embeddedClientSpec(stateDir: string): EmbeddedClientSpec {
  return { type: 'embedded', path: stateFiles(stateDir).store };
}

/** Opens the client a spec describes. */
export async function openClient(spec: ClientSpec): Promise<ResourceClient> {
  switch (spec.type) {
    case 'embedded': {
      const { openEmbeddedStore } = await import('../store/embedded-store.ts');
      return openEmbeddedStore({ path: spec.path });
    }
  }
}
