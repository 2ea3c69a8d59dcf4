/**
 * Worker for the cross-process watch latency measurement: opens a client from the spec it is
 * given, then updates one Workspace `warmup + samples` times, `intervalMs` apart, stamping each
 * write with the wall-clock time (sub-millisecond, `performance.timeOrigin + performance.now()`)
 * taken just before the write starts. Warm-up writes are marked so the reader can skip them.
 *
 * Usage: node latency-writer.ts '{"spec":{...},"namespace":"ns","name":"n","samples":50,"warmup":3,"intervalMs":20}'
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openClient, type ClientSpec } from '../../../apis/client/open.ts';
import { LATENCY_SENT_AT, LATENCY_WARMUP } from './latency-annotations.ts';

interface Input {
  spec: ClientSpec;
  namespace: string;
  name: string;
  samples: number;
  warmup: number;
  intervalMs: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const client = await openClient(input.spec);
try {
  let current = await client.get('Workspace', input.namespace, input.name);
  for (let i = 0; i < input.warmup + input.samples; i += 1) {
    await sleep(input.intervalMs);
    const annotations = { ...current.metadata.annotations };
    annotations[LATENCY_WARMUP] = String(i < input.warmup);
    annotations[LATENCY_SENT_AT] = String(performance.timeOrigin + performance.now());
    current = await client.update({ ...current, metadata: { ...current.metadata, annotations } });
  }
} finally {
  await client.close();
}
