/**
 * `boulder describe KIND [NAME...]`: detailed, human-readable view of objects, with their
 * conditions and the objects they own.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { KINDS, notFoundError } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';

import { defineCommand } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { describeObject } from '../print/describe.ts';
import { namespaceOf, parseResourceArgs } from '../resources.ts';
import { reportError } from '../report-error.ts';

/** Objects of any kind in `namespace` whose ownerReferences name `owner`'s uid. */
export async function ownedObjects(client: ResourceClient, owner: KubeObject): Promise<KubeObject[]> {
  const uid = owner.metadata.uid;
  if (uid === undefined) return [];
  const lists = await Promise.all(KINDS.map((k) => client.list(k.kind, { namespace: owner.metadata.namespace ?? 'default' })));
  return lists.flatMap((l) => l.items).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid) === true);
}

const command = defineCommand({
  name: 'describe',
  summary: 'Show details of objects: metadata, spec, status, conditions and owned objects',
  usage: ['describe KIND [NAME...] [-l SELECTOR] [-n NS]', 'describe KIND/NAME...'],
  options: {
    selector: { type: 'string', short: 'l', valueName: 'SELECTOR', description: 'Describe the objects matching this label selector' },
  },
  async run(deps, { values, positionals }) {
    const { kind, refs } = parseResourceArgs(positionals, 'describe');
    const namespace = namespaceOf(values);
    const client = await deps.openClient();
    try {
      let objects: KubeObject[] = [];
      let failed: ExitCodeValue | undefined;
      if (refs.length === 0) {
        objects = (await client.list(kind.kind, { namespace, labelSelector: values.selector })).items;
        if (objects.length === 0) deps.stderr.write(`No resources found in ${namespace} namespace.\n`);
      }
      for (const ref of refs) {
        try {
          objects.push(await client.get(ref.kind.kind, namespace, ref.name));
        } catch (err) {
          if (!isErrorCode(err, 'NotFound')) throw err;
          failed ??= reportError(notFoundError(ref.kind, ref.name, err), deps.stderr);
        }
      }
      const nowMs = deps.clock.now().getTime();
      for (const [i, obj] of objects.entries()) {
        if (i > 0) deps.stdout.write('\n\n');
        deps.stdout.write(await describeObject(obj, await ownedObjects(client, obj), nowMs));
      }
      return failed ?? ExitCode.Ok;
    } finally {
      await client.close();
    }
  },
});

export default command;
