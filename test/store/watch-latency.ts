/**
 * Measures store write → watch event latency across processes: a child process updates one
 * Workspace at intervals, stamping each write with the time it started; this process watches the
 * object and records, per write, how long until the event arrived here. Used by `npm run bench`
 * (budget: ≤ 20 ms p50, ≤ 100 ms p99) and by a smoke test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWorker, workerScript } from './conformance/workers.ts';
import { embeddedClientSpec, openClient, type ClientSpec } from '../../apis/client/open.ts';
import { API_VERSION } from '../../apis/meta.ts';
import { LATENCY_SENT_AT, LATENCY_WARMUP } from './workers/latency-annotations.ts';

/** Tuning of a measurement. */
export interface WatchLatencyOptions {
  /** Backend to measure; default: an embedded store in a fresh temporary state dir. */
  spec?: ClientSpec;
  /** Pause between writes (ms), so samples measure latency rather than throughput. Default 20. */
  intervalMs?: number;
  /** Writes made before the measured ones (warming caches and JIT). Default 5. */
  warmup?: number;
  /** Namespace of the object written. Default `default`. */
  namespace?: string;
}

/** Returns `samples` latencies in ms (write started in a child process → event received here). */
export async function measureCrossProcessWatchLatency(samples: number, options: WatchLatencyOptions = {}): Promise<number[]> {
  const tempDir = options.spec === undefined ? mkdtempSync(join(tmpdir(), 'boulder-latency-')) : undefined;
  const spec = options.spec ?? embeddedClientSpec(tempDir ?? '');
  const namespace = options.namespace ?? 'default';
  const name = `latency-${process.pid}`;
  const client = await openClient(spec);
  const controller = new AbortController();
  try {
    await client.create({
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: { name, namespace },
      spec: { backend: 'mock', image: 'busybox:1' },
    });
    const { resourceVersion } = await client.list('Workspace', { namespace });
    const latencies: number[] = [];
    const reading = (async () => {
      for await (const event of client.watch('Workspace', { namespace, resourceVersion, signal: controller.signal })) {
        const receivedAt = performance.timeOrigin + performance.now();
        const annotations = event.object.metadata.annotations ?? {};
        if (event.object.metadata.name !== name || annotations[LATENCY_WARMUP] !== 'false') continue;
        latencies.push(receivedAt - Number(annotations[LATENCY_SENT_AT]));
        if (latencies.length >= samples) return;
      }
    })();
    await runWorker(workerScript('latency-writer.ts'), {
      spec,
      namespace,
      name,
      samples,
      warmup: options.warmup ?? 5,
      intervalMs: options.intervalMs ?? 20,
    }, 120_000);
    const timeout = setTimeout(() => controller.abort(), 5_000);
    await reading;
    clearTimeout(timeout);
    if (latencies.length < samples) throw new Error(`received ${latencies.length} of ${samples} watch events`);
    await client.delete('Workspace', namespace, name);
    return latencies;
  } finally {
    controller.abort();
    await client.close();
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** The q-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
