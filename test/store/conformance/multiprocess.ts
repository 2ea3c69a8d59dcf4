/**
 * Conformance: several processes on one backend — ten processes incrementing one counter lose no
 * update, and a watch in this process sees another process's writes, in order.
 */
import { describe, expect, it } from 'vitest';
import { names, WatchRecorder, workspace, type SuiteContext } from './harness.ts';
import { runWorker, workerScript } from './workers.ts';

const PROCESSES = 10;
const INCREMENTS_PER_PROCESS = 20;
const COUNTER = 'conformance.nexus.dev/counter';

/** Registers the multi-process tests. */
export function describeMultiProcess(ctx: SuiteContext): void {
  describe('several processes', () => {
    it(`loses no update when ${PROCESSES} processes update one object concurrently`, { timeout: 120_000 }, async () => {
      const ns = ctx.harness.namespace;
      await ctx.client().create(workspace(ns, 'counter'));
      const input = {
        spec: ctx.harness.workerSpec,
        kind: 'Workspace',
        namespace: ns,
        name: 'counter',
        key: COUNTER,
        times: INCREMENTS_PER_PROCESS,
      };
      const script = workerScript('increment-annotation.ts');
      await Promise.all(Array.from({ length: PROCESSES }, () => runWorker(script, input, 110_000)));

      const final = await ctx.client().get('Workspace', ns, 'counter');
      expect(final.metadata.annotations?.[COUNTER]).toBe(String(PROCESSES * INCREMENTS_PER_PROCESS));
      expect(final.metadata.generation).toBe(1);
    });

    it('delivers another process\'s create, update and delete to a watch here, in order', { timeout: 60_000 }, async () => {
      const ns = ctx.harness.namespace;
      const client = ctx.client();
      const { resourceVersion } = await client.list('Workspace', { namespace: ns });
      const recorder = new WatchRecorder(client, 'Workspace', { namespace: ns, resourceVersion });
      try {
        const result = await runWorker(workerScript('write-sequence.ts'), {
          spec: ctx.harness.workerSpec,
          namespace: ns,
          name: 'remote',
        });
        const { versions } = JSON.parse(result.stdout) as { versions: string[] };
        const events = await recorder.waitFor(3);
        expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
          'ADDED remote',
          'MODIFIED remote',
          'DELETED remote',
        ]);
        expect(events[0]?.object.metadata.resourceVersion).toBe(versions[0]);
        expect(events[1]?.object.metadata.resourceVersion).toBe(versions[1]);
        expect((events[1]?.object.spec as { image?: string }).image).toBe('busybox:2');
      } finally {
        await recorder.stop();
      }
      expect(names((await client.list('Workspace', { namespace: ns })).items)).toEqual([]);
    });
  });
}
