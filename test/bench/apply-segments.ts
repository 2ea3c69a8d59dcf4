/**
 * Where apply → Ready's wall time goes outside the reconcile (issue 19 item 2): the benchmark
 * process watches the embedded store while the CLI runs and splits the wall time at the moments it
 * sees — the CLI's write (ADDED), the daemon's first write to the object (its first reconcile
 * adding the finalizer: the daemon has noticed the object), and Ready — plus the CLI's exit.
 */
import type { EmbeddedStore } from '../../apis/store/embedded-store.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** One apply's segments (ms). */
export interface ApplySegments {
  /** CLI spawn → the object is in the store (Node start, load, validation, the write). */
  cliToStored: number;
  /** Stored → the daemon's first write to it (the daemon's wake-up and first reconcile). */
  storedToDaemon: number;
  /** The daemon's first write → Ready written (the converge: createMs and status writes). */
  daemonToReady: number;
  /** Ready written → the CLI exited (its wait noticing Ready, and process exit). */
  readyToExit: number;
}

/** Watches workspace `name` from now on; `finish(spawnedAt, exitedAt)` returns the segments. */
export async function watchApply(store: EmbeddedStore, name: string): Promise<{ finish(spawnedAt: number, exitedAt: number): Promise<ApplySegments> }> {
  const { resourceVersion } = await store.list<Workspace>('Workspace', { namespace: 'default' });
  const abort = new AbortController();
  const seen: { stored?: number; daemon?: number; ready?: number } = {};
  const following = (async () => {
    for await (const event of store.watch<Workspace>('Workspace', { namespace: 'default', resourceVersion, signal: abort.signal })) {
      if (event.object.metadata.name !== name) continue;
      const now = performance.now();
      if (event.type === 'ADDED') seen.stored ??= now;
      else if (event.type === 'MODIFIED') seen.daemon ??= now;
      const ready = event.object.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True' && event.object.status?.observedGeneration === event.object.metadata.generation) {
        seen.ready ??= now;
        return;
      }
    }
  })();
  return {
    async finish(spawnedAt, exitedAt) {
      const timer = setTimeout(() => abort.abort(), 5_000);
      await following.catch(() => undefined);
      clearTimeout(timer);
      const { stored, daemon, ready } = seen;
      if (stored === undefined || daemon === undefined || ready === undefined) throw new Error(`watch of ${name} missed a step: ${JSON.stringify(seen)}`);
      return { cliToStored: stored - spawnedAt, storedToDaemon: daemon - stored, daemonToReady: ready - daemon, readyToExit: exitedAt - ready };
    },
  };
}

const LABELS: Record<keyof ApplySegments, string> = {
  cliToStored: 'CLI start → object stored',
  storedToDaemon: 'stored → daemon\'s first write (wake-up)',
  daemonToReady: 'daemon\'s first write → Ready written',
  readyToExit: 'Ready written → CLI exit',
};

/** One row per segment, medians over `samples`. */
export function segmentRows(label: string, samples: readonly ApplySegments[]): BenchRow[] {
  return (Object.keys(LABELS) as (keyof ApplySegments)[]).map((key) => {
    const values = samples.map((s) => s[key]);
    return { name: `${label}: ${LABELS[key]}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms' as const, note: `seen by a store watch, N=${values.length}` };
  });
}
