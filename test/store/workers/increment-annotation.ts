/**
 * Worker for the conformance suite's lost-update test: opens a client from the spec it is given
 * and increments an annotation counter `times` times with get → modify → update, retrying on
 * Conflict. Prints `{"conflicts": N}` on success.
 *
 * Usage: node increment-annotation.ts '{"spec":{...},"kind":"Workspace","namespace":"ns","name":"n","key":"k","times":20}'
 */
import { openClient, type ClientSpec } from '../../../apis/client/open.ts';
import { isErrorCode } from '../../../apis/errors.ts';
import type { KindName } from '../../../apis/kinds.ts';

interface Input {
  spec: ClientSpec;
  kind: KindName;
  namespace: string;
  name: string;
  key: string;
  times: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const client = await openClient(input.spec);
let conflicts = 0;
try {
  for (let done = 0; done < input.times; ) {
    const current = await client.get(input.kind, input.namespace, input.name);
    const annotations = { ...current.metadata.annotations };
    annotations[input.key] = String(Number(annotations[input.key] ?? '0') + 1);
    try {
      await client.update({ ...current, metadata: { ...current.metadata, annotations } });
      done += 1;
    } catch (err) {
      if (!isErrorCode(err, 'Conflict')) throw err;
      conflicts += 1;
    }
  }
} finally {
  await client.close();
}
process.stdout.write(`${JSON.stringify({ conflicts })}\n`);
