/**
 * The ResourceClient conformance suite: one set of vitest tests that every ResourceClient
 * implementation (the embedded store now, the Kubernetes API later) must pass unchanged. A backend
 * supplies a ConformanceHarness; the suite uses nothing but the ResourceClient interface, plus
 * child processes that open their own client from `harness.workerSpec`.
 *
 * Usage (in a *.test.ts file):
 *   describeResourceClientConformance('embedded store', harness);
 */
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { describeApply } from './conformance/apply.ts';
import { describeCrud } from './conformance/crud.ts';
import { describeDeletion } from './conformance/deletion.ts';
import type { ConformanceHarness, SuiteContext } from './conformance/harness.ts';
import { describeMultiProcess } from './conformance/multiprocess.ts';
import { describeSelectors } from './conformance/selectors.ts';
import { describeUpdates } from './conformance/updates.ts';
import { describeValidation } from './conformance/validation.ts';
import { describeWatch } from './conformance/watch.ts';
import type { ResourceClient } from '../../apis/client/types.ts';

export type { ConformanceHarness } from './conformance/harness.ts';
export { purgeNamespaces } from './conformance/purge.ts';

/** Registers the whole conformance suite for one backend. */
export function describeResourceClientConformance(name: string, harness: ConformanceHarness): void {
  describe(`ResourceClient conformance: ${name}`, () => {
    let client: ResourceClient | undefined;
    const ctx: SuiteContext = {
      harness,
      client: () => {
        if (client === undefined) throw new Error('the conformance client is not open');
        return client;
      },
    };

    beforeAll(async () => {
      client = await harness.newClient();
    });
    afterAll(async () => {
      await client?.close();
    });
    beforeEach(async () => {
      await harness.reset();
    });

    describeCrud(ctx);
    describeUpdates(ctx);
    describeSelectors(ctx);
    describeDeletion(ctx);
    describeApply(ctx);
    describeWatch(ctx);
    describeValidation(ctx);
    describeMultiProcess(ctx);
  });
}
