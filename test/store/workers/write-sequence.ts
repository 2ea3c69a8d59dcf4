/**
 * Worker for the conformance suite's cross-process watch test: opens a client from the spec it is
 * given, then creates, updates (spec.image) and deletes one Workspace, printing the
 * resourceVersion of each write as JSON.
 *
 * Usage: node write-sequence.ts '{"spec":{...},"namespace":"ns","name":"n"}'
 */
import { openClient, type ClientSpec } from '../../../apis/client/open.ts';
import { API_VERSION, type KubeObject } from '../../../apis/meta.ts';

interface Input {
  spec: ClientSpec;
  namespace: string;
  name: string;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const client = await openClient(input.spec);
try {
  const object: KubeObject = {
    apiVersion: API_VERSION,
    kind: 'Workspace',
    metadata: { name: input.name, namespace: input.namespace },
    spec: { backend: 'mock', image: 'busybox:1' },
  };
  const created = await client.create(object);
  const updated = await client.update({ ...created, spec: { ...(created.spec as object), image: 'busybox:2' } });
  const deleted = await client.delete('Workspace', input.namespace, input.name);
  const versions = [created, updated, deleted].map((o) => o.metadata.resourceVersion);
  process.stdout.write(`${JSON.stringify({ versions })}\n`);
} finally {
  await client.close();
}
